/**
 * Entries trimmed before a group read them: the group's last-delivered id is behind the stream's
 * first entry (or the stream is empty although ids were generated after it), and the counters say
 * entries are missing (Redis >= 7: entries-added - entries-read - entries still there). Trimming
 * an unread entry is loss nothing else reports: Redis keeps the group's lag as if they were there,
 * and no consumer ever sees them. The runtime logs and counts it, streams-health fails on it.
 */
import { compareIds, type GroupInfo, type StreamInfo } from './backend.js';

/** A gap: ids after `afterId` up to `toId` were removed unread; `entries` when the counters tell. */
export interface TrimGap {
  /** The group's last-delivered id (exclusive start of the gap). */
  afterId: string;
  /** End of the gap: the first entry still there (exclusive), or the last generated id (inclusive) on an empty stream. */
  toId: string;
  toInclusive: boolean;
  /** The range as text: `(after, to)` or `(after, to]`. */
  range: string;
  /** How many entries were lost to this group; null when the server cannot count (Redis < 7, or entries-read unknown). */
  entries: number | null;
}

/** The gap of one group on one stream, or null when nothing unread was removed (as far as can be told). */
export function trimmedGap(info: StreamInfo | null, group: GroupInfo): TrimGap | null {
  if (!info) return null;
  const last = group.lastDeliveredId;
  const counted = info.entriesAdded !== null && group.entriesRead !== null ? info.entriesAdded - group.entriesRead - info.length : null;
  if (info.firstId === null) {
    // Empty: anything generated after what the group read is gone.
    if (compareIds(info.lastGeneratedId, last) <= 0) return null;
    if (counted !== null && counted <= 0) return null;
    return { afterId: last, toId: info.lastGeneratedId, toInclusive: true, range: `(${last}, ${info.lastGeneratedId}]`, entries: counted };
  }
  // Entries at or below the last-delivered id are still there: trims cut from the front, so nothing unread went.
  if (compareIds(info.firstId, last) <= 0) return null;
  // Every entry still there is unread; without counters a trimmed head cannot be told from none.
  if (counted === null || counted <= 0) return null;
  return { afterId: last, toId: info.firstId, toInclusive: false, range: `(${last}, ${info.firstId})`, entries: counted };
}

/**
 * Entries removed from a stream before a group read them (an XTRIM or XDEL outside the runtime):
 * loss nothing else reports. Redis keeps counting them as the group's lag (entries-added minus
 * entries-read) although no consumer will ever see them, so on Redis >= 7 the gap is that
 * count minus the entries still there after the group's last-delivered id. The runtime logs and
 * counts it; streams-health fails on it.
 */
import { compareIds, type GroupInfo, type StreamInfo } from './backend.js';

/** A gap: `entries` entries were removed before the group read them. */
export interface TrimGap {
  /** Entries lost to this group since it was created (cumulative). */
  entries: number;
  /** Where, when it can still be told: `(last-delivered, first entry still there)` or `(last-delivered, last generated]`; else `before <last-delivered>`. */
  range: string;
}

/**
 * How many entries after the group's last-delivered id are still in the stream, when that is
 * known without reading them: all of them (the group is behind the first entry), or none (it has
 * read the last one). Null otherwise: the caller may count them (XRANGE) when few.
 */
export function unreadPresent(info: StreamInfo, group: GroupInfo): number | null {
  if (info.firstId === null || info.lastId === null) return 0;
  if (compareIds(info.firstId, group.lastDeliveredId) > 0) return info.length;
  if (compareIds(info.lastId, group.lastDeliveredId) <= 0) return 0;
  return null;
}

/** The gap of one group on one stream, or null when nothing unread was removed (or it cannot be told: Redis < 7, entries-read unknown). */
export function trimmedGap(info: StreamInfo | null, group: GroupInfo, present: number | null = info ? unreadPresent(info, group) : null): TrimGap | null {
  if (!info || info.entriesAdded === null || group.entriesRead === null || present === null) return null;
  const entries = info.entriesAdded - group.entriesRead - present;
  if (entries <= 0) return null;
  const last = group.lastDeliveredId;
  let range = `before ${last}`;
  if (info.firstId === null) range = `(${last}, ${info.lastGeneratedId}]`;
  else if (compareIds(info.firstId, last) > 0) range = `(${last}, ${info.firstId})`;
  return { entries, range };
}

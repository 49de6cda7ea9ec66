/**
 * Finding dead letters: the DLQ streams of a prefix (or of one topic), read in pages, parsed and
 * filtered by actor, reason, error text and age; oldest first.
 */
import { parseDeadLetter, type DeadLetterEntry } from '../../actors/runtime/dead-letter.js';
import type { StreamBackend } from '../../streams/backend.js';
import type { Keys } from '../../streams/keys.js';
import { CliError } from '../common.js';

/** Which dead letters to select; every filter is optional. */
export interface DlqFilter {
  /** Only the DLQ of this topic (all partitions). */
  topic?: string;
  /** Actor (group) that dead-lettered the entry, exact. */
  actor?: string;
  /** DLQ reason, exact (handler-error, poison, not-json, ...). */
  reason?: string;
  /** Substring of the error text, case-insensitive. */
  errorText?: string;
  /** Failed at least this long ago. */
  olderThanMs?: number;
  /** Failed at most this long ago. */
  newerThanMs?: number;
  /** At most this many (the oldest first). */
  count?: number;
}

/** One selected dead letter with where it lives. */
export interface DlqItem {
  /** The DLQ stream key. */
  stream: string;
  topic: string;
  partition: number;
  /** When it failed (the failedAt field, else the entry id's time), in ms. */
  failedAtMs: number;
  entry: DeadLetterEntry;
}

/** A selection, and whether more entries matched than `count` allowed. */
export interface DlqSelection {
  items: DlqItem[];
  more: boolean;
}

/** Entries read per XRANGE page. */
const PAGE = 500;

const ENTRY_ID_RE = /^\d+-\d+$/;

/** Throws CliError USAGE unless text is a full entry id ('ms-seq'). */
export function assertEntryId(text: string, what = 'entry id'): void {
  if (!ENTRY_ID_RE.test(text)) throw new CliError('USAGE', `${what} "${text}" is not a stream id (expected <ms>-<seq>, e.g. 1700000000000-0)`);
}

/** The DLQ streams of the prefix, or of one topic; an unknown topic (no DLQ stream) is an error. */
export async function dlqStreams(backend: StreamBackend, keys: Keys, topic?: string): Promise<string[]> {
  const all = await backend.listStreams(keys.dlqPattern());
  const mine = all.filter((k) => {
    const where = keys.parse(k);
    return where?.kind === 'dlq' && (topic === undefined || where.topic === topic);
  });
  if (topic !== undefined && mine.length === 0)
    throw new CliError('NOT_FOUND', `no DLQ stream for topic "${topic}" under prefix "${keys.prefix}" (like ${keys.dlq(topic)})`);
  return mine;
}

function idTime(id: string): number {
  return Number(id.split('-')[0]);
}

/** The item for one DLQ entry. */
export function toItem(keys: Keys, stream: string, id: string, fields: readonly string[]): DlqItem {
  const where = keys.parse(stream);
  const entry = parseDeadLetter(id, fields);
  const failed = Date.parse(entry.failedAt);
  return { stream, topic: where?.topic ?? stream, partition: where?.partition ?? 0, failedAtMs: Number.isFinite(failed) ? failed : idTime(id), entry };
}

/** True when the item passes every filter. */
export function matches(item: DlqItem, f: DlqFilter, nowMs: number): boolean {
  const e = item.entry;
  if (f.actor !== undefined && e.actor !== f.actor) return false;
  if (f.reason !== undefined && e.reason !== f.reason) return false;
  if (f.errorText !== undefined && !e.error.toLowerCase().includes(f.errorText.toLowerCase())) return false;
  if (f.olderThanMs !== undefined && item.failedAtMs > nowMs - f.olderThanMs) return false;
  if (f.newerThanMs !== undefined && item.failedAtMs < nowMs - f.newerThanMs) return false;
  return true;
}

/** Selects dead letters, oldest first over all selected DLQ streams. */
export async function selectDeadLetters(backend: StreamBackend, keys: Keys, filter: DlqFilter, nowMs: number): Promise<DlqSelection> {
  const found: DlqItem[] = [];
  for (const stream of await dlqStreams(backend, keys, filter.topic)) {
    let start = '-';
    for (;;) {
      const page = await backend.range(stream, start, '+', PAGE);
      for (const e of page) {
        const item = toItem(keys, stream, e.id, e.fields);
        if (matches(item, filter, nowMs)) found.push(item);
      }
      if (page.length < PAGE) break;
      start = `(${page[page.length - 1]!.id}`;
    }
  }
  found.sort((a, b) => a.failedAtMs - b.failedAtMs || idTime(a.entry.id) - idTime(b.entry.id));
  const limit = filter.count ?? found.length;
  return { items: found.slice(0, limit), more: found.length > limit };
}

/** Finds one DLQ entry by id in the selected DLQ streams; CliError NOT_FOUND when it is in none. */
export async function findDeadLetter(backend: StreamBackend, keys: Keys, id: string, topic?: string): Promise<DlqItem> {
  assertEntryId(id);
  for (const stream of await dlqStreams(backend, keys, topic)) {
    const [e] = await backend.range(stream, id, id);
    if (e) return toItem(keys, stream, e.id, e.fields);
  }
  throw new CliError('NOT_FOUND', `no DLQ entry ${id}${topic ? ` in the DLQ of ${topic}` : ` under prefix "${keys.prefix}"`}`);
}

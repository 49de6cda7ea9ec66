/**
 * One stream of the memory shim: entries in id order (an array searched by binary search) plus
 * the counters Redis 7 keeps to report a group's lag (entries-added, max-deleted-entry-id), so
 * XINFO GROUPS reads the same here as on the server, including the cases where Redis says null.
 */
import { StreamBackendError } from '../backend.js';
import { cmpId, formatId, isZeroId, lowerBound, MAX_SEQ, ZERO_ID, type Id } from './ids.js';
import type { ConsumerGroup } from './group.js';

/** A stored entry. */
export interface MemEntry {
  readonly id: string;
  readonly key: Id;
  readonly fields: readonly string[];
}

/** XADD's check: at least one field, and a value for every field. */
export function assertFieldPairs(fields: readonly string[], stream?: string): void {
  if (fields.length === 0 || fields.length % 2 !== 0) {
    throw new StreamBackendError('BAD_ARGUMENT', `ERR wrong number of arguments for 'xadd' command (${fields.length} field items)`, stream);
  }
}

/** Redis' SCG_INVALID_ENTRIES_READ: the group's read counter is unknown. */
export const UNKNOWN_READS = -1;

const entryKey = (e: MemEntry): Id => e.key;

/** A stream key's value. */
export class MemoryStream {
  readonly entries: MemEntry[] = [];
  /** Last generated id (XADD never goes below it, even after deletions). */
  lastId: Id = ZERO_ID;
  /** Entries ever appended. */
  entriesAdded = 0;
  /** Greatest id removed by XDEL (trimming does not move it, as in Redis). */
  maxDeletedId: Id = ZERO_ID;
  readonly groups = new Map<string, ConsumerGroup>();

  get length(): number {
    return this.entries.length;
  }

  /** XADD *: the clock's ms, or the last ms with seq + 1 when the clock did not move forward. */
  append(fields: readonly string[], nowMs: number): MemEntry {
    assertFieldPairs(fields);
    const ms = Math.floor(nowMs);
    const key: Id =
      ms > this.lastId.ms ? { ms, seq: 0 } : this.lastId.seq < MAX_SEQ ? { ms: this.lastId.ms, seq: this.lastId.seq + 1 } : { ms: this.lastId.ms + 1, seq: 0 };
    const entry: MemEntry = { id: formatId(key), key, fields: fields.slice() };
    this.entries.push(entry);
    this.lastId = key;
    this.entriesAdded++;
    return entry;
  }

  /** The entry with exactly this id. */
  get(key: Id): MemEntry | undefined {
    const e = this.entries[lowerBound(this.entries, key, entryKey)];
    return e && cmpId(e.key, key) === 0 ? e : undefined;
  }

  /** Entries with start <= id <= end, oldest first, at most `count` (undefined = all). */
  range(start: Id, end: Id, count?: number): MemEntry[] {
    const out: MemEntry[] = [];
    const limit = count ?? Infinity;
    for (let i = lowerBound(this.entries, start, entryKey); i < this.entries.length && out.length < limit; i++) {
      const e = this.entries[i]!;
      if (cmpId(e.key, end) > 0) break;
      out.push(e);
    }
    return out;
  }

  /** Entries with start <= id <= end, newest first, at most `count`. */
  revRange(end: Id, start: Id, count?: number): MemEntry[] {
    const out: MemEntry[] = [];
    const limit = count ?? Infinity;
    // lowerBound of the id just above `end` is one past the last entry <= end.
    let i = lowerBound(this.entries, end, entryKey);
    if (this.entries[i] && cmpId(this.entries[i]!.key, end) === 0) i++;
    for (i--; i >= 0 && out.length < limit; i--) {
      const e = this.entries[i]!;
      if (cmpId(e.key, start) < 0) break;
      out.push(e);
    }
    return out;
  }

  /** XDEL: removes entries, records the greatest removed id; returns how many existed. */
  delete(keys: readonly Id[]): number {
    let n = 0;
    for (const key of keys) {
      const i = lowerBound(this.entries, key, entryKey);
      const e = this.entries[i];
      if (!e || cmpId(e.key, key) !== 0) continue;
      this.entries.splice(i, 1);
      if (cmpId(key, this.maxDeletedId) > 0) this.maxDeletedId = key;
      n++;
    }
    return n;
  }

  /** XTRIM MINID: removes entries below `floor`; returns them. */
  trimBelow(floor: Id): MemEntry[] {
    return this.entries.splice(0, lowerBound(this.entries, floor, entryKey));
  }

  /** XTRIM MAXLEN: keeps the `maxLen` newest entries; returns the removed ones. */
  trimToLength(maxLen: number): MemEntry[] {
    return this.entries.length > maxLen ? this.entries.splice(0, this.entries.length - maxLen) : [];
  }

  private firstKey(): Id {
    return this.entries[0]?.key ?? ZERO_ID;
  }

  /** streamRangeHasTombstones(s, from, +): an XDEL hole at or after `from` within the stream. */
  hasTombstonesFrom(from: Id): boolean {
    if (this.entries.length === 0 || isZeroId(this.maxDeletedId)) return false;
    if (cmpId(this.firstKey(), this.maxDeletedId) > 0) return false;
    return cmpId(from, this.maxDeletedId) <= 0;
  }

  /** streamEstimateDistanceFromFirstEverEntry: the reads counter at `id`, or UNKNOWN_READS. */
  readsCounterAt(id: Id): number {
    if (this.entriesAdded === 0) return 0;
    const vsLast = cmpId(id, this.lastId);
    if (this.entries.length === 0 && vsLast <= 0) return this.entriesAdded;
    if (vsLast === 0) return this.entriesAdded;
    if (vsLast > 0) return UNKNOWN_READS;
    const first = this.firstKey();
    if (isZeroId(this.maxDeletedId) || cmpId(this.maxDeletedId, first) < 0) {
      const vsFirst = cmpId(id, first);
      if (vsFirst < 0) return this.entriesAdded - this.entries.length;
      if (vsFirst === 0) return this.entriesAdded - this.entries.length + 1;
    }
    return UNKNOWN_READS;
  }
}

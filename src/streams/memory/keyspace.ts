/**
 * The memory shim's key space: one map of typed values (streams, strings with an optional expiry,
 * sorted sets of delayed entries), with Redis' type errors and lazy expiry judged against the
 * injected clock (a key is gone once now > its expiry time, as in Redis' keyIsExpired).
 */
import { StreamBackendError } from '../backend.js';
import type { Clock } from '../../clock.js';
import { globMatch } from './glob.js';
import { MemoryStream } from './stream.js';

/** One delayed entry of a sorted set. */
export interface DelayedItem {
  /** The sorted-set member (unique key, ties between equal scores are broken by it, as in Redis). */
  readonly member: string;
  readonly score: number;
  readonly fields: readonly string[];
}

/** A sorted set of delayed entries, ordered by (score, member) like a Redis zset. */
export class DelayedSet {
  private readonly byMember = new Map<string, DelayedItem>();
  private readonly ordered: DelayedItem[] = [];

  get size(): number {
    return this.ordered.length;
  }

  /** ZADD: adds, or moves an existing member to its new score. */
  add(item: DelayedItem): void {
    const old = this.byMember.get(item.member);
    if (old) this.ordered.splice(this.indexOf(old), 1);
    this.byMember.set(item.member, item);
    this.ordered.splice(this.indexOf(item), 0, item);
  }

  /** ZRANGEBYSCORE -inf now LIMIT 0 limit, then ZREM of those (limit < 0 = all, as in Redis). */
  popDue(nowMs: number, limit: number): DelayedItem[] {
    let n = 0;
    while (n < this.ordered.length && this.ordered[n]!.score <= nowMs && (limit < 0 || n < limit)) n++;
    const due = this.ordered.splice(0, n);
    for (const d of due) this.byMember.delete(d.member);
    return due;
  }

  // Position of `item` by (score, member): where it is, or where it would go.
  private indexOf(item: DelayedItem): number {
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.ordered[mid]!;
      if (m.score < item.score || (m.score === item.score && m.member < item.member)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

type Value = { type: 'stream'; stream: MemoryStream } | { type: 'string'; value: string; expiresAt: number | null } | { type: 'zset'; zset: DelayedSet };

/** A Redis type name, or 'none'. */
export type KeyType = Value['type'] | 'none';

function wrongType(key: string): StreamBackendError {
  return new StreamBackendError('SERVER', `WRONGTYPE Operation against a key holding the wrong kind of value (${key})`, key);
}

/** The shim's keys and values. */
export class Keyspace {
  private readonly values = new Map<string, Value>();

  constructor(private readonly clock: Clock) {}

  // The value, after dropping it when its expiry has passed.
  private live(key: string): Value | undefined {
    const v = this.values.get(key);
    if (v?.type === 'string' && v.expiresAt !== null && this.clock.now() > v.expiresAt) {
      this.values.delete(key);
      return undefined;
    }
    return v;
  }

  /** TYPE. */
  typeOf(key: string): KeyType {
    return this.live(key)?.type ?? 'none';
  }

  /** Throws WRONGTYPE unless the key is missing or of type `want`. */
  assertType(key: string, want: Value['type']): void {
    const t = this.typeOf(key);
    if (t !== 'none' && t !== want) throw wrongType(key);
  }

  /** The stream at key, undefined when missing; WRONGTYPE for another type. */
  stream(key: string): MemoryStream | undefined {
    const v = this.live(key);
    if (!v) return undefined;
    if (v.type !== 'stream') throw wrongType(key);
    return v.stream;
  }

  /** The stream at key, created empty when missing (XADD, MKSTREAM). */
  streamOrCreate(key: string): MemoryStream {
    const existing = this.stream(key);
    if (existing) return existing;
    const stream = new MemoryStream();
    this.values.set(key, { type: 'stream', stream });
    return stream;
  }

  /** The sorted set at key, undefined when missing. */
  zset(key: string): DelayedSet | undefined {
    const v = this.live(key);
    if (!v) return undefined;
    if (v.type !== 'zset') throw wrongType(key);
    return v.zset;
  }

  /** The sorted set at key, created when missing. */
  zsetOrCreate(key: string): DelayedSet {
    const existing = this.zset(key);
    if (existing) return existing;
    const zset = new DelayedSet();
    this.values.set(key, { type: 'zset', zset });
    return zset;
  }

  /** Drops a sorted set that became empty (Redis never keeps an empty zset). */
  dropIfEmpty(key: string): void {
    const v = this.values.get(key);
    if (v?.type === 'zset' && v.zset.size === 0) this.values.delete(key);
  }

  /** GET: null when missing or expired; WRONGTYPE for a non-string. */
  getString(key: string): string | null {
    const v = this.live(key);
    if (!v) return null;
    if (v.type !== 'string') throw wrongType(key);
    return v.value;
  }

  /** SET key value [PX ttl]: replaces whatever the key held. */
  setString(key: string, value: string, ttlMs: number | null): void {
    this.values.set(key, { type: 'string', value, expiresAt: ttlMs === null ? null : this.clock.now() + ttlMs });
  }

  /** EXISTS. */
  exists(key: string): boolean {
    return this.live(key) !== undefined;
  }

  /** PTTL: remaining ms, -2 when missing, -1 without expiry. */
  pttl(key: string): number {
    const v = this.live(key);
    if (!v) return -2;
    if (v.type !== 'string' || v.expiresAt === null) return -1;
    return Math.max(0, v.expiresAt - this.clock.now());
  }

  /** DEL of one key; true when it existed. */
  delete(key: string): boolean {
    const existed = this.live(key) !== undefined;
    this.values.delete(key);
    return existed;
  }

  /** SCAN MATCH pattern [TYPE type], sorted. */
  keys(pattern: string, type?: Value['type']): string[] {
    const out: string[] = [];
    for (const key of [...this.values.keys()]) {
      const v = this.live(key);
      if (v && (type === undefined || v.type === type) && globMatch(pattern, key)) out.push(key);
    }
    return out.sort();
  }
}

/**
 * Stream ids for the memory shim: parsed once into numbers so ordering, ranges and binary search
 * never split strings on the hot path. Parsing follows Redis: 'ms' alone means ms-0 as a start and
 * ms-<max seq> as an end, '-' and '+' are the extremes, '(' makes a bound exclusive (Redis >= 6.2).
 */
import { StreamBackendError } from '../backend.js';

/** A parsed stream id. */
export interface Id {
  readonly ms: number;
  readonly seq: number;
}

/** Largest sequence number the shim represents (Redis allows 2^64-1; ours come from a clock). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;
/** The id '0-0'. */
export const ZERO_ID: Id = Object.freeze({ ms: 0, seq: 0 });
/** The greatest id, what '+' stands for. */
export const MAX_ID: Id = Object.freeze({ ms: Number.MAX_SAFE_INTEGER, seq: MAX_SEQ });

const ID_RE = /^(\d+)(?:-(\d+))?$/;

/** Orders two ids: negative, zero or positive. */
export function cmpId(a: Id, b: Id): number {
  return a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/** 'ms-seq'. */
export function formatId(id: Id): string {
  return `${id.ms}-${id.seq}`;
}

/** True for 0-0. */
export function isZeroId(id: Id): boolean {
  return id.ms === 0 && id.seq === 0;
}

/** The id right after this one. */
export function nextId(id: Id): Id {
  return id.seq < MAX_SEQ ? { ms: id.ms, seq: id.seq + 1 } : { ms: id.ms + 1, seq: 0 };
}

/** The id right before this one (0-0 stays 0-0). */
export function prevId(id: Id): Id {
  if (id.seq > 0) return { ms: id.ms, seq: id.seq - 1 };
  return id.ms > 0 ? { ms: id.ms - 1, seq: MAX_SEQ } : ZERO_ID;
}

function badId(text: string): StreamBackendError {
  return new StreamBackendError('BAD_ARGUMENT', `ERR Invalid stream ID specified as stream command argument: "${text}"`);
}

/** Parses 'ms' or 'ms-seq'; a missing seq becomes 0, or MAX_SEQ when `missingSeqIsMax`. */
export function parseId(text: string, missingSeqIsMax = false): Id {
  const m = ID_RE.exec(text);
  if (!m) throw badId(text);
  const ms = Number(m[1]);
  const seq = m[2] === undefined ? (missingSeqIsMax ? MAX_SEQ : 0) : Number(m[2]);
  if (ms > Number.MAX_SAFE_INTEGER || seq > MAX_SEQ) throw badId(text);
  return { ms, seq };
}

/** Inclusive lower bound of an XRANGE-style interval: '-', an id, or '(' + id for exclusive. */
export function parseStart(text: string): Id {
  if (text === '-') return ZERO_ID;
  if (text.startsWith('(')) {
    const id = parseId(text.slice(1));
    if (cmpId(id, MAX_ID) >= 0) throw badId(text);
    return nextId(id);
  }
  return parseId(text);
}

/** Inclusive upper bound of an XRANGE-style interval: '+', an id, or '(' + id for exclusive. */
export function parseEnd(text: string): Id {
  if (text === '+') return MAX_ID;
  if (text.startsWith('(')) {
    const id = parseId(text.slice(1), true);
    if (isZeroId(id)) throw badId(text);
    return prevId(id);
  }
  return parseId(text, true);
}

/** Index of the first item whose key is >= id (items sorted by key). */
export function lowerBound<T>(items: readonly T[], id: Id, key: (item: T) => Id): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmpId(key(items[mid]!), id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Something that carries a parsed id. */
export interface Keyed {
  readonly key: Id;
}

/**
 * Items kept sorted by id: appends in id order (the common case, ids grow) are O(1), other
 * inserts and removals are a binary search plus a splice.
 */
export class SortedById<T extends Keyed> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Inserts or replaces the item with the same id. */
  insert(item: T): void {
    const last = this.items[this.items.length - 1];
    if (!last || cmpId(last.key, item.key) < 0) {
      this.items.push(item);
      return;
    }
    const i = lowerBound(this.items, item.key, (x) => x.key);
    const at = this.items[i];
    if (at && cmpId(at.key, item.key) === 0) this.items[i] = item;
    else this.items.splice(i, 0, item);
  }

  /** Removes the item with this id; true when it was there. */
  remove(id: Id): boolean {
    const i = lowerBound(this.items, id, (x) => x.key);
    const at = this.items[i];
    if (!at || cmpId(at.key, id) !== 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  first(): T | undefined {
    return this.items[0];
  }

  last(): T | undefined {
    return this.items[this.items.length - 1];
  }

  /** Items with start <= id <= end, in id order. */
  *between(start: Id, end: Id = MAX_ID): Generator<T> {
    for (let i = lowerBound(this.items, start, (x) => x.key); i < this.items.length; i++) {
      const item = this.items[i]!;
      if (cmpId(item.key, end) > 0) return;
      yield item;
    }
  }
}

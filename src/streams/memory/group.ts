/**
 * One consumer group of the memory shim: last-delivered id, reads counter, the PEL (a map by id
 * plus an id-ordered list, also kept per consumer) and the consumers with their seen-time.
 * Each method mirrors one Redis 7.0 command path (named in its comment), including which calls
 * refresh a consumer's seen-time and which create the consumer.
 */
import type { ConsumerInfo, GroupInfo, PendingEntry, PendingSummary } from '../backend.js';
import { cmpId, formatId, MAX_ID, nextId, SortedById, ZERO_ID, type Id } from './ids.js';
import { UNKNOWN_READS, type MemEntry, type MemoryStream } from './stream.js';

/** A consumer and its own pending list. */
export interface MemConsumer {
  readonly name: string;
  /** Last time the consumer read or claimed (Redis 7.0 seen-time, reported as idle). */
  seenTime: number;
  readonly pending: SortedById<PelRecord>;
}

/** One pending entry. */
export interface PelRecord {
  readonly id: string;
  readonly key: Id;
  consumer: MemConsumer;
  deliveryTime: number;
  deliveries: number;
}

/** What one XAUTOCLAIM pass did. */
export interface AutoClaimOutcome {
  next: Id | null;
  claimed: { entry: MemEntry; deliveries: number }[];
  /** Idle pending ids whose entries were deleted, with their owner; left pending. */
  deleted: { id: string; consumer: string }[];
}

/** A consumer group's state. */
export class ConsumerGroup {
  entriesRead = UNKNOWN_READS;
  readonly pel = new Map<string, PelRecord>();
  readonly pelOrder = new SortedById<PelRecord>();
  readonly consumers = new Map<string, MemConsumer>();

  constructor(
    readonly name: string,
    public lastDelivered: Id,
  ) {}

  /** streamLookupConsumer + streamCreateConsumer, refreshing seen-time (SLC_DEFAULT). */
  touchConsumer(name: string, now: number): MemConsumer {
    let c = this.consumers.get(name);
    if (!c) {
      c = { name, seenTime: now, pending: new SortedById<PelRecord>() };
      this.consumers.set(name, c);
    }
    c.seenTime = now;
    return c;
  }

  /** True when the stream holds entries this group has not been delivered yet. */
  hasNew(stream: MemoryStream): boolean {
    const last = stream.entries[stream.entries.length - 1];
    return last !== undefined && cmpId(last.key, this.lastDelivered) > 0;
  }

  /** XREADGROUP ... >: delivers up to count (0 = all) new entries to `consumer`. */
  deliverNew(stream: MemoryStream, consumer: MemConsumer, count: number, now: number): MemEntry[] {
    const entries = stream.range(nextId(this.lastDelivered), MAX_ID, count > 0 ? count : undefined);
    for (const e of entries) {
      this.advanceTo(stream, e.key);
      const old = this.pel.get(e.id);
      // An id already pending (the group was moved back with SETID) changes owner and restarts at 1.
      if (old) old.consumer.pending.remove(e.key);
      const rec: PelRecord = old ?? { id: e.id, key: e.key, consumer, deliveryTime: now, deliveries: 1 };
      rec.consumer = consumer;
      rec.deliveryTime = now;
      rec.deliveries = 1;
      if (!old) {
        this.pel.set(e.id, rec);
        this.pelOrder.insert(rec);
      }
      consumer.pending.insert(rec);
    }
    return entries;
  }

  // The per-entry bookkeeping of streamReplyWithRange: keeps entries-read exact while it can.
  private advanceTo(stream: MemoryStream, key: Id): void {
    if (cmpId(key, this.lastDelivered) <= 0) return;
    if (this.entriesRead !== UNKNOWN_READS && !stream.hasTombstonesFrom(key)) this.entriesRead++;
    else if (stream.entriesAdded > 0) this.entriesRead = stream.readsCounterAt(key);
    this.lastDelivered = key;
  }

  /** XREADGROUP ... 0: the consumer's own pending entries; live ones count a new delivery, deleted ones come back without fields. */
  redeliverOwn(stream: MemoryStream, consumer: MemConsumer, count: number, now: number): { id: string; fields: readonly string[] }[] {
    const out: { id: string; fields: readonly string[] }[] = [];
    for (const rec of consumer.pending.between(ZERO_ID)) {
      if (count > 0 && out.length >= count) break;
      const entry = stream.get(rec.key);
      if (entry) {
        rec.deliveryTime = now;
        rec.deliveries++;
        out.push(entry);
      } else {
        out.push({ id: rec.id, fields: [] });
      }
    }
    return out;
  }

  /** XACK: removes ids from the PEL; returns how many were pending. */
  ack(keys: readonly Id[]): number {
    let n = 0;
    for (const key of keys) {
      const rec = this.pel.get(formatId(key));
      if (!rec) continue;
      this.dropPending(rec);
      n++;
    }
    return n;
  }

  private dropPending(rec: PelRecord): void {
    this.pel.delete(rec.id);
    this.pelOrder.remove(rec.key);
    rec.consumer.pending.remove(rec.key);
  }

  /**
   * The claim-idle script (src/streams/scripts/claim-idle-1.lua): XPENDING IDLE from `start` for up
   * to `count` idle entries; live ones XCLAIMed, deleted ones reported with their owner and left
   * pending. `next` is the last id scanned (exclusive), or null once the scan wrapped around.
   */
  autoClaim(stream: MemoryStream, consumerName: string, minIdleMs: number, start: Id, count: number, now: number): AutoClaimOutcome {
    const scan: PelRecord[] = [];
    for (const rec of this.pelOrder.between(start)) {
      if (now - rec.deliveryTime < minIdleMs) continue;
      scan.push(rec);
      if (scan.length >= count) break;
    }
    const out: AutoClaimOutcome = { next: null, claimed: [], deleted: [] };
    for (const rec of scan) {
      const entry = stream.get(rec.key);
      if (!entry) {
        out.deleted.push({ id: rec.id, consumer: rec.consumer.name });
        continue;
      }
      const consumer = this.touchConsumer(consumerName, now);
      if (rec.consumer !== consumer) {
        rec.consumer.pending.remove(rec.key);
        rec.consumer = consumer;
        consumer.pending.insert(rec);
      }
      rec.deliveryTime = now;
      rec.deliveries++;
      out.claimed.push({ entry, deliveries: rec.deliveries });
    }
    out.next = scan.length >= count ? scan[scan.length - 1]!.key : null;
    return out;
  }

  /** The lease script (src/streams/scripts/lease-1.lua): XCLAIM JUSTID of ids still pending for `consumerName` and still in the stream. */
  lease(stream: MemoryStream, consumerName: string, ids: readonly string[], now: number): string[] {
    const own: string[] = [];
    for (const id of ids) {
      const rec = this.pel.get(id);
      if (rec && rec.consumer.name === consumerName && stream.get(rec.key)) own.push(id);
    }
    if (own.length === 0) return own;
    this.touchConsumer(consumerName, now);
    for (const id of own) this.pel.get(id)!.deliveryTime = now;
    return own;
  }

  /** XGROUP DELCONSUMER: drops the consumer and its pending entries; returns how many it had. */
  deleteConsumer(name: string): number {
    const c = this.consumers.get(name);
    if (!c) return 0;
    const pending = [...c.pending.between(ZERO_ID)];
    for (const rec of pending) this.dropPending(rec);
    this.consumers.delete(name);
    return pending.length;
  }

  /** XINFO GROUPS lag (streamReplyWithCGLag): null when Redis could not tell either. */
  lag(stream: MemoryStream): number | null {
    if (stream.entriesAdded === 0) return 0;
    if (this.entriesRead !== UNKNOWN_READS && !stream.hasTombstonesFrom(this.lastDelivered)) return stream.entriesAdded - this.entriesRead;
    const reads = stream.readsCounterAt(this.lastDelivered);
    return reads === UNKNOWN_READS ? null : stream.entriesAdded - reads;
  }

  /** XPENDING summary; only consumers with something pending are listed, by name. */
  summary(): PendingSummary {
    const consumers = [...this.consumers.values()]
      .filter((c) => c.pending.size > 0)
      .sort(byName)
      .map((c) => ({ name: c.name, pending: c.pending.size }));
    return { count: this.pel.size, minId: this.pelOrder.first()?.id ?? null, maxId: this.pelOrder.last()?.id ?? null, consumers };
  }

  /** XPENDING [IDLE min] start end count [consumer]; reading it refreshes nobody's seen-time. */
  pendingBetween(start: Id, end: Id, count: number, now: number, consumer?: string, minIdleMs?: number): PendingEntry[] {
    const list = consumer === undefined ? this.pelOrder : this.consumers.get(consumer)?.pending;
    const out: PendingEntry[] = [];
    if (!list || count <= 0) return out;
    for (const rec of list.between(start, end)) {
      const idleMs = Math.max(0, now - rec.deliveryTime);
      if (minIdleMs && idleMs < minIdleMs) continue;
      out.push({ id: rec.id, consumer: rec.consumer.name, idleMs, deliveries: rec.deliveries });
      if (out.length >= count) break;
    }
    return out;
  }

  /** XINFO GROUPS row. */
  info(stream: MemoryStream): GroupInfo {
    return {
      name: this.name,
      consumers: this.consumers.size,
      pending: this.pel.size,
      lastDeliveredId: formatId(this.lastDelivered),
      entriesRead: this.entriesRead === UNKNOWN_READS ? null : this.entriesRead,
      lag: this.lag(stream),
    };
  }

  /** XINFO CONSUMERS rows, by name; inactiveMs is null as on Redis 7.0 (active-time came in 7.2). */
  consumerInfos(now: number): ConsumerInfo[] {
    return [...this.consumers.values()]
      .sort(byName)
      .map((c) => ({ name: c.name, pending: c.pending.size, idleMs: Math.max(0, now - c.seenTime), inactiveMs: null }));
  }
}

/** Orders by name, as Redis' rax lists groups and consumers. */
export function byName<T extends { name: string }>(a: T, b: T): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

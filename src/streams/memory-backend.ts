/**
 * MemoryStreamBackend: the offline shim of the StreamBackend seam. It mirrors Redis 7.0 wherever a
 * test can observe it: XADD ids from the clock, the PEL with delivery counts and times, consumer
 * seen-times, XAUTOCLAIM (deleted entries included), lag and entries-read as XINFO GROUPS computes
 * them, blocking reads woken by appends, glob patterns, and the all-or-nothing commit. Every
 * operation runs synchronously inside its call, so each one is atomic, like a Redis command or script.
 *
 * This file holds what an actor's loop needs (RuntimeStreamBackend); the admin surface (inspection,
 * group and entry management, trims, DLQ moves) is MemoryAdmin, on the same key space.
 *
 * Not modelled, on purpose: consumers' active-time (Redis 7.2; `inactiveMs` is null, as on 7.0);
 * a blocked read over several streams is served from every stream with news (Redis 7.0 serves only
 * the stream that woke it); TTLs on anything but setWithTtl keys; cluster slots (no CROSSSLOT);
 * memory limits, persistence, replication; ids beyond 2^53.
 */
import { EventEmitter } from 'node:events';
import {
  StreamBackendError,
  type Append,
  type BackendFeatures,
  type ClaimResult,
  type CommitBatch,
  type CommitResult,
  type DelayedAppend,
  type GroupEntry,
  type PendingEntry,
  type ReadGroupRequest,
  type StreamBackend,
  type StreamEntry,
} from './backend.js';
import { systemClock, type Clock } from '../clock.js';
import { AdminDelegate } from './admin-delegate.js';
import { MemoryAdmin } from './memory-admin.js';
import { CLOSED_EVENT, waitForData } from './memory/blocking.js';
import { applyCommit, parkDelayed } from './memory/commit.js';
import { ConsumerGroup } from './memory/group.js';
import { formatId, parseEnd, parseId, parseStart } from './memory/ids.js';
import { Keyspace } from './memory/keyspace.js';
import { entryOut, groupOf } from './memory/lookup.js';
import type { MemoryStream } from './memory/stream.js';

/** Options of MemoryStreamBackend. */
export interface MemoryStreamBackendOptions {
  /** Source of XADD ids, idle times and expiry (default: the wall clock). */
  clock?: Clock;
}

/** Defaults of MemoryStreamBackendOptions. */
export const DEFAULT_MEMORY_BACKEND_OPTIONS: Readonly<Required<MemoryStreamBackendOptions>> = Object.freeze({ clock: systemClock });

/** What the shim models: Redis 7 lag and XAUTOCLAIM deleted ids, not XTRIM ... ACKED. */
export const MEMORY_FEATURES: Readonly<BackendFeatures> = Object.freeze({ groupLag: true, claimReportsDeleted: true, trimAcked: false, version: 'memory' });

/** XPENDING's COUNT when the caller gives none (same as the Redis backend). */
const DEFAULT_PENDING_COUNT = 100;

/** The in-memory StreamBackend (kind 'memory'): one instance is one private "server". */
export class MemoryStreamBackend extends AdminDelegate implements StreamBackend {
  readonly kind = 'memory' as const;
  readonly features: BackendFeatures = MEMORY_FEATURES;
  private readonly clock: Clock;
  private readonly keyspace: Keyspace;
  /** Wake-ups for blocked readers: event name = stream key. */
  private readonly events = new EventEmitter();
  private closed = false;
  // The admin surface (AdminStreamBackend) is MemoryAdmin, reached through AdminDelegate.
  protected readonly admin: MemoryAdmin;

  constructor(options: MemoryStreamBackendOptions = {}) {
    super();
    this.clock = options.clock ?? DEFAULT_MEMORY_BACKEND_OPTIONS.clock;
    this.keyspace = new Keyspace(this.clock);
    this.events.setMaxListeners(0);
    this.admin = new MemoryAdmin({ keyspace: this.keyspace, clock: this.clock, events: this.events, assertOpen: () => this.assertOpen() });
  }

  async connect(): Promise<BackendFeatures> {
    this.assertOpen();
    return this.features;
  }

  async append(stream: string, fields: string[]): Promise<string> {
    this.assertOpen();
    const id = this.keyspace.streamOrCreate(stream).append(fields, this.clock.now()).id;
    this.events.emit(stream);
    return id;
  }

  async appendMany(entries: Append[]): Promise<string[]> {
    this.assertOpen();
    // A pipeline, not a transaction: readers are woken after each XADD, as Redis serves them.
    return entries.map((e) => {
      const id = this.keyspace.streamOrCreate(e.stream).append(e.fields, this.clock.now()).id;
      this.events.emit(e.stream);
      return id;
    });
  }

  async ensureGroup(stream: string, group: string, startId = '$'): Promise<void> {
    this.assertOpen();
    const start = startId === '$' ? null : parseId(startId);
    const s = this.keyspace.streamOrCreate(stream);
    if (s.groups.has(group)) return; // BUSYGROUP: already there, which is what we wanted
    s.groups.set(group, new ConsumerGroup(group, start ?? s.lastId));
  }

  async readGroup(req: ReadGroupRequest): Promise<GroupEntry[]> {
    this.assertOpen();
    if (req.signal?.aborted) return [];
    const first = this.deliver(
      req,
      req.streams.map((key) => this.groupOf(key, req.group)),
    );
    if (first.length > 0 || !req.blockMs || req.blockMs <= 0) return first;
    return waitForData({
      emitter: this.events,
      keys: req.streams,
      blockMs: req.blockMs,
      signal: req.signal,
      // A deleted stream or destroyed group ends the wait with NOGROUP, as the next read would.
      attempt: () =>
        this.deliver(
          req,
          req.streams.map((key) => this.groupOf(key, req.group)),
        ),
    });
  }

  // Serves `>` on each stream in request order; COUNT applies per stream, as in Redis. As on Redis
  // 7.0, the consumer is created (or its seen-time refreshed) only on a stream that has something new.
  private deliver(req: ReadGroupRequest, targets: { key: string; stream: MemoryStream; group: ConsumerGroup }[]): GroupEntry[] {
    const now = this.clock.now();
    const out: GroupEntry[] = [];
    for (const t of targets) {
      if (!t.group.hasNew(t.stream)) continue;
      const consumer = t.group.touchConsumer(req.consumer, now);
      for (const e of t.group.deliverNew(t.stream, consumer, req.count, now)) out.push({ stream: t.key, id: e.id, fields: e.fields.slice() });
    }
    return out;
  }

  async readOwnPending(stream: string, group: string, consumer: string, count: number): Promise<StreamEntry[]> {
    this.assertOpen();
    const now = this.clock.now();
    const t = this.groupOf(stream, group);
    return t.group.redeliverOwn(t.stream, t.group.touchConsumer(consumer, now), count, now).map(entryOut);
  }

  async ack(stream: string, group: string, ids: string[]): Promise<number> {
    this.assertOpen();
    const keys = ids.map((id) => parseId(id));
    // XACK on a missing stream or group answers 0, it does not fail.
    return this.keyspace.stream(stream)?.groups.get(group)?.ack(keys) ?? 0;
  }

  async claimIdle(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): Promise<ClaimResult> {
    this.assertOpen();
    if (!Number.isInteger(count) || count <= 0) throw new StreamBackendError('BAD_ARGUMENT', `ERR COUNT must be > 0 (got ${count})`, stream);
    const t = this.groupOf(stream, group);
    const r = t.group.autoClaim(t.stream, consumer, minIdleMs, parseStart(start), count, this.clock.now());
    return {
      next: r.next ? `(${formatId(r.next)}` : '0-0',
      entries: r.claimed.map((c) => ({ ...entryOut(c.entry), deliveries: c.deliveries })),
      deletedIds: r.deleted.map((d) => d.id),
      deletedOwners: r.deleted.map((d) => d.consumer),
    };
  }

  async lease(stream: string, group: string, consumer: string, ids: string[]): Promise<string[]> {
    this.assertOpen();
    if (ids.length === 0) return [];
    const t = this.groupOf(stream, group);
    return t.group.lease(t.stream, consumer, ids, this.clock.now());
  }

  async pendingEntries(
    stream: string,
    group: string,
    opts: { start?: string; end?: string; count?: number; consumer?: string; minIdleMs?: number } = {},
  ): Promise<PendingEntry[]> {
    this.assertOpen();
    const from = parseStart(opts.start ?? '-');
    const to = parseEnd(opts.end ?? '+');
    const { group: g } = this.groupOf(stream, group);
    return g.pendingBetween(from, to, opts.count ?? DEFAULT_PENDING_COUNT, this.clock.now(), opts.consumer, opts.minIdleMs);
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    this.assertOpen();
    const { result, appended } = applyCommit(this.keyspace, batch, this.clock.now(), (key, group) => this.groupOf(key, group).group);
    // Readers are served once the whole batch is in, as after EXEC or a script.
    for (const key of appended) this.events.emit(key);
    return result;
  }

  async markersExist(keys: string[]): Promise<boolean[]> {
    this.assertOpen();
    return keys.map((k) => this.keyspace.exists(k));
  }

  async schedule(entries: DelayedAppend[]): Promise<void> {
    this.assertOpen();
    for (const e of entries) this.keyspace.assertType(e.delayedKey, 'zset');
    parkDelayed(this.keyspace, entries);
  }

  async promoteDue(delayedKey: string, stream: string, nowMs: number, limit: number): Promise<number> {
    this.assertOpen();
    const set = this.keyspace.zset(delayedKey);
    this.keyspace.assertType(stream, 'stream');
    if (!set) return 0;
    const due = set.popDue(nowMs, limit);
    this.keyspace.dropIfEmpty(delayedKey);
    if (due.length === 0) return 0;
    const s = this.keyspace.streamOrCreate(stream);
    const now = this.clock.now();
    for (const d of due) s.append(d.fields, now);
    this.events.emit(stream);
    return due.length;
  }

  async setWithTtl(key: string, value: string, ttlMs: number): Promise<void> {
    this.assertOpen();
    const replacesStream = this.keyspace.typeOf(key) === 'stream';
    this.keyspace.setString(key, value, Math.max(1, Math.round(ttlMs)));
    if (replacesStream) this.events.emit(key);
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    this.assertOpen();
    return keys.map((k) => this.keyspace.getString(k));
  }

  async deleteKeys(keys: string[]): Promise<number> {
    this.assertOpen();
    let n = 0;
    for (const k of keys) {
      const wasStream = this.keyspace.typeOf(k) === 'stream';
      if (this.keyspace.delete(k)) n++;
      // Readers blocked on a deleted stream wake up and fail with NOGROUP.
      if (wasStream) this.events.emit(k);
    }
    return n;
  }

  /** Reads blocked right now, waiting for data (the shim's INFO clients `blocked_clients`; tests wait on it instead of sleeping). */
  blockedReaders(): number {
    return this.events.listenerCount(CLOSED_EVENT);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Blocked readers resolve with [] (as on abort): shutting down is not a read error.
    this.events.emit(CLOSED_EVENT);
  }

  private assertOpen(): void {
    if (this.closed) throw new StreamBackendError('CONNECTION', 'MemoryStreamBackend is closed');
  }

  // The stream and group a group command works on: NOGROUP when either is missing, as XREADGROUP says.
  private groupOf(key: string, group: string): { key: string; stream: MemoryStream; group: ConsumerGroup } {
    return groupOf(this.keyspace, key, group);
  }
}

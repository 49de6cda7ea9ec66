import type { ChainableCommander, Cluster, Redis } from 'ioredis';
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
import { RedisAdmin } from './redis-admin.js';
import { connectClusterClient, createCluster, groupBySlot, pipelineBySlot } from './redis-cluster.js';
import { guard, wrap } from './redis-errors.js';
import { ReaderPool } from './redis-readers.js';
import { createRedisConnection, DEFAULT_REDIS_CONNECTION_OPTIONS, describeUrl, type RedisConnectionOptions } from './redis-connection.js';
import { atLeast, parsePendingEntries, toEntries, type RawEntry } from './redis-replies.js';
import { delayedMember } from './commit-rules.js';
import { claimIdleCall, commitCall, decodeClaimIdle, leaseCall, decodeCommit, promoteDueCall, type ClaimIdleReply } from './scripts/args.js';
import { defineScripts, runScript } from './scripts/index.js';

/** Options of RedisStreamBackend. */
export interface RedisStreamBackendOptions extends Partial<RedisConnectionOptions> {
  /** Use this connection for normal commands; it is the caller's and is never closed by us. */
  connection?: Redis;
  /** Redis Cluster seed nodes (host:port); when set, the backend talks to the cluster (credentials and TLS from `url`). */
  clusterNodes?: string[];
  clock?: Clock;
}

/**
 * StreamBackend on ioredis: one connection for commands, a pool of dedicated ones for blocking
 * reads. This file holds what an actor's loop needs (RuntimeStreamBackend); the admin surface
 * (inspection, group and entry management, trims, DLQ moves) is RedisAdmin, on the same connection.
 */
export class RedisStreamBackend extends AdminDelegate implements StreamBackend {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly cluster: Cluster | null = null;
  private readonly ownsConnection: boolean;
  private readonly readers: ReaderPool;
  // The admin surface (AdminStreamBackend) is RedisAdmin, reached through AdminDelegate.
  protected readonly admin: RedisAdmin;
  private feats: BackendFeatures | null = null;
  private closed = false;
  /** Last socket-level error ('error' event), named when connect() fails: a TLS or auth cause is otherwise lost behind "Connection is closed". */
  private lastConnectionError: Error | null = null;

  constructor(private readonly options: RedisStreamBackendOptions = {}) {
    super();
    this.ownsConnection = !options.connection;
    if (options.clusterNodes && options.clusterNodes.length > 0) {
      this.cluster = createCluster(options.clusterNodes, options);
      // Cluster shares Redis's command surface; the cast keeps one code path for both.
      this.redis = this.cluster as unknown as Redis;
    } else {
      this.redis = (options.connection ?? createRedisConnection(options)) as Redis;
    }
    this.admin = new RedisAdmin({ redis: this.redis, cluster: this.cluster, clock: options.clock ?? systemClock });
    this.readers = new ReaderPool(this.redis, this.cluster);
    // Every Lua script, from src/streams/scripts: EVALSHA with a transparent EVAL fallback, per connection (and per cluster node).
    defineScripts(this.redis);
    // Errors surface on the calls that hit them; an unhandled 'error' event would crash the process.
    this.redis.on('error', (err: Error) => {
      this.lastConnectionError = err;
    });
  }

  /** The command connection (for tools that need a raw command the seam does not cover); on a cluster, the Cluster client. */
  get connection(): Redis {
    return this.redis;
  }

  /** True when talking to a Redis Cluster. */
  get isCluster(): boolean {
    return this.cluster !== null;
  }

  get features(): BackendFeatures {
    if (!this.feats) throw new StreamBackendError('BAD_ARGUMENT', 'RedisStreamBackend used before connect()');
    return this.feats;
  }

  async connect(): Promise<BackendFeatures> {
    if (this.feats) return this.feats;
    try {
      if (this.redis.status === 'wait') await (this.cluster ? connectClusterClient(this.cluster) : this.redis.connect());
      // On a cluster INFO goes to any node; every node runs the same version in a healthy cluster.
      const info = await this.redis.info('server');
      const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? '0.0.0';
      if (!atLeast(version, 6, 2)) throw new StreamBackendError('UNSUPPORTED', `Redis ${version} is too old: stream-actors needs >= 6.2 (XAUTOCLAIM)`);
      this.feats = { version, groupLag: atLeast(version, 7, 0), claimReportsDeleted: atLeast(version, 7, 0), trimAcked: atLeast(version, 8, 2) };
      return this.feats;
    } catch (err) {
      if (err instanceof StreamBackendError) throw err;
      const why = this.lastConnectionError ? `${(err as Error).message} (${this.lastConnectionError.message})` : (err as Error).message;
      throw new StreamBackendError(
        'CONNECTION',
        `cannot reach Redis at ${describeUrl(this.options.url ?? DEFAULT_REDIS_CONNECTION_OPTIONS.url)}: ${why}`,
        undefined,
        { cause: this.lastConnectionError ?? err },
      );
    }
  }

  async append(stream: string, fields: string[]): Promise<string> {
    return guard(async () => (await this.redis.xadd(stream, '*', ...fields)) as string, stream);
  }

  async appendMany(entries: Append[]): Promise<string[]> {
    if (entries.length === 0) return [];
    // One pipeline: one round trip for the whole batch (one per slot on a cluster).
    const res = await this.pipelined(
      entries.map((e) => e.stream),
      (pipe, i) => pipe.xadd(entries[i]!.stream, '*', ...entries[i]!.fields),
    );
    return res.map(([err, id], i) => {
      if (err) throw wrap(err, entries[i]?.stream);
      return id as string;
    });
  }

  async ensureGroup(stream: string, group: string, startId = '$'): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw wrap(err, stream);
    }
  }

  async readGroup(req: ReadGroupRequest): Promise<GroupEntry[]> {
    const block = req.blockMs && req.blockMs > 0 ? req.blockMs : 0;
    if (req.signal?.aborted) return [];
    const conn = block ? this.readers.take() : this.redis;
    const args: (string | number)[] = ['GROUP', req.group, req.consumer, 'COUNT', req.count];
    if (block) args.push('BLOCK', block);
    args.push('STREAMS', ...req.streams, ...req.streams.map(() => '>'));
    // Abort ends the block by closing this reader: XREADGROUP cannot be cancelled otherwise without CLIENT UNBLOCK rights.
    const onAbort = (): void => this.readers.discard(conn);
    if (block) req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = (await (conn.xreadgroup as (...a: (string | number)[]) => Promise<unknown>)(...args)) as [string, RawEntry[]][] | null;
      const out: GroupEntry[] = [];
      if (res) {
        for (const [stream, entries] of res) {
          for (const e of entries) out.push({ stream, id: e[0], fields: e[1] ?? [] });
        }
      }
      return out;
    } catch (err) {
      // Aborted or closed under a blocked read: the read simply ends with nothing, as on the shim.
      if (req.signal?.aborted || (block && this.closed)) return [];
      throw wrap(err, req.streams.join(','));
    } finally {
      if (block) {
        req.signal?.removeEventListener('abort', onAbort);
        if (!req.signal?.aborted) this.readers.release(conn);
      }
    }
  }

  async readOwnPending(stream: string, group: string, consumer: string, count: number): Promise<StreamEntry[]> {
    try {
      const res = (await this.redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '0')) as [string, RawEntry[]][] | null;
      return toEntries(res?.[0]?.[1]);
    } catch (err) {
      throw wrap(err, stream);
    }
  }

  async ack(stream: string, group: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return guard(() => this.redis.xack(stream, group, ...ids), stream);
  }

  async claimIdle(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): Promise<ClaimResult> {
    try {
      return decodeClaimIdle(await runScript<ClaimIdleReply>(this.redis, claimIdleCall(stream, group, consumer, minIdleMs, start, count)));
    } catch (err) {
      throw wrap(err, stream);
    }
  }

  async lease(stream: string, group: string, consumer: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    // One script call per stream and tick, whatever the number of ids (never a round trip per id).
    return guard(() => runScript<string[]>(this.redis, leaseCall(stream, group, consumer, ids)), stream);
  }

  async pendingEntries(
    stream: string,
    group: string,
    opts: { start?: string; end?: string; count?: number; consumer?: string; minIdleMs?: number } = {},
  ): Promise<PendingEntry[]> {
    const args: (string | number)[] = [stream, group];
    if (opts.minIdleMs !== undefined) args.push('IDLE', opts.minIdleMs);
    args.push(opts.start ?? '-', opts.end ?? '+', opts.count ?? 100);
    if (opts.consumer) args.push(opts.consumer);
    return guard(async () => parsePendingEntries((await this.redis.call('XPENDING', ...args)) as [string, string, number, number][]), stream);
  }

  private pipelined(keys: string[], add: (pipe: ChainableCommander, index: number) => unknown): Promise<[Error | null, unknown][]> {
    return pipelineBySlot(this.redis, this.cluster !== null, keys, add);
  }

  async commit(batch: CommitBatch): Promise<CommitResult> {
    if (batch.items.length === 0) return { items: [] };
    const call = commitCall(batch);
    try {
      return decodeCommit(await runScript<string[]>(this.redis, call), batch);
    } catch (err) {
      throw wrap(err, call.keys[0]);
    }
  }

  async markersExist(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    // Hot path, once per batch: one MGET when every marker is in one slot (always, for one
    // partition's markers), instead of a command per key.
    if (!this.cluster || groupBySlot(keys).length === 1) {
      try {
        return (await this.redis.mget(keys)).map((v) => v !== null);
      } catch (err) {
        throw wrap(err);
      }
    }
    const res = await this.pipelined(keys, (pipe, i) => pipe.exists(keys[i]!));
    return res.map(([err, n]) => {
      if (err) throw wrap(err);
      return n === 1;
    });
  }

  async schedule(entries: DelayedAppend[]): Promise<void> {
    if (entries.length === 0) return;
    const res = await this.pipelined(
      entries.map((e) => e.delayedKey),
      (pipe, i) => pipe.zadd(entries[i]!.delayedKey, entries[i]!.dueMs, delayedMember(entries[i]!)),
    );
    for (const [err] of res) if (err) throw wrap(err);
  }

  async promoteDue(delayedKey: string, stream: string, nowMs: number, limit: number): Promise<number> {
    return guard(() => runScript<number>(this.redis, promoteDueCall(delayedKey, stream, nowMs, limit)), stream);
  }

  async setWithTtl(key: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    } catch (err) {
      throw wrap(err);
    }
  }

  async getMany(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    // A pipeline of GETs rather than MGET: the keys may live in different cluster slots.
    const res = await this.pipelined(keys, (pipe, i) => pipe.get(keys[i]!));
    return res.map(([err, v]) => {
      if (err) throw wrap(err);
      return (v as string | null) ?? null;
    });
  }

  async deleteKeys(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const res = await this.pipelined(keys, (pipe, i) => pipe.del(keys[i]!));
    let n = 0;
    for (const [err, v] of res) {
      if (err) throw wrap(err);
      n += Number(v);
    }
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.readers.close();
    if (this.ownsConnection) {
      try {
        await this.redis.quit();
      } catch {
        this.redis.disconnect();
      }
    }
  }
}

/**
 * The admin surface of the Redis backend (AdminStreamBackend): inspection (XINFO, XPENDING
 * summary, ranges, scans, TTLs), group and entry management (SETID, DESTROY, DELCONSUMER, XDEL),
 * trims and DLQ moves. What an actor's loop needs is in redis-backend.ts, which hands these
 * operations the same connection.
 */
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import {
  StreamBackendError,
  type AdminStreamBackend,
  type ConsumerInfo,
  type EntryMove,
  type EntryMoveResult,
  type GroupInfo,
  type PendingSummary,
  type StreamEntry,
  type StreamInfo,
  type TrimOptions,
  type TrimResult,
} from './backend.js';
import type { Clock } from '../clock.js';
import { pipelineBySlot, scanKeys } from './redis-cluster.js';
import { guard, wrap } from './redis-errors.js';
import { parseConsumers, parseGroups, parsePendingSummary, parseStreamInfo, toEntries, type RawEntry } from './redis-replies.js';
import { decodeSafeTrim, moveEntryCall, safeTrimCall } from './scripts/args.js';
import { queueScript, runScript } from './scripts/index.js';

/** What the admin operations run on: the backend's command connection (the Cluster client on a cluster) and its clock. */
export interface RedisAdminConnection {
  redis: Redis;
  cluster: Cluster | null;
  clock: Clock;
}

/** AdminStreamBackend on ioredis; never closes the connection it was given. */
export class RedisAdmin implements AdminStreamBackend {
  private readonly redis: Redis;
  private readonly cluster: Cluster | null;
  private readonly clock: Clock;

  constructor(conn: RedisAdminConnection) {
    this.redis = conn.redis;
    this.cluster = conn.cluster;
    this.clock = conn.clock;
  }

  async setGroupId(stream: string, group: string, id: string): Promise<void> {
    try {
      await this.redis.xgroup('SETID', stream, group, id);
    } catch (err) {
      throw wrap(err, stream);
    }
  }

  async destroyGroup(stream: string, group: string): Promise<boolean> {
    try {
      return (await this.redis.xgroup('DESTROY', stream, group)) === 1;
    } catch (err) {
      if (/no such key|requires the key to exist/i.test(String((err as Error).message))) return false;
      throw wrap(err, stream);
    }
  }

  async pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return guard(async () => parsePendingSummary((await this.redis.xpending(stream, group)) as unknown[]), stream);
  }

  async streamInfo(stream: string): Promise<StreamInfo | null> {
    try {
      return parseStreamInfo((await this.redis.call('XINFO', 'STREAM', stream)) as unknown[]);
    } catch (err) {
      if (/no such key/i.test(String((err as Error).message))) return null;
      throw wrap(err, stream);
    }
  }

  async groups(stream: string): Promise<GroupInfo[]> {
    try {
      return parseGroups((await this.redis.call('XINFO', 'GROUPS', stream)) as unknown[][]);
    } catch (err) {
      if (/no such key/i.test(String((err as Error).message))) return [];
      throw wrap(err, stream);
    }
  }

  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    try {
      return parseConsumers((await this.redis.call('XINFO', 'CONSUMERS', stream, group)) as unknown[][]);
    } catch (err) {
      throw wrap(err, stream);
    }
  }

  async range(stream: string, start: string, end: string, count?: number): Promise<StreamEntry[]> {
    try {
      const raw = count === undefined ? await this.redis.xrange(stream, start, end) : await this.redis.xrange(stream, start, end, 'COUNT', count);
      return toEntries(raw as RawEntry[]);
    } catch (err) {
      throw wrap(err, stream);
    }
  }

  async revRange(stream: string, end: string, start: string, count?: number): Promise<StreamEntry[]> {
    try {
      const raw = count === undefined ? await this.redis.xrevrange(stream, end, start) : await this.redis.xrevrange(stream, end, start, 'COUNT', count);
      return toEntries(raw as RawEntry[]);
    } catch (err) {
      throw wrap(err, stream);
    }
  }

  async deleteEntries(stream: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return guard(() => this.redis.xdel(stream, ...ids), stream);
  }

  private scan(pattern: string, type?: string): Promise<string[]> {
    // On a cluster every master holds its own part of the keyspace.
    return scanKeys(this.cluster ? this.cluster.nodes('master') : [this.redis], pattern, type);
  }

  private pipelined(keys: string[], add: (pipe: ChainableCommander, index: number) => unknown): Promise<[Error | null, unknown][]> {
    return pipelineBySlot(this.redis, this.cluster !== null, keys, add);
  }

  async listStreams(pattern: string): Promise<string[]> {
    return guard(() => this.scan(pattern, 'stream'));
  }

  async trim(stream: string, opts: TrimOptions = {}): Promise<TrimResult> {
    const retainFloor = opts.retainMs && opts.retainMs > 0 ? `${Math.max(0, this.clock.now() - opts.retainMs)}-0` : '';
    try {
      return decodeSafeTrim(await runScript<[number, number]>(this.redis, safeTrimCall(stream, retainFloor, opts.maxLenCap ?? 0)));
    } catch (err) {
      throw wrap(err, stream);
    }
  }

  async trimRetention(stream: string, opts: { minTimeMs?: number; maxLen?: number }): Promise<{ byAge: number; byCount: number }> {
    const age = opts.minTimeMs !== undefined && opts.minTimeMs > 0;
    const count = opts.maxLen !== undefined && opts.maxLen > 0;
    if (!age && !count) return { byAge: 0, byCount: 0 };
    // Exact (no '~'): what is removed is counted and reported, never guessed.
    const pipe = this.redis.pipeline();
    if (age) pipe.xtrim(stream, 'MINID', `${Math.floor(opts.minTimeMs!)}-0`);
    if (count) pipe.xtrim(stream, 'MAXLEN', Math.floor(opts.maxLen!));
    const res = (await pipe.exec()) ?? [];
    for (const [err] of res) if (err) throw wrap(err, stream);
    return { byAge: age ? Number(res[0]?.[1] ?? 0) : 0, byCount: count ? Number(res[age ? 1 : 0]?.[1] ?? 0) : 0 };
  }

  async deleteConsumer(stream: string, group: string, consumer: string): Promise<number> {
    return guard(async () => (await this.redis.xgroup('DELCONSUMER', stream, group, consumer)) as number, stream);
  }

  async moveEntries(moves: EntryMove[]): Promise<EntryMoveResult[]> {
    if (moves.length === 0) return [];
    // One pipeline (one per source slot on a cluster): one round trip for all moves, each still one atomic script call.
    const replies = await this.pipelined(
      moves.map((m) => m.from),
      (pipe, i) => queueScript(pipe, moveEntryCall(moves[i]!)),
    );
    // An error that is not Redis's reply (a lost connection) says nothing about whether the script
    // ran: the whole batch's outcome is unknown, and the caller must report it so.
    const lost = replies.find(([err]) => err && err.name !== 'ReplyError')?.[0];
    if (lost || replies.length < moves.length)
      throw new StreamBackendError('CONNECTION', `moving ${moves.length} entries: ${lost?.message ?? 'missing replies'}`, moves[0]?.from, { cause: lost });
    return moves.map((move, i) => {
      const [err, id] = replies[i] ?? [new Error('no reply'), null];
      // One entry's error (a target of the wrong type) is that entry's outcome: the script failed
      // before its XDEL, so the source entry is intact, and the other moves of the pipeline stand.
      if (err) return { move, newId: null, error: err.message };
      return { move, newId: typeof id === 'string' ? id : null };
    });
  }

  async delayedCount(delayedKey: string): Promise<number> {
    return guard(() => this.redis.zcard(delayedKey));
  }

  async ttlMs(key: string): Promise<number> {
    return guard(() => this.redis.pttl(key));
  }

  async scanKeys(pattern: string): Promise<string[]> {
    return guard(() => this.scan(pattern));
  }
}

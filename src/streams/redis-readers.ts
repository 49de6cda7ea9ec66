import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_READER_CONNECTION_OPTIONS } from './redis-connection.js';

/**
 * Dedicated connections for blocking reads: a `BLOCK` never holds up normal commands, and a read
 * in flight can be ended by closing its connection. Each waits for Redis forever (no per-command
 * retry limit) instead of failing the read during a restart.
 */
export class ReaderPool {
  private readonly idle: Redis[] = [];
  private readonly all = new Set<Redis>();
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly cluster: Cluster | null,
  ) {}

  /** An idle reader, or a new one. */
  take(): Redis {
    const r = this.idle.pop();
    if (r) return r;
    const reader: Redis = this.cluster
      ? (this.cluster.duplicate(undefined, {
          lazyConnect: false,
          redisOptions: { ...this.cluster.options.redisOptions, ...DEFAULT_READER_CONNECTION_OPTIONS },
        }) as unknown as Redis)
      : this.redis.duplicate({ ...DEFAULT_READER_CONNECTION_OPTIONS, lazyConnect: false });
    reader.on('error', () => {});
    this.all.add(reader);
    return reader;
  }

  /** Returns a reader after its read. */
  release(r: Redis): void {
    if (this.closed || r.status === 'end') return this.discard(r);
    this.idle.push(r);
  }

  /** Closes a reader (ends a blocked read on it). */
  discard(r: Redis): void {
    this.all.delete(r);
    r.disconnect();
  }

  /** Closes every reader. */
  close(): void {
    this.closed = true;
    for (const r of this.all) r.disconnect();
    this.all.clear();
    this.idle.length = 0;
  }
}

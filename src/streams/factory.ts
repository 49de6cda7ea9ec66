import type { StreamBackend } from './backend.js';
import { MemoryStreamBackend } from './memory-backend.js';
import { RedisStreamBackend, type RedisStreamBackendOptions } from './redis-backend.js';

/** What createStreamBackend needs: a URL ('memory' for the in-process shim), optional cluster seed nodes, connection options. */
export interface StreamBackendSpec extends Omit<RedisStreamBackendOptions, 'url'> {
  redisUrl: string;
}

/** A backend for a URL: RedisStreamBackend for redis:// and rediss:// (on a cluster when clusterNodes is set), the shim for 'memory'. */
export function createStreamBackend(spec: StreamBackendSpec): StreamBackend {
  const { redisUrl, ...rest } = spec;
  if (redisUrl === 'memory') return new MemoryStreamBackend(rest.clock ? { clock: rest.clock } : {});
  return new RedisStreamBackend({ ...rest, url: redisUrl });
}

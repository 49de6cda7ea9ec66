import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { resolveSettings } from '../settings.js';
import { DEFAULT_REDIS_CONNECTION_OPTIONS, type RedisConnectionOptions } from './connection-options.js';

export * from './connection-options.js';

/** The ioredis options for a connection (URL parsing, TLS, reconnect backoff with jitter). */
export function ioredisOptions(opts: Partial<RedisConnectionOptions>): { url: string; options: RedisOptions } {
  const o = resolveSettings({ defaults: DEFAULT_REDIS_CONNECTION_OPTIONS, code: opts });
  let parsed: URL;
  try {
    parsed = new URL(o.url);
  } catch {
    throw new TypeError(`REDIS_URL is not a valid URL (expected redis://[user:password@]host:port[/db])`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`REDIS_URL must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const options: RedisOptions = {
    connectTimeout: o.connectTimeoutMs,
    maxRetriesPerRequest: o.maxRetriesPerRequest,
    // Exponential backoff with jitter, so many actors do not reconnect in lockstep after a restart.
    retryStrategy: (times) => Math.min(o.reconnectMaxMs, o.reconnectInitialMs * 2 ** Math.min(times, 10)) * (0.5 + Math.random() / 2),
    lazyConnect: true,
    ...(o.connectionName ? { connectionName: o.connectionName } : {}),
  };
  if (parsed.protocol === 'rediss:') {
    // SNI takes host names only (RFC 6066); for an IP, Node checks the certificate against the address itself.
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    options.tls = { rejectUnauthorized: o.tlsRejectUnauthorized, ...(o.tlsCa ? { ca: o.tlsCa } : {}), ...(isIP(host) === 0 ? { servername: host } : {}) };
  }
  return { url: o.url, options };
}

/** Opens (lazily) one ioredis connection from the options. */
export function createRedisConnection(opts: Partial<RedisConnectionOptions>): Redis {
  const { url, options } = ioredisOptions(opts);
  return new Redis(url, options);
}

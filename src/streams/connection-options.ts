/**
 * Connection options and their defaults, by role, with no client attached: the CLI parses flags and
 * prints help without loading ioredis (src/streams/redis-connection.ts opens the connections).
 */

/** How to reach Redis; defaults in DEFAULT_REDIS_CONNECTION_OPTIONS. */
export interface RedisConnectionOptions {
  /** redis:// or rediss:// URL, with optional ACL user and password and db number. */
  url: string;
  /** Give up a connect attempt after this long. */
  connectTimeoutMs: number;
  /** Retries of one command across reconnects before it fails (null: wait for Redis forever). */
  maxRetriesPerRequest: number | null;
  /** Reconnect backoff: first delay and cap. */
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** For rediss://: verify the server certificate (on by default; turn off only for local tests). */
  tlsRejectUnauthorized: boolean;
  /** Extra CA bundle (PEM) for rediss://. */
  tlsCa?: string | Buffer;
  /** Connection name shown in CLIENT LIST. */
  connectionName?: string;
}

/** Defaults for every connection we open. */
export const DEFAULT_REDIS_CONNECTION_OPTIONS: Readonly<RedisConnectionOptions> = Object.freeze({
  url: 'redis://127.0.0.1:6379',
  connectTimeoutMs: 5_000,
  maxRetriesPerRequest: 20,
  reconnectInitialMs: 50,
  reconnectMaxMs: 2_000,
  tlsRejectUnauthorized: true,
  connectionName: 'stream-actors',
});

/**
 * Connection tuning by role, written once (the runtime's defaults are DEFAULT_REDIS_CONNECTION_OPTIONS).
 * A blocking reader waits for Redis forever: a BLOCK read must survive a restart, not fail it.
 */
export const DEFAULT_READER_CONNECTION_OPTIONS = Object.freeze({ maxRetriesPerRequest: null, connectionName: 'stream-actors-reader' });

/** Cluster client tuning: redirections followed per command, and waits while slots move or the cluster is down. */
export const DEFAULT_CLUSTER_OPTIONS = Object.freeze({ maxRedirections: 16, retryDelayOnFailoverMs: 200, retryDelayOnClusterDownMs: 300 });

/**
 * An operator tool's connection (probes, DLQ, group reset): fails fast instead of reconnecting,
 * so an unreachable Redis is reported within about 2 s.
 */
export const DEFAULT_TOOL_CONNECTION_OPTIONS = Object.freeze({
  /** Give up reaching Redis (TCP, TLS and the first command) after this long. */
  connectTimeoutMs: 2_000,
  /** Fail one command that gets no answer within this long. */
  commandTimeoutMs: 15_000,
  /** Grace given to the first answer beyond connectTimeoutMs. */
  answerGraceMs: 500,
  /** How long ioredis waits on close before dropping the socket (it would otherwise keep the process alive 2 s). */
  disconnectTimeoutMs: 100,
  connectionName: 'stream-actors-cli',
});

/**
 * A long-running service's connection started from the CLI (`actors run`): it reconnects through
 * Redis restarts, but Redis must answer at start within startDeadlineMs.
 */
export const DEFAULT_SERVICE_CONNECTION_OPTIONS = Object.freeze({
  connectTimeoutMs: 2_000,
  /** Retries of one command across reconnects (null with --retry-forever). */
  maxRetriesPerRequest: 3,
  /** Redis must answer the first commands within this long, or the start fails (exit 3). */
  startDeadlineMs: 3_000,
});

/** The URL with its password masked, for logs and errors. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

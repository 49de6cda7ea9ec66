/**
 * The operator tools' Redis connection: fails fast instead of reconnecting (a probe must answer
 * within seconds, not wait for Redis forever), names the URL with its password masked, and is
 * always closed by the tool that opened it.
 */
import { Redis } from 'ioredis';
import type { StreamsConfig } from '../config.js';
import { isStreamBackendError, type BackendFeatures } from '../streams/backend.js';
import { RedisStreamBackend } from '../streams/redis-backend.js';
import { DEFAULT_TOOL_CONNECTION_OPTIONS, describeUrl, ioredisOptions } from '../streams/redis-connection.js';
import { CliError, connectionFailureMessage } from './common.js';

/** Timeouts of a tool connection. */
export interface ToolConnectionOptions {
  /** Give up reaching Redis (TCP, TLS and the first INFO) after this long. */
  connectTimeoutMs: number;
  /** Fail one command that gets no answer within this long. */
  commandTimeoutMs: number;
}

/** Defaults of ToolConnectionOptions (written once, beside the other connection roles). */
export { DEFAULT_TOOL_CONNECTION_OPTIONS };

/** An open tool connection: the raw client for commands the seam does not cover, and the backend over it. */
export interface ToolConnection {
  redis: Redis;
  backend: RedisStreamBackend;
  features: BackendFeatures;
  close(): Promise<void>;
}

function unreachable(url: string, detail: string, cause?: unknown): CliError {
  return new CliError('UNREACHABLE', connectionFailureMessage(describeUrl(url), detail), { cause });
}

/** Opens and readies a raw ioredis client that never reconnects; throws CliError UNREACHABLE. */
export async function connectRedis(cfg: StreamsConfig, opts: Partial<ToolConnectionOptions> = {}): Promise<Redis> {
  const o: ToolConnectionOptions = { ...DEFAULT_TOOL_CONNECTION_OPTIONS, ...opts };
  const { url, options } = ioredisOptions({
    url: cfg.redisUrl,
    connectTimeoutMs: o.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    tlsRejectUnauthorized: cfg.tlsRejectUnauthorized,
    connectionName: DEFAULT_TOOL_CONNECTION_OPTIONS.connectionName,
  });
  // No reconnects, and a short disconnect grace: ioredis would otherwise keep the process alive for 2 s.
  const redis = new Redis(url, {
    ...options,
    retryStrategy: () => null,
    disconnectTimeout: DEFAULT_TOOL_CONNECTION_OPTIONS.disconnectTimeoutMs,
    commandTimeout: o.commandTimeoutMs,
  });
  const seen: { error: Error | null } = { error: null };
  redis.on('error', (err: Error) => {
    seen.error = err;
  });
  try {
    await withDeadline(
      redis.connect().then(() => redis.ping()),
      o.connectTimeoutMs + DEFAULT_TOOL_CONNECTION_OPTIONS.answerGraceMs,
    );
    return redis;
  } catch (err) {
    redis.disconnect();
    const detail = seen.error?.message ?? (err as Error).message;
    throw unreachable(cfg.redisUrl, detail, err);
  }
}

/** Rejects after `ms` with a message, unless `work` settles first. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** On a cluster: the backend's own Cluster client (routing, SCAN over every master), bounded by the same deadline. */
async function connectCluster(cfg: StreamsConfig, o: ToolConnectionOptions): Promise<ToolConnection> {
  const backend = new RedisStreamBackend({
    url: cfg.redisUrl,
    clusterNodes: cfg.clusterNodes,
    connectTimeoutMs: o.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    tlsRejectUnauthorized: cfg.tlsRejectUnauthorized,
    connectionName: DEFAULT_TOOL_CONNECTION_OPTIONS.connectionName,
  });
  const close = async (): Promise<void> => {
    await backend.close();
    backend.connection.disconnect();
  };
  try {
    const features = await withDeadline(backend.connect(), o.connectTimeoutMs + DEFAULT_TOOL_CONNECTION_OPTIONS.answerGraceMs);
    return { redis: backend.connection, backend, features, close };
  } catch (err) {
    await close().catch(() => {});
    if (!(err instanceof Error) || (isStreamBackendError(err) && err.code !== 'CONNECTION')) throw err;
    // The backend's message names the URL (credentials only, on a cluster); the seed nodes say more.
    const detail = err.cause instanceof Error ? err.cause.message : err.message;
    throw new CliError('UNREACHABLE', `cannot reach the Redis Cluster at ${cfg.clusterNodes.join(',')}: ${detail}`, { cause: err });
  }
}

/** Connects the backend the stream tools use: on the cluster when REDIS_CLUSTER_NODES is set, else on the URL's server. */
export async function connectTool(cfg: StreamsConfig, opts: Partial<ToolConnectionOptions> = {}): Promise<ToolConnection> {
  const o: ToolConnectionOptions = { ...DEFAULT_TOOL_CONNECTION_OPTIONS, ...opts };
  if (cfg.clusterNodes.length > 0) return await connectCluster(cfg, o);
  const redis = await connectRedis(cfg, o);
  const backend = new RedisStreamBackend({ connection: redis, url: cfg.redisUrl });
  const close = async (): Promise<void> => {
    await backend.close();
    try {
      await redis.quit();
    } catch {
      redis.disconnect();
    }
  };
  try {
    const features = await backend.connect();
    return { redis, backend, features, close };
  } catch (err) {
    await close();
    throw err;
  }
}

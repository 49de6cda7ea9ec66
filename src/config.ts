/**
 * The one place environment variables are read for the stream side, merged with CLI flags and
 * code options over the frozen defaults. The CLIs and library users share this resolver, so a
 * default is written once.
 */
import { DEFAULT_PREFIX, assertName } from './streams/keys.js';
import { DEFAULT_REDIS_CONNECTION_OPTIONS } from './streams/connection-options.js';
import { ConfigError, resolveSettings, type Env, type EnvSpec } from './settings.js';

/** Where the streams live and how they are named. */
export interface StreamsConfig {
  /** redis:// or rediss:// URL (with ACL user/password), or 'memory' for the in-process shim. */
  redisUrl: string;
  /** Key prefix of every key. */
  prefix: string;
  /** Redis Cluster seed nodes (host:port); empty on a single Redis. */
  clusterNodes: string[];
  /** For rediss://: verify the server certificate. */
  tlsRejectUnauthorized: boolean;
  /** Partitions P of every topic (1 on a single Redis; more to spread over a cluster). */
  partitions: number;
}

/** Defaults, written once. */
export const DEFAULT_STREAMS_CONFIG: Readonly<StreamsConfig> = Object.freeze({
  redisUrl: DEFAULT_REDIS_CONNECTION_OPTIONS.url,
  prefix: DEFAULT_PREFIX,
  clusterNodes: [],
  tlsRejectUnauthorized: true,
  partitions: 1,
});

export { ConfigError, isConfigError } from './settings.js';

/** Environment variables this resolver reads, and how each is parsed. */
export const STREAMS_ENV: EnvSpec<StreamsConfig> = Object.freeze({
  redisUrl: { name: 'REDIS_URL', type: 'string' },
  prefix: { name: 'STREAMS_PREFIX', type: 'string' },
  clusterNodes: { name: 'REDIS_CLUSTER_NODES', type: 'list' },
  tlsRejectUnauthorized: { name: 'REDIS_TLS_REJECT_UNAUTHORIZED', type: 'boolean' },
  partitions: { name: 'STREAMS_PARTITIONS', type: 'integer', min: 1, max: 1024 },
});

/**
 * Merges, in rising precedence: defaults, environment, CLI flags, code options (see
 * resolveSettings), then checks the result. The CLIs pass their flags as `flags`; a library
 * user passes `code` (or only `flags`: both are explicit).
 */
export function resolveStreamsConfig(flags: Partial<StreamsConfig> = {}, env: Env = process.env, code: Partial<StreamsConfig> = {}): StreamsConfig {
  const cfg = resolveSettings({ defaults: DEFAULT_STREAMS_CONFIG, env, envSpec: STREAMS_ENV, flags, code });
  try {
    assertName('prefix', cfg.prefix);
  } catch (err) {
    throw new ConfigError('prefix', (err as Error).message);
  }
  if (cfg.redisUrl !== 'memory' && !/^rediss?:\/\//.test(cfg.redisUrl)) {
    throw new ConfigError('redisUrl', `REDIS_URL must be redis://, rediss:// or memory, got "${cfg.redisUrl.replace(/\/\/[^@]*@/, '//***@')}"`);
  }
  if (!Number.isInteger(cfg.partitions) || cfg.partitions < 1 || cfg.partitions > 1024) {
    throw new ConfigError('partitions', `STREAMS_PARTITIONS must be an integer from 1 to 1024, got "${String(cfg.partitions)}"`);
  }
  for (const n of cfg.clusterNodes) {
    if (!/^[^:\s]+:\d{1,5}$/.test(n)) throw new ConfigError('clusterNodes', `cluster node "${n}" must be host:port`);
  }
  return cfg;
}

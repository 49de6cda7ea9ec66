/**
 * The one place environment variables are read for the stream side, merged with CLI flags and
 * code options over the frozen defaults. The CLIs and library users share this resolver, so a
 * default is written once.
 */
import { DEFAULT_PREFIX, assertName } from './streams/keys.js';
import { DEFAULT_REDIS_CONNECTION_OPTIONS } from './streams/redis-connection.js';

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

/** A configuration value that cannot be used, naming the setting. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** True when err is a ConfigError. */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

/** Environment variables this resolver reads. */
export const STREAMS_ENV = Object.freeze({
  redisUrl: 'REDIS_URL',
  prefix: 'STREAMS_PREFIX',
  clusterNodes: 'REDIS_CLUSTER_NODES',
  tlsRejectUnauthorized: 'REDIS_TLS_REJECT_UNAUTHORIZED',
  partitions: 'STREAMS_PARTITIONS',
});

const blank = (v: unknown): boolean => v === undefined || v === null || v === '';

/** Merges, in rising precedence: defaults, environment, explicit options (CLI flags or code). */
export function resolveStreamsConfig(explicit: Partial<StreamsConfig> = {}, env: NodeJS.ProcessEnv = process.env): StreamsConfig {
  const fromEnv: Partial<StreamsConfig> = {};
  if (!blank(env[STREAMS_ENV.redisUrl])) fromEnv.redisUrl = env[STREAMS_ENV.redisUrl]!;
  if (!blank(env[STREAMS_ENV.prefix])) fromEnv.prefix = env[STREAMS_ENV.prefix]!;
  if (!blank(env[STREAMS_ENV.clusterNodes])) fromEnv.clusterNodes = env[STREAMS_ENV.clusterNodes]!.split(',').map((s) => s.trim()).filter(Boolean);
  const tls = env[STREAMS_ENV.tlsRejectUnauthorized];
  if (!blank(tls)) fromEnv.tlsRejectUnauthorized = !['0', 'false', 'no'].includes(tls!.toLowerCase());
  if (!blank(env[STREAMS_ENV.partitions])) fromEnv.partitions = Number(env[STREAMS_ENV.partitions]);
  const defined = Object.fromEntries(Object.entries(explicit).filter(([, v]) => !blank(v))) as Partial<StreamsConfig>;
  const cfg: StreamsConfig = { ...DEFAULT_STREAMS_CONFIG, ...fromEnv, ...defined };
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

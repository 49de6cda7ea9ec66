/**
 * What the `actors` subcommands share: the resolved configuration, a long-lived backend for
 * running actors (it reconnects, unlike the probes' connections), persistence from the environment
 * and the lead topology.
 */
import { buildLeadTopology } from '../../actors/lead/topology.js';
import { ragOptionsFromEnv } from '../../actors/lead/rag/options.js';
import type { ActorDefinition } from '../../actors/types.js';
import { resolveStreamsConfig, type StreamsConfig } from '../../config.js';
import type { PersistenceSetup } from '../../persistence/config.js';
import { leadPersistenceFromEnv } from '../../persistence/lead/database.js';
import { createKeys, type Keys } from '../../streams/keys.js';
import { RedisStreamBackend } from '../../streams/redis-backend.js';
import { DEFAULT_SERVICE_CONNECTION_OPTIONS, describeUrl } from '../../streams/connection-options.js';
import { parseBoolean } from '../../settings.js';
import { CliError, connectionFailureMessage } from '../common.js';

/** Flags every `actors` subcommand accepts. */
export interface ActorsFlags {
  redisUrl?: string | undefined;
  prefix?: string | undefined;
  partitions?: number | undefined;
  clusterNodes?: string | undefined;
}

/** The resolved configuration; `actors` needs a real Redis (the shim lives in one process: use `actors demo`). */
export function actorsConfig(flags: ActorsFlags, env: NodeJS.ProcessEnv = process.env): StreamsConfig {
  const cfg = resolveStreamsConfig(
    {
      redisUrl: flags.redisUrl,
      prefix: flags.prefix,
      partitions: flags.partitions,
      clusterNodes: flags.clusterNodes ? flags.clusterNodes.split(',').map((s) => s.trim()) : undefined,
    } as Partial<StreamsConfig>,
    env,
  );
  if (cfg.redisUrl === 'memory')
    throw new CliError(
      'USAGE',
      'REDIS_URL=memory is the in-process shim: separate processes cannot share it; use `actors demo` to run everything in one process',
    );
  return cfg;
}

/** A connected backend that retries through Redis restarts; throws CliError UNREACHABLE when Redis does not answer at start. */
export async function connectBackend(cfg: StreamsConfig, opts: { retryForever?: boolean } = {}): Promise<RedisStreamBackend> {
  const backend = new RedisStreamBackend({
    url: cfg.redisUrl,
    clusterNodes: cfg.clusterNodes,
    tlsRejectUnauthorized: cfg.tlsRejectUnauthorized,
    connectTimeoutMs: DEFAULT_SERVICE_CONNECTION_OPTIONS.connectTimeoutMs,
    maxRetriesPerRequest: opts.retryForever ? null : DEFAULT_SERVICE_CONNECTION_OPTIONS.maxRetriesPerRequest,
  });
  try {
    const ms = DEFAULT_SERVICE_CONNECTION_OPTIONS.startDeadlineMs;
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref());
    await Promise.race([backend.connect(), deadline]);
    return backend;
  } catch (err) {
    await backend.close().catch(() => undefined);
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : '';
    const detail = `${(err as Error).message}${cause && !(err as Error).message.includes(cause) ? ` (${cause})` : ''}`;
    throw new CliError('UNREACHABLE', connectionFailureMessage(cfg.clusterNodes.length > 0 ? cfg.clusterNodes.join(',') : describeUrl(cfg.redisUrl), detail), {
      cause: err,
    });
  }
}

/** The lead topology over persistence chosen by the environment (DATABASE_URL, SUPABASE_*, else memory). */
export function leadTopology(env: NodeJS.ProcessEnv = process.env): { actors: ActorDefinition[]; persistence: PersistenceSetup } {
  const persistence = leadPersistenceFromEnv(env);
  const deliveryEnabled = parseBoolean('DELIVERY_ENABLED', env.DELIVERY_ENABLED) ?? false;
  return { actors: buildLeadTopology({ service: persistence.service, ragOptions: ragOptionsFromEnv(env), deliveryEnabled }), persistence };
}

/** Key names for a config. */
export function keysFor(cfg: StreamsConfig): Keys {
  return createKeys(cfg.prefix);
}

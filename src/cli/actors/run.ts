/** `actors run <name...>|--all`: runs actors of the lead topology in this process until SIGTERM/SIGINT. */
import { selectActors } from '../../actors/lead/topology.js';
import { ActorRuntime, consumerName } from '../../actors/runtime/runtime.js';
import { createLogger, type LogLevel } from '../../monitoring/logger.js';
import { startMonitoringServer, type MonitoringServer } from '../../monitoring/server.js';
import { Registry } from 'prom-client';
import type { StreamBackend } from '../../streams/backend.js';
import { describeUrl } from '../../streams/connection-options.js';
import { logConnectionChanges } from './connection-log.js';
import { CliError, type CliIO } from '../common.js';
import { actorsConfig, connectBackend, keysFor, leadTopology, type ActorsFlags } from './setup.js';

/** Arguments of `actors run`. */
export interface RunArgs extends ActorsFlags {
  names: string[];
  all: boolean;
  /** Process slot: the consumer is `<host>-<slot>`. */
  slot: number;
  /** Explicit consumer name (overrides the slot). */
  consumer?: string | undefined;
  /** Partitions this process reads (default all). */
  ownPartitions?: number[] | undefined;
  metricsPort?: number | undefined;
  logLevel: LogLevel;
}

/**
 * Binds /metrics and /healthz before the runtime exists (a bad or busy port is a usage error, exit
 * 2, with nothing started). The registry is handed to the runtime; /healthz says not ready until
 * the runtime runs.
 */
async function bindMetrics(
  port: number,
  registry: Registry,
  current: () => { runtime: ActorRuntime; backend: StreamBackend } | undefined,
): Promise<MonitoringServer> {
  const ready = async (): Promise<boolean> => {
    const c = current();
    if (!c?.runtime.running) return false;
    // Ready only while running, with its groups in place and Redis answering.
    const groups = await Promise.all(c.runtime.streams.slice(0, 50).map((s) => c.backend.groups(s)));
    return groups.every((g) => g.length > 0);
  };
  try {
    return await startMonitoringServer({ port, registry, ready });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is in use' : code === 'EACCES' ? 'needs privileges' : `cannot be bound (${(err as Error).message})`;
    throw new CliError('USAGE', `--metrics-port ${port} ${why}; nothing was started`);
  }
}

/** Starts the runtime and resolves once it has stopped on a signal; the exit status is 0 after a graceful stop. */
export async function actorsRun(args: RunArgs, io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (!args.all && args.names.length === 0) throw new CliError('USAGE', 'name at least one actor, or --all (see `actors list`)');
  const cfg = actorsConfig(args, env);
  const { actors, persistence } = leadTopology(env);
  let chosen;
  try {
    chosen = args.all ? actors : selectActors(actors, args.names);
  } catch (err) {
    throw new CliError('USAGE', (err as Error).message);
  }
  const logger = createLogger({ level: args.logLevel, service: 'actors' });
  // Bound first: a port in use fails before anything registers a consumer in Redis.
  const registry = new Registry();
  const live: { current?: { runtime: ActorRuntime; backend: StreamBackend } } = {};
  let server: MonitoringServer | null = null;
  if (args.metricsPort !== undefined) server = await bindMetrics(args.metricsPort, registry, () => live.current);
  let backend;
  try {
    backend = await connectBackend(cfg, { retryForever: true });
  } catch (err) {
    await server?.close();
    throw err;
  }
  const redis = backend;
  const unwatch = logConnectionChanges(redis.connection, logger, cfg.clusterNodes.length > 0 ? cfg.clusterNodes.join(',') : describeUrl(cfg.redisUrl));
  const runtime = new ActorRuntime(chosen, {
    registry,
    backend,
    keys: keysFor(cfg),
    consumer: args.consumer ?? consumerName(args.slot),
    partitions: cfg.partitions,
    ...(args.ownPartitions ? { ownPartitions: args.ownPartitions } : {}),
    persistence: persistence.service,
    logger,
  });
  live.current = { runtime, backend: redis };
  const started = runtime;
  const stopped = new Promise<void>((resolve) => started.stopOnSignals(resolve));
  try {
    await started.start();
  } catch (err) {
    // A failed start leaves nothing behind: stop() removes the consumers it registered.
    await started.stop().catch(() => undefined);
    await server?.close();
    await persistence.service.close().catch(() => undefined);
    await redis.close();
    throw err;
  }
  if (server) logger.info('metrics and health served', { port: server.port, paths: ['/metrics', '/healthz'] });
  io.err(
    `actors: running ${chosen.map((a) => a.name).join(', ')} as ${runtime.consumer} (persistence: ${persistence.description}); SIGTERM or Ctrl-C stops gracefully`,
  );
  await stopped;
  await server?.close();
  await persistence.service.close().catch(() => undefined);
  unwatch();
  await redis.close();
  return 0;
}

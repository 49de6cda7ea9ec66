/** `actors run <name...>|--all`: runs actors of the lead topology in this process until SIGTERM/SIGINT. */
import { selectActors } from '../../actors/lead/topology.js';
import { ActorRuntime, consumerName } from '../../actors/runtime/runtime.js';
import { createLogger, type LogLevel } from '../../monitoring/logger.js';
import { startMonitoringServer, type MonitoringServer } from '../../monitoring/server.js';
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
  const backend = await connectBackend(cfg, { retryForever: true });
  const logger = createLogger({ level: args.logLevel, service: 'actors' });
  const runtime = new ActorRuntime(chosen, {
    backend,
    keys: keysFor(cfg),
    consumer: args.consumer ?? consumerName(args.slot),
    partitions: cfg.partitions,
    ...(args.ownPartitions ? { ownPartitions: args.ownPartitions } : {}),
    persistence: persistence.service.readOnly(),
    logger,
  });
  let server: MonitoringServer | null = null;
  const stopped = new Promise<void>((resolve) => runtime.stopOnSignals(resolve));
  await runtime.start();
  if (args.metricsPort !== undefined) {
    // Ready only while running, with its groups in place and Redis answering.
    const ready = async (): Promise<boolean> => {
      if (!runtime.running) return false;
      const groups = await Promise.all(runtime.streams.slice(0, 50).map((s) => backend.groups(s)));
      return groups.every((g) => g.length > 0);
    };
    server = await startMonitoringServer({ port: args.metricsPort, registry: runtime.registry, ready });
    logger.info('metrics and health served', { port: server.port, paths: ['/metrics', '/healthz'] });
  }
  io.err(`actors: running ${chosen.map((a) => a.name).join(', ')} as ${runtime.consumer} (persistence: ${persistence.description}); SIGTERM or Ctrl-C stops gracefully`);
  await stopped;
  await server?.close();
  await persistence.service.close().catch(() => undefined);
  await backend.close();
  return 0;
}

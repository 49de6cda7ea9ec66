/**
 * `actors dashboard`: the web dashboard on 127.0.0.1:8080 over the configured Redis (or, with
 * --memory-demo, over the lead pipeline running on the memory shim in this process), until
 * SIGINT/SIGTERM. Read-only unless --allow-writes; then writes need the token printed once here.
 */
import type { StreamsConfig } from '../../config.js';
import { startMemoryDemo } from '../../dashboard/demo.js';
import { countCommands, createDashboardMetrics, type DashboardMetrics } from '../../dashboard/metrics.js';
import type { DashboardOptions } from '../../dashboard/options.js';
import { startDashboard, type Dashboard } from '../../dashboard/server.js';
import { describeUrl } from '../../streams/connection-options.js';
import { CliError, type CliIO } from '../common.js';
import { memoryUsageOf } from '../health/command.js';
import { actorsConfig, connectBackend, keysFor, leadTopology, type ActorsFlags } from './setup.js';

/** Arguments of `actors dashboard`. */
export interface DashboardArgs extends ActorsFlags {
  host: string;
  port: number;
  allowWrites: boolean;
  token?: string | undefined;
  memoryDemo: boolean;
}

/** A started dashboard and what stops it. */
interface Running {
  dashboard: Dashboard;
  source: string;
  prefix: string;
  stop(): Promise<void>;
}

/** Where the page says the data comes from: host and port only, never the URL's user or password. */
export function sourceLabel(cfg: StreamsConfig): string {
  if (cfg.clusterNodes.length > 0) return `Redis Cluster ${cfg.clusterNodes.join(',')}`;
  try {
    const u = new URL(cfg.redisUrl);
    return `${u.protocol === 'rediss:' ? 'Redis (TLS)' : 'Redis'} ${u.host}`;
  } catch {
    return describeUrl(cfg.redisUrl).replace(/\/\/[^@/]*@/, '//');
  }
}

async function start(cfg: StreamsConfig | null, metrics: DashboardMetrics, env: NodeJS.ProcessEnv, options: Partial<DashboardOptions>): Promise<Running> {
  if (cfg === null) {
    const demo = await startMemoryDemo();
    try {
      const dashboard = await startDashboard(
        { backend: demo.backend, keys: demo.keys, metrics, definitions: demo.actors, source: 'memory demo (lead pipeline in this process)' },
        options,
      );
      return { dashboard, source: 'the memory demo', prefix: demo.keys.prefix, stop: async () => (await dashboard.close(), await demo.stop()) };
    } catch (err) {
      await demo.stop();
      throw err;
    }
  }
  const backend = await connectBackend(cfg);
  countCommands(backend.connection, metrics);
  const keys = keysFor(cfg);
  const { actors } = leadTopology({ ...env, PERSISTENCE_ADAPTER: 'memory' });
  try {
    const source = sourceLabel(cfg);
    const dashboard = await startDashboard(
      { backend, keys, metrics, definitions: actors, memoryUsage: memoryUsageOf(backend.connection, backend.isCluster), source },
      options,
    );
    return { dashboard, source, prefix: keys.prefix, stop: async () => (await dashboard.close(), await backend.close()) };
  } catch (err) {
    await backend.close();
    throw err;
  }
}

/** A port taken or not ours to bind is the operator's to fix: one line, exit 2. */
function listenError(err: unknown, options: Partial<DashboardOptions>): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new CliError('USAGE', `cannot listen on ${options.host}:${options.port}: ${code}`);
  return err;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Runs the dashboard until `signal` aborts (the bin wires SIGINT/SIGTERM to it). */
export async function actorsDashboard(args: DashboardArgs, io: CliIO, signal: AbortSignal, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.token !== undefined && !args.allowWrites) throw new CliError('USAGE', '--token only makes sense with --allow-writes');
  if (args.token !== undefined && (args.token.length < 16 || /\s/.test(args.token)))
    throw new CliError('USAGE', '--token must be at least 16 characters without spaces');
  const metrics = createDashboardMetrics();
  const cfg = args.memoryDemo ? null : actorsConfig(args, env);
  const options = { host: args.host, port: args.port, allowWrites: args.allowWrites, token: args.token ?? null };
  const running = await start(cfg, metrics, env, options).catch((err: unknown) => {
    throw listenError(err, options);
  });
  try {
    const d = running.dashboard;
    io.out(`dashboard of ${running.source}, prefix ${running.prefix}: ${d.url} (${d.token ? 'writes allowed with the token' : 'read-only'}; Ctrl-C to stop)`);
    if (d.token && args.token === undefined) io.out(`write token (shown once): ${d.token}\nopen ${d.url}#token=${d.token} to replay or purge from the page`);
    if (!LOOPBACK.has(args.host))
      io.err(
        `actors: the dashboard listens on ${args.host}, not only on this machine: anyone who can reach it can read the streams${d.token ? ' (writes still need the token)' : ''}`,
      );
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return 0;
  } finally {
    await running.stop();
  }
}

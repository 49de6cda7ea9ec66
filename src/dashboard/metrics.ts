/**
 * The dashboard's own load on Redis, on its /metrics: every command its connection sends (pipelined
 * ones included) is counted by name, and every collection is timed, so an operator can see what
 * keeping the page open costs.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The dashboard's metrics. */
export interface DashboardMetrics {
  registry: Registry;
  commands: Counter<'command'>;
  collections: Histogram<string>;
  viewers: Gauge<string>;
  streams: Gauge<string>;
  /** Commands sent so far (all names), for the page's footer. */
  commandTotal(): number;
  /** Counts one command sent. */
  countCommand(name: string): void;
}

/** Creates the metrics on a fresh registry (two dashboards in one process do not share counters). */
export function createDashboardMetrics(): DashboardMetrics {
  const registry = new Registry();
  let total = 0;
  const commands = new Counter({
    name: 'dashboard_redis_commands_total',
    help: 'Redis commands sent by the dashboard, by command name',
    labelNames: ['command'] as const,
    registers: [registry],
  });
  const collections = new Histogram({
    name: 'dashboard_collection_seconds',
    help: 'Time of one collection of every stream under the prefix',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const viewers = new Gauge({ name: 'dashboard_viewers', help: 'Pages connected to the live event stream', registers: [registry] });
  const streams = new Gauge({ name: 'dashboard_streams', help: 'Streams under the prefix at the last collection', registers: [registry] });
  return {
    registry,
    commands,
    collections,
    viewers,
    streams,
    commandTotal: () => total,
    countCommand: (name) => {
      total += 1;
      commands.inc({ command: name });
    },
  };
}

/** Something with ioredis's sendCommand (a Redis or a Cluster client). */
interface CommandSender {
  sendCommand(command: { name: string }, ...rest: unknown[]): unknown;
}

/**
 * Counts every command the client sends. ioredis routes single commands and pipelines through
 * sendCommand on the client, so wrapping it there sees both.
 */
export function countCommands(client: CommandSender, metrics: DashboardMetrics): void {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: { name: string }, ...rest: unknown[]) => {
    metrics.countCommand(String(command.name).toLowerCase());
    return send(command, ...rest);
  };
}

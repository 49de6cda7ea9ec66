#!/usr/bin/env -S node --import tsx
/** actors: run actors of the lead pipeline, list the topology, ingest mail, replay a stream, trace a flow, migrate, demo. */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
// Commands load their modules on first call: --help and a bad flag answer without loading the topology.
import {
  actorsDemo,
  actorsIngest,
  actorsList,
  actorsMigrate,
  actorsDashboard,
  actorsRebuild,
  actorsReplay,
  actorsRun,
  actorsState,
  actorsTrace,
} from '../src/cli/lazy.js';
import { durationArg, exitWhenFlushed, numberArg, processIO, runTool, strictParser, withConnectionFlags } from '../src/cli/common.js';
import type { LogLevel } from '../src/monitoring/logger.js';

const TOOL = 'actors';
const io = processIO();

const partitionList = (v: unknown): number[] =>
  String(v)
    .split(',')
    .map((p) => numberArg('own-partitions', { integer: true })(p.trim()));

function streamFlags<T>(y: Argv<T>) {
  return withConnectionFlags(y)
    .option('partitions', {
      type: 'string',
      coerce: numberArg('partitions', { integer: true, min: 1 }),
      describe: 'partitions P of every topic [env STREAMS_PARTITIONS, default 1]',
    })
    .option('cluster-nodes', { type: 'string', describe: 'Redis Cluster seed nodes host:port,... [env REDIS_CLUSTER_NODES]' });
}

const conn = (a: { 'redis-url'?: string | undefined; prefix?: string | undefined; partitions?: unknown; 'cluster-nodes'?: string | undefined }) => ({
  redisUrl: a['redis-url'],
  prefix: a.prefix,
  partitions: a.partitions as number | undefined,
  clusterNodes: a['cluster-nodes'],
});

// yargs hands a lone '-' positional over as an empty string.
const stdinOr = (file: unknown): string => (file === '' || file === undefined ? '-' : String(file));

let code = 0;
await strictParser(yargs(hideBin(process.argv)), TOOL)
  .usage(
    '$0 <command>\n\nRuns and feeds the actors of the lead pipeline on Redis Streams (REDIS_URL, STREAMS_PREFIX).\nPersistence comes from DATABASE_URL (PostgreSQL), SUPABASE_URL + SUPABASE_KEY, else memory.',
  )
  .command(
    'run [names..]',
    'run actors in this process until SIGTERM/SIGINT (graceful: in-flight work is committed)',
    (y) =>
      streamFlags(y)
        .positional('names', { type: 'string', array: true, describe: 'actor names (see `actors list`)' })
        .option('all', { type: 'boolean', default: false, describe: 'run every actor of the topology' })
        .option('slot', {
          type: 'string',
          default: '0',
          coerce: numberArg('slot', { integer: true }),
          describe: 'process slot: consumer name <host>-<slot>, stable across restarts',
        })
        .option('consumer', { type: 'string', describe: 'explicit consumer name (instead of <host>-<slot>)' })
        .option('own-partitions', { type: 'string', coerce: partitionList, describe: 'only read these partitions, e.g. 0,1 (default: all)' })
        .option('metrics-port', {
          type: 'string',
          coerce: numberArg('metrics-port', { integer: true, min: 0, max: 65535 }),
          describe: 'serve /metrics and /healthz on this port (bound before the runtime starts: a port in use is exit 2)',
        })
        .option('log-level', { type: 'string', choices: ['error', 'warn', 'info', 'debug'], default: 'info' })
        .example('$0 run rag-agent copywriter --slot 1', 'two actors in one process')
        .example('$0 run --all --metrics-port 9464', 'the whole topology, with Prometheus metrics'),
    async (a) => {
      code = await runTool(TOOL, io, () =>
        actorsRun(
          {
            ...conn(a),
            names: (a.names ?? []).map(String),
            all: a.all,
            slot: Number(a.slot),
            consumer: a.consumer,
            ownPartitions: a['own-partitions'] as number[] | undefined,
            metricsPort: a['metrics-port'] as number | undefined,
            logLevel: a['log-level'] as LogLevel,
          },
          io,
        ),
      );
    },
  )
  .command(
    'list',
    'the topology: who consumes and emits what',
    (y) => y.option('json', { type: 'boolean', default: false }),
    async (a) => {
      code = await runTool(TOOL, io, () => actorsList({ json: a.json }, io));
    },
  )
  .command(
    'ingest <file>',
    'append each JSONL line (a mail) as an email.received envelope; non-JSON lines go to the DLQ',
    (y) => streamFlags(y).positional('file', { type: 'string', demandOption: true, describe: 'a .jsonl file, or - for stdin' }),
    async (a) => {
      code = await runTool(TOOL, io, () => actorsIngest({ ...conn(a), file: stdinOr(a.file), json: a.json }, io));
    },
  )
  .command(
    'replay <stream>',
    'create a new group that delivers a stream again from an id; with --actor, run that actor under it until drained',
    (y) =>
      streamFlags(y)
        .positional('stream', { type: 'string', demandOption: true, describe: 'stream key or topic name' })
        .option('from', { type: 'string', demandOption: true, describe: 'first id to deliver again: <ms>-<seq>, 0 (all) or $' })
        .option('group', { type: 'string', demandOption: true, describe: 'name of the new group' })
        .option('actor', { type: 'string', describe: "run this actor's handler under the new group" })
        .option('timeout', { type: 'string', default: '5m', coerce: durationArg('timeout'), describe: 'give up waiting for the replay after this long' }),
    async (a) => {
      code = await runTool(TOOL, io, () =>
        actorsReplay(
          { ...conn(a), stream: String(a.stream), from: String(a.from), group: String(a.group), actor: a.actor, json: a.json, timeoutMs: Number(a.timeout) },
          io,
        ),
      );
    },
  )
  .command(
    'trace <query>',
    'the causal tree of one flow (envelope id, correlation id or idempotency key): hops, actors, outcomes, dead letters',
    (y) =>
      streamFlags(y)
        .positional('query', { type: 'string', demandOption: true, describe: 'an envelope id, a correlation id or an idempotency key (compared literally)' })
        .option('max-entries', {
          type: 'string',
          coerce: numberArg('max-entries', { integer: true, min: 1 }),
          describe: 'read at most this many stream entries (the tree is marked truncated past it) [default 500000]',
        })
        .example('$0 trace 5f42311c-68c0-416b-9ed3-63baf7deb4b7', 'the flow of one mail')
        .example('$0 trace --json -- "-odd-key"', 'a key that starts with a dash'),
    async (a) => {
      code = await runTool(TOOL, io, () =>
        actorsTrace({ ...conn(a), query: String(a.query), json: a.json, maxEntries: a['max-entries'] as number | undefined }, io),
      );
    },
  )
  .command(
    'migrate',
    'create the leads, drafts, audit and campaigns tables in DATABASE_URL (schema DATABASE_SCHEMA)',
    (y) =>
      y
        .option('seed-leads', {
          type: 'string',
          default: '0',
          coerce: numberArg('seed-leads', { integer: true }),
          describe: 'also upsert this many deterministic mock leads, and the demo campaigns',
        })
        .option('json', { type: 'boolean', default: false }),
    async (a) => {
      code = await runTool(TOOL, io, () => actorsMigrate({ seedLeads: Number(a['seed-leads']), json: a.json }, io));
    },
  )
  .command(
    'state <entity> <id>',
    "an event-sourced entity's state, version and last event (from its snapshot, else folded from its log)",
    (y) =>
      streamFlags(y)
        .positional('entity', { type: 'string', demandOption: true, describe: 'entity name (lead, campaign)' })
        .positional('id', { type: 'string', demandOption: true, describe: "entity id (a lead's email, a campaign id)" })
        .example('$0 state lead ada@initech.example', 'where the conversation with a lead stands'),
    async (a) => {
      code = await runTool(TOOL, io, () => actorsState({ ...conn(a), entity: String(a.entity), id: String(a.id), json: a.json }, io));
    },
  )
  .command(
    'rebuild <entity>',
    "fold an entity's log again and rewrite the snapshots that differ (after a stateVersion bump, a lost snapshot); reports what changed",
    (y) =>
      streamFlags(y)
        .positional('entity', { type: 'string', demandOption: true, describe: 'entity name (lead, campaign)' })
        .option('id', { type: 'string', describe: 'only this entity id' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'report what would change, write nothing' }),
    async (a) => {
      code = await runTool(TOOL, io, () => actorsRebuild({ ...conn(a), entity: String(a.entity), id: a.id, dryRun: a['dry-run'], json: a.json }, io));
    },
  )
  .command(
    'dashboard',
    "a web dashboard (topology, streams, dead letters, an envelope's path) on 127.0.0.1:8080 until Ctrl-C",
    (y) =>
      streamFlags(y)
        .option('port', { type: 'string', default: '8080', coerce: numberArg('port', { integer: true }), describe: 'TCP port (0: any free port)' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on (only loopback by default)' })
        .option('allow-writes', { type: 'boolean', default: false, describe: 'allow replay and purge of dead letters from the page (with the token)' })
        .option('token', { type: 'string', describe: 'write token (default: generated and printed once) [env DASHBOARD_TOKEN]' })
        .option('memory-demo', {
          type: 'boolean',
          default: false,
          describe: 'serve the lead pipeline demo running on the memory shim in this process (no Redis needed)',
        })
        .example('$0 dashboard', 'read-only dashboard of REDIS_URL under STREAMS_PREFIX')
        .example('$0 dashboard --allow-writes', 'also replay/purge dead letters; prints the token once')
        .example('$0 dashboard --memory-demo', 'the demo pipeline, no Redis'),
    async (a) => {
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      code = await runTool(TOOL, io, () =>
        actorsDashboard(
          {
            ...conn(a),
            host: a.host,
            port: Number(a.port),
            allowWrites: a['allow-writes'],
            token: a.token ?? (a['allow-writes'] ? process.env.DASHBOARD_TOKEN : undefined),
            memoryDemo: a['memory-demo'],
          },
          io,
          stop.signal,
        ),
      );
    },
  )
  .command(
    'demo',
    'the whole topology in this process on the memory shim (what npm start runs)',
    (y) => y.option('json', { type: 'boolean', default: false }),
    async (a) => {
      code = await runTool(TOOL, io, () => actorsDemo({ json: a.json }, io));
    },
  )
  .demandCommand(1, 'name a command')
  .parseAsync();

exitWhenFlushed(code);

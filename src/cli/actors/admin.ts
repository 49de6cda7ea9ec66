/** `actors list|ingest|replay|migrate|demo`: the topology, feeding it, replaying history, the schema. */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Pool } from 'pg';
import { defineActor } from '../../actors/define.js';
import { ragOptionsFromEnv } from '../../actors/lead/rag/options.js';
import { waitUntilDrained } from '../../actors/runtime/drain.js';
import { ActorRuntime, consumerName } from '../../actors/runtime/runtime.js';
import { createLogger } from '../../monitoring/logger.js';
import { seedRows } from '../../persistence/migrate.js';
import { migrateLeadTables, seedLeads } from '../../persistence/lead/database.js';
import { mockCampaigns } from '../../persistence/lead/mock-campaigns.js';
import { generateMockLeads } from '../../persistence/lead/mock-leads.js';
import { PostgresAdapter } from '../../persistence/adapters/postgres.js';
import { resolvePersistenceConfig } from '../../persistence/config.js';
import { formatDemoSummary, runDemo } from '../../actors/lead/pipeline/demo.js';
import { ingestEmails } from '../../actors/lead/pipeline/ingest.js';
import { CliError, type CliIO } from '../common.js';
import { renderTable, toJson } from '../format.js';
import { actorsConfig, connectBackend, keysFor, leadTopology, type ActorsFlags } from './setup.js';

/** `actors list`: who consumes and emits what. */
export function actorsList(args: { json: boolean }, io: CliIO, env: NodeJS.ProcessEnv = process.env): number {
  const { actors } = leadTopology({ ...env, PERSISTENCE_ADAPTER: 'memory' });
  const rows = actors.map((a) => ({ name: a.name, consumes: a.consumes, emits: a.emits, batchSize: a.batchSize, maxAttempts: a.maxAttempts }));
  if (args.json) io.out(toJson(rows));
  else
    io.out(
      renderTable(
        ['actor', 'consumes', 'emits', 'batch', 'attempts'],
        rows.map((r) => [r.name, r.consumes.join('\n'), r.emits.join('\n') || '-', String(r.batchSize), String(r.maxAttempts)]),
      ),
    );
  return 0;
}

async function* linesOf(file: string): AsyncIterable<string> {
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => input.once('error', reject));
  failed.catch(() => undefined);
  const rl = createInterface({ input, crlfDelay: Infinity });
  const it = rl[Symbol.asyncIterator]();
  for (;;) {
    const next = await Promise.race([it.next(), failed]);
    if (next.done) return;
    yield next.value;
  }
}

/** `actors ingest <file|->`: each JSONL line becomes an email.received envelope; bad lines go to the DLQ. */
export async function actorsIngest(args: ActorsFlags & { file: string; json: boolean }, io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const cfg = actorsConfig(args, env);
  const backend = await connectBackend(cfg);
  try {
    let result;
    try {
      result = await ingestEmails(backend, keysFor(cfg), linesOf(args.file), { source: args.file === '-' ? 'stdin' : args.file, partitions: cfg.partitions });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') throw new CliError('USAGE', `cannot read ${args.file}: ${e.code}`);
      throw err;
    }
    const summary = {
      ingested: result.ingested,
      duplicates: result.duplicates,
      rejected: result.rejected.length,
      blank: result.blank,
      rejectedLines: result.rejected.map((r) => r.line),
    };
    if (args.json) io.out(toJson(summary));
    else {
      io.out(`ingested ${result.ingested} envelopes (${result.duplicates} repeat an earlier messageId) onto ${keysFor(cfg).topic('email.received')}`);
      if (result.rejected.length)
        io.err(
          `actors: ${result.rejected.length} line(s) could not become envelopes (not JSON, too big or too deep, or invalid) and went to the DLQ of email.received with their reason (lines ${summary.rejectedLines.slice(0, 10).join(', ')}${result.rejected.length > 10 ? ', …' : ''})`,
        );
    }
    return 0;
  } finally {
    await backend.close();
  }
}

/** The id just before `id`, so a group created there delivers `id` itself. */
export function idBefore(id: string): string {
  if (id === '0' || id === '0-0' || id === '$') return id === '$' ? '$' : '0';
  const m = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (!m) throw new CliError('USAGE', `--from must be 0, $ or a stream id <ms>-<seq>, got "${id}"`);
  const ms = BigInt(m[1]!);
  const seq = BigInt(m[2] ?? '0');
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : '0';
}

/** Arguments of `actors replay`. */
export interface ReplayArgs extends ActorsFlags {
  stream: string;
  from: string;
  group: string;
  actor?: string | undefined;
  json: boolean;
  timeoutMs: number;
}

/**
 * `actors replay <stream> --from <id> --group <new> [--actor <name>]`: creates a new group that
 * delivers the stream again from `id`; with --actor, runs that actor's handler under the new group
 * until the replay is drained. Its outputs carry the same idempotency keys as the first time, so
 * downstream actors skip them while their markers live.
 */
export async function actorsReplay(args: ReplayArgs, io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const cfg = actorsConfig(args, env);
  const keys = keysFor(cfg);
  const stream = keys.parse(args.stream) ? args.stream : keys.topic(args.stream);
  const start = idBefore(args.from);
  const backend = await connectBackend(cfg);
  try {
    if (!(await backend.streamInfo(stream))) throw new CliError('NOT_FOUND', `stream ${stream} does not exist`);
    if ((await backend.groups(stream)).some((g) => g.name === args.group))
      throw new CliError('USAGE', `group ${args.group} already exists on ${stream}; pick a new name`);
    let replayActor;
    if (args.actor) {
      const base = leadTopology(env).actors.find((a) => a.name === args.actor);
      if (!base) throw new CliError('USAGE', `unknown actor ${args.actor} (see \`actors list\`)`);
      const topic = keys.parse(stream)?.topic;
      if (!topic || !base.consumes.includes(topic)) throw new CliError('USAGE', `actor ${args.actor} does not consume ${topic ?? stream}`);
      replayActor = defineActor({ ...base, name: args.group, consumes: [topic] });
    }
    await backend.ensureGroup(stream, args.group, start);
    const info = (await backend.groups(stream)).find((g) => g.name === args.group);
    const result: Record<string, unknown> = { stream, group: args.group, from: args.from, startAfter: start, toDeliver: info?.lag ?? null };
    if (replayActor) {
      // What the replay appended to the actor's output topics (every partition) while it ran.
      const outputs = replayActor.emits.flatMap((t) => Array.from({ length: cfg.partitions }, (_, p) => keys.topic(t, p)));
      const lengths = async (): Promise<number> =>
        (await Promise.all(outputs.map(async (k) => (await backend.streamInfo(k))?.length ?? 0))).reduce((a, b) => a + b, 0);
      const before = await lengths();
      const { persistence } = leadTopology(env);
      const runtime = new ActorRuntime([replayActor], {
        backend,
        keys,
        consumer: consumerName(0),
        partitions: cfg.partitions,
        persistence: persistence.service.readOnly(),
        logger: createLogger({ level: 'warn', service: 'actors-replay' }),
      });
      await runtime.start();
      try {
        const drained = await waitUntilDrained(backend, keys, [replayActor], { timeoutMs: args.timeoutMs, partitions: cfg.partitions });
        result.replayedInMs = drained.elapsedMs;
      } finally {
        await runtime.stop();
        await persistence.service.close().catch(() => undefined);
      }
      result.reEmitted = (await lengths()) - before;
    }
    // The group stays (it holds trimming back while it has lag): say how to remove it.
    result.removeGroup = `redis-cli XGROUP DESTROY ${stream} ${args.group}`;
    if (args.json) io.out(toJson(result));
    else {
      const head = `group ${args.group} created on ${stream} after ${start}${result.toDeliver !== null ? ` (${String(result.toDeliver)} entries to deliver)` : ''}`;
      const how = args.actor
        ? `; replayed through ${args.actor}: ${String(result.reEmitted)} output envelope${result.reEmitted === 1 ? '' : 's'} re-emitted (duplicates downstream are skipped while their idempotency markers live)`
        : `; run an actor named ${args.group} to consume it`;
      io.out(`${head}${how}\nwhen done, remove the replay group: ${String(result.removeGroup)}`);
    }
    return 0;
  } finally {
    await backend.close();
  }
}

/** `actors migrate [--seed-leads N]`: creates the leads, drafts, audit and campaigns tables in DATABASE_URL. */
export async function actorsMigrate(args: { seedLeads: number; json: boolean }, io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = resolvePersistenceConfig({ ...env, PERSISTENCE_ADAPTER: env.PERSISTENCE_ADAPTER ?? (env.DATABASE_URL ? 'postgres' : undefined) });
  if (config.kind !== 'postgres' || !config.databaseUrl) throw new CliError('USAGE', 'migrate needs DATABASE_URL (a PostgreSQL or Supabase direct connection)');
  const pool = new Pool({ connectionString: config.databaseUrl, connectionTimeoutMillis: 3_000 });
  try {
    const statements = await migrateLeadTables(pool, { schema: config.schema });
    let seeded = { written: 0, unchanged: 0 };
    let campaigns = { written: 0, unchanged: 0 };
    if (args.seedLeads > 0) {
      // The demo data: the mock leads and the campaigns the bundled mail is sent to.
      const adapter = new PostgresAdapter({ pool, schema: config.schema });
      seeded = await seedLeads(adapter, generateMockLeads(args.seedLeads));
      campaigns = await seedRows(adapter, 'campaigns', mockCampaigns());
    }
    if (args.json) io.out(toJson({ schema: config.schema, statements: statements.length, seeded, campaigns }));
    else
      io.out(
        `schema ${config.schema}: ${statements.length} statements applied${args.seedLeads > 0 ? `; leads seeded: ${seeded.written} written, ${seeded.unchanged} unchanged; campaigns seeded: ${campaigns.written} written, ${campaigns.unchanged} unchanged` : ''}`,
      );
    return 0;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError('UNREACHABLE', `migrate failed: ${(err as Error).message}`);
  } finally {
    await pool.end();
  }
}

/** `actors demo`: the whole topology in this process on the memory shim (what `npm start` runs). */
export async function actorsDemo(args: { json: boolean }, io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const summary = await runDemo({ ragOptions: ragOptionsFromEnv(env) });
  io.out(args.json ? toJson(summary) : formatDemoSummary(summary));
  return 0;
}

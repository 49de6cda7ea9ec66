/**
 * The lead pipeline as operators run it: `actors migrate`, three `actors run` processes on real
 * Redis and PostgreSQL, `actors ingest` of the bundled mail, and the result checked in PostgreSQL
 * against the in-process demo's numbers. Then `actors replay` and the CLI's bad-input cases.
 */
import { entityReport } from '../src/actors/lead/pipeline/entity-report.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLeadTopology } from '../src/actors/lead/topology.js';
import { waitUntilDrained } from '../src/actors/runtime/drain.js';
import { createLogger } from '../src/monitoring/logger.js';
import { runDemo } from '../src/actors/lead/pipeline/demo.js';
import { createKeys } from '../src/streams/keys.js';
import { jsonOf, runCli } from './support/cli.js';
import { postgresSkipReason, testPostgres } from './support/postgres.js';
import { deletePrefix, redisBackend, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { freePort } from './support/redis-server.js';
import { leadMemoryAdapter, leadPersistenceService } from '../src/persistence/lead/persistence.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function startRun(
  names: string[],
  env: Record<string, string>,
  metricsPort?: number,
): { proc: ChildProcess; exit: Promise<number | null>; ready: Promise<void> } {
  const args = ['--import', 'tsx', 'bin/actors.ts', 'run', ...names, '--log-level', 'warn', ...(metricsPort ? ['--metrics-port', String(metricsPort)] : [])];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const ready = new Promise<void>((resolve, reject) => {
    let err = '';
    proc.stderr!.on('data', (d) => {
      err += String(d);
      if (err.includes('actors: running')) resolve();
    });
    void exit.then((code) => reject(new Error(`actors run exited ${code} before running: ${err}`)));
  });
  return { proc, exit, ready };
}

const s = gated(suite('actors command: the pipeline as separate processes'), await redisSkipReason());
const withPostgres = gated(s, await postgresSkipReason());

withPostgres('three processes on Redis + PostgreSQL produce the same drafts as the in-process demo; SIGTERM exits 0', async () => {
  const redis = await testRedis();
  const pg = await testPostgres('actors CLI end-to-end');
  assert.ok(redis && pg, 'Redis and PostgreSQL');
  const prefix = uniquePrefix('cli');
  const env = { REDIS_URL: redis.url, STREAMS_PREFIX: prefix, DATABASE_URL: pg.url, DATABASE_SCHEMA: pg.schema, PERSISTENCE_ADAPTER: 'postgres' };
  const backend = (await redisBackend())!;
  const procs: ReturnType<typeof startRun>[] = [];
  try {
    const migrated = await runCli('actors', ['migrate', '--seed-leads', '200', '--json'], { env });
    assert.is(migrated.code, 0, migrated.stderr);
    assert.is(jsonOf<{ seeded: { written: number } }>(migrated).seeded.written, 200);

    procs.push(startRun(['campaign-manager', 'lead-orchestrator', 'reply-orchestrator'], env));
    procs.push(startRun(['rag-agent', 'copywriter', 'lead', 'campaign'], env));
    const metricsPort = await freePort();
    procs.push(startRun(['persistence-writer', 'db-writer', 'delivery', 'audit'], env, metricsPort));
    await Promise.all(procs.map((p) => p.ready));
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    assert.is(health.status, 200, 'ready once its groups exist');

    const ingest = await runCli('actors', ['ingest', 'data/mock-emails.jsonl', '--json'], { env });
    assert.is(ingest.code, 0, ingest.stderr);
    const ingested = jsonOf<{ ingested: number; rejected: number }>(ingest);

    const actors = buildLeadTopology({ service: leadPersistenceService(leadMemoryAdapter()) });
    await waitUntilDrained(backend, createKeys(prefix), actors, { timeoutMs: 60_000, pollMs: 200 });

    const demo = await runDemo({ logger: createLogger({ silent: true }) });
    assert.is(ingested.ingested, demo.ingest.ingested);
    assert.is(ingested.rejected, demo.ingest.rejected.length);
    const drafts = Number((await pg.pool.query(`SELECT count(*) AS n FROM "${pg.schema}".drafts`)).rows[0].n);
    // Which drafts of opted-out leads get blocked depends on arrival order; written + blocked does not.
    const blocked = (await entityReport(backend, createKeys(prefix))).draftsBlocked;
    assert.is(
      drafts + blocked,
      demo.draftRows + demo.entities.draftsBlocked,
      'drafts in PostgreSQL (plus those the lead entity blocked) match the in-process run',
    );
    const audit = Number((await pg.pool.query(`SELECT count(*) AS n FROM "${pg.schema}".audit`)).rows[0].n);
    assert.is(audit - 2 * drafts, demo.auditRows - 2 * demo.draftRows, 'one audit row per outcome');

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, new RegExp(`stream_actor_processed_total\\{actor="db-writer"\\} ${drafts}`));

    for (const p of procs) p.proc.kill('SIGTERM');
    assert.equal(await Promise.all(procs.map((p) => p.exit)), [0, 0, 0]);
    const created = Number((await pg.pool.query(`SELECT count(*) AS n FROM "${pg.schema}".leads`)).rows[0].n) - 200;
    assert.is(created, demo.leadsCreated, 'the unknown senders became leads in PostgreSQL, through persistence-writer');
  } finally {
    for (const p of procs) p.proc.kill('SIGKILL');
    await deletePrefix(backend, prefix);
    await backend.close();
    await pg.close();
  }
});

s('replay a topic into a new group through an actor: its outputs are duplicates downstream', async () => {
  const redis = await testRedis();
  assert.ok(redis, 'Redis');
  const prefix = uniquePrefix('rpl');
  const env = { REDIS_URL: redis.url, STREAMS_PREFIX: prefix, PERSISTENCE_ADAPTER: 'memory' };
  const backend = (await redisBackend())!;
  const keys = createKeys(prefix);
  try {
    const lines = [
      '{"from":"a@example.com","to":"spring@ours.example","subject":"Hi","body":"Hello","messageId":"m-1"}',
      '{"from":"b@example.com","to":"spring@ours.example","subject":"Hi","body":"Hello","messageId":"m-2"}',
    ];
    const ingest = await runCli('actors', ['ingest', '-', '--json'], { env, stdin: lines.join('\n') });
    assert.is(ingest.code, 0, ingest.stderr);
    const first = await runCli('actors', ['replay', 'email.received', '--from', '0', '--group', 'cm-first', '--actor', 'campaign-manager', '--json'], {
      env,
      timeoutMs: 60_000,
    });
    assert.is(first.code, 0, first.stderr);
    assert.is(jsonOf<{ toDeliver: number }>(first).toDeliver, 2);
    const jobs = await backend.range(keys.topic('lead.job'), '-', '+');
    assert.is(jobs.length, 2);
    assert.is(jsonOf<{ reEmitted: number }>(first).reEmitted, 2, 'the replay says how many envelopes it re-emitted');
    assert.match(jsonOf<{ removeGroup: string }>(first).removeGroup, `XGROUP DESTROY ${keys.topic('email.received')} cm-first`);
    const table = await runCli('actors', ['replay', 'email.received', '--from', '0', '--group', 'cm-second', '--actor', 'campaign-manager'], {
      env,
      timeoutMs: 60_000,
    });
    assert.is(table.code, 0, table.stderr);
    assert.match(table.stdout, /2 output envelopes re-emitted/);
    assert.match(table.stdout, /when done, remove the replay group: redis-cli XGROUP DESTROY .* cm-second/);
    const again = await runCli('actors', ['replay', 'email.received', '--from', '0', '--group', 'cm-first', '--json'], { env });
    assert.is(again.code, 2, 'an existing group is refused');
    const bad = await runCli('actors', ['replay', 'email.received', '--from', 'yesterday', '--group', 'x'], { env });
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '--from must be');
    assert.is(bad.stderr.trim().split('\n').length, 1);
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s('bad input: unreadable file, unknown actor, memory URL, bad partitions', async () => {
  const redis = await testRedis();
  assert.ok(redis, 'Redis');
  const env = { REDIS_URL: redis.url, STREAMS_PREFIX: uniquePrefix('bad') };
  const runs = await Promise.all([
    runCli('actors', ['ingest', 'no/such/file.jsonl'], { env }),
    runCli('actors', ['run', 'copywriter', 'ghost-writer'], { env }),
    runCli('actors', ['run', '--all'], { env: { ...env, REDIS_URL: 'memory' } }),
    runCli('actors', ['run', '--all', '--partitions', '0'], { env }),
    runCli('actors', ['run'], { env }),
  ]);
  for (const r of runs) {
    assert.is(r.code, 2, r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  assert.match(runs[0]!.stderr, 'cannot read no/such/file.jsonl');
  assert.match(runs[1]!.stderr, 'ghost-writer');
  assert.match(runs[2]!.stderr, 'actors demo');
});

s.run();

/**
 * Bounded chaos inside `npm test` (the big run is `npm run chaos`): the 3-stage pipeline as two
 * processes per stage on real Redis. One test SIGKILLs random stage processes while inputs flow
 * (with poison injected on purpose); the other SIGKILLs Redis itself (AOF, appendfsync always) and
 * restarts it mid-run. Slow handlers (3x claimIdleMs) are injected in every run, and an external
 * `XTRIM MAXLEN 0` of a stage's input in the process-kill run (not where Redis restarts: Redis 7.0
 * forgets the groups' entries-read on restart, so a gap can no longer be counted; OPERATIONS.md). Every run ends with: every good input has exactly one final output (or,
 * trimmed before delivery, is counted in a gap the runtime reported), every PEL is empty, and the
 * DLQ holds exactly the injected poison (plus one deleted-before-processing dead letter for an
 * entry trimmed while pending whose process was killed). CHAOS_SEED repeats a failing schedule.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatReport, runChaos, STAGE_PROCESS, type ChaosReport } from '../chaos/driver.js';
import { chaosEnv } from '../chaos/options.js';
import { correlationOf, type ChaosPayload } from '../chaos/pipeline.js';
import { Supervisor } from '../chaos/supervisor.js';
import { readAll } from '../chaos/verify.js';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { createKeys } from '../src/streams/keys.js';
import { deletePrefix, redisBackend, redisBinarySkipReason, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { RedisTestCluster } from './support/redis-cluster.js';
import { RedisServer } from './support/redis-server.js';
import { waitFor } from './support/wait.js';

function print(report: ChaosReport): void {
  for (const line of formatReport(report)) console.log(`    ${line}`);
  if (report.ok) return;
  console.log(JSON.stringify({ drain: report.drain, exitCodes: report.exitCodes }));
  for (const [consumer, lines] of Object.entries(report.tails)) if (lines.length) console.log(`--- ${consumer}\n${lines.slice(-10).join('\n')}`);
}

function assertPromisesKept(r: ChaosReport): void {
  const o = r.outcome;
  const few = (xs: unknown[]): string => JSON.stringify(xs.slice(0, 5));
  assert.ok(r.drain.drained, `pipeline drained (${JSON.stringify(r.drain)})`);
  assert.is(o.lost.length, 0, `no good input lost (lost e.g. ${few(o.lost)})`);
  assert.is(o.duplicated, 0, 'no final output duplicated');
  assert.is(o.poisonPassed.length, 0, `no poison produced a final output (${few(o.poisonPassed)})`);
  assert.is(o.deadLetterMissing.length, 0, `every injected poison is in the DLQ with its reason (missing ${few(o.deadLetterMissing)})`);
  assert.is(o.deadLetterUnexpected.length, 0, `nothing but the injected poison is in the DLQ (unexpected ${few(o.deadLetterUnexpected)})`);
  assert.is(o.pending, 0, 'every PEL is empty');
  // Inputs an external trim removed before delivery are a reported gap, not a hidden loss.
  assert.is(o.gapReported, o.gapped, `every entry trimmed before delivery was reported as a gap (${o.gapReported} of ${o.gapped})`);
  if (o.trims === 0) assert.is(o.outputs, r.envelopes - r.injected.permanent - r.injected.crash, 'one final output per good input');
  else assert.ok(o.outputs <= r.envelopes - r.injected.permanent - r.injected.crash, 'at most one final output per good input');
  for (const [consumer, code] of Object.entries(r.exitCodes)) assert.is(code, 0, `${consumer} stopped gracefully on SIGTERM`);
}

const s = gated(suite('chaos: kill -9 under the 3-stage pipeline'), await redisSkipReason());
const ownServer = gated(s, redisBinarySkipReason());

s('random SIGKILLs of stage processes while 2,000 inputs flow: nothing lost, nothing duplicated, DLQ = injected poison', async () => {
  const redis = await testRedis();
  assert.ok(redis, 'Redis');
  const { seed } = chaosEnv(process.env, 1);
  console.log(`\n  chaos seed ${seed} (CHAOS_SEED=${seed} repeats the schedule)`);
  const report = await runChaos({ redisUrl: redis.url, prefix: uniquePrefix('chaos'), seed });
  print(report);
  assert.ok(report.kills >= 3, `the driver killed processes (${report.kills})`);
  // Unless the external trim removed every crash poison before it was handled (then it owes no crash).
  if (report.crashPoisonTrimmed < report.injected.crash) assert.ok(report.crashes >= 1, 'the crash poison crashed its process');
  assert.ok(report.outcome.gapped > 0, `the external trim removed entries before delivery (${report.outcome.gapped}), reported as a gap`);
  assertPromisesKept(report);
});

ownServer('Redis SIGKILLed twice and restarted (AOF, appendfsync always) under the running pipeline: complete and unique', async () => {
  const server = await RedisServer.start({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  try {
    const { seed } = chaosEnv(process.env, 1);
    const report = await runChaos(
      {
        redisUrl: server.url,
        prefix: uniquePrefix('rchaos'),
        seed,
        envelopes: 1_200,
        durationMs: 6_000,
        killEveryMs: 0,
        crashPoison: 0,
        redisRestarts: 2,
        externalTrims: 0,
      },
      { restartRedis: () => server.restart('SIGKILL', 300) },
    );
    print(report);
    assert.is(report.redisRestarts, 2, 'Redis was killed and restarted twice');
    assertPromisesKept(report);
  } finally {
    await server.dispose();
  }
});

ownServer('on a 3-master Redis Cluster: random SIGKILLs of stage processes and a master restart, nothing lost or duplicated', async () => {
  const cluster = await RedisTestCluster.start();
  try {
    const { seed } = chaosEnv(process.env, 1);
    // Every key of the run shares one slot (P = 1): the master restarted is the one that holds it.
    const prefix = uniquePrefix('cchaos');
    const owner = await cluster.ownerOf(`${prefix}:{${prefix}:p0}:topic:chaos.a`);
    const report = await runChaos(
      {
        redisUrl: 'redis://127.0.0.1:6379',
        clusterNodes: cluster.nodes,
        prefix,
        seed,
        envelopes: 1_000,
        durationMs: 6_000,
        redisRestarts: 1,
        externalTrims: 0,
      },
      { restartRedis: () => cluster.restartMaster(owner, 300) },
    );
    print(report);
    assert.is(report.redisRestarts, 1, 'the master holding the slot was killed and restarted');
    assert.ok(report.kills >= 1, `the driver killed processes (${report.kills})`);
    assertPromisesKept(report);
  } finally {
    await cluster.dispose();
  }
});

s('a crash poison read in a batch: the consumer restarted under its name (before claimIdleMs) dead-letters it alone as poison', async () => {
  const redis = await testRedis();
  const backend = await redisBackend();
  assert.ok(redis && backend, 'Redis');
  const prefix = uniquePrefix('crashpoison');
  const keys = createKeys(prefix);
  const n = 30;
  const poison = 10;
  const maxDeliveries = 2;
  // One process of stage s3, restarted 100 ms after each crash: far sooner than its claimIdleMs.
  const supervisor = new Supervisor([{ stage: 's3', consumer: 's3-0' }], {
    fixture: STAGE_PROCESS,
    env: { REDIS_URL: redis.url, PREFIX: prefix, BATCH: '32', CLAIM_IDLE_MS: '60000', MAX_DELIVERIES: String(maxDeliveries), TRIM_INTERVAL_MS: '0' },
    crashBackoffMs: () => 100,
  });
  try {
    await backend.appendMany(
      Array.from({ length: n }, (_, i) => {
        const payload: ChaosPayload = i === poison ? { i, fault: { kind: 'crash', stage: 's3' } } : { i };
        return {
          stream: keys.topic('chaos.c'),
          fields: encodeEnvelope(createEnvelope({ type: 'chaos.c', payload, idempotencyKey: `in-${i}`, correlationId: correlationOf(i) })),
        };
      }),
    );
    await supervisor.startAll();
    const length = async (key: string): Promise<number> => (await backend.streamInfo(key))?.length ?? 0;
    await waitFor('the batch handled', async () => (await length(keys.topic('chaos.done'))) === n - 1 && (await length(keys.dlq('chaos.c'))) >= 1, 40_000, 100);
    await waitFor('nothing pending', async () => (await backend.pendingSummary(keys.topic('chaos.c'), 's3')).count === 0, 10_000);
    const dead = (await readAll(backend, keys.dlq('chaos.c'))).map((e) => parseDeadLetter(e.id, e.fields));
    assert.equal(
      dead.map((d) => [d.reason, d.envelope?.correlationId]),
      [['poison', correlationOf(poison)]],
      'only the crashing entry is dead-lettered, as poison',
    );
    const outputs = (await readAll(backend, keys.topic('chaos.done'))).map((e) => (JSON.parse(e.fields[1]!) as Envelope).correlationId);
    assert.is(new Set(outputs).size, n - 1, 'every other entry of its batch has one output');
    assert.ok(
      supervisor.counts.crashes >= maxDeliveries && supervisor.counts.crashes <= maxDeliveries + 1,
      `it crashed the process ${supervisor.counts.crashes} times, bounded by maxDeliveries`,
    );
  } finally {
    await supervisor.stopAll();
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s.run();

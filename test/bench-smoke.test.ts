/**
 * The benchmark machinery at a tiny N against the test Redis: the write benchmark lands real
 * envelopes, the streams-bench CLI keeps its output and exit-code contract, every scenario of
 * `npm run bench` runs and cleans up, and the table's verdicts follow the targets written in docs/BENCHMARKS.md.
 * No timing is asserted.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildCpuRows, buildRows, TARGETS } from '../bench/report.js';
import { runBench } from '../bench/suite.js';
import type { Measurement } from '../bench/types.js';
import { isBenchOptionError } from '../src/cli/bench/options.js';
import { runWriteBench } from '../src/cli/bench/write-bench.js';
import { decodeEntry } from '../src/envelope/codec.js';
import { freePort } from './support/redis-server.js';
import { deletePrefix, redisBackend, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';

const noRedis = await redisSkipReason();

const BIN = fileURLToPath(new URL('../bin/streams-bench.ts', import.meta.url));

/** Runs the bin through its shebang (so the executable bit and `env -S` are tested too). */
function runBin(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const write = suite('streams-bench write path');

gated(write, noRedis)('writes N real envelopes in batches and reports throughput and batch percentiles', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const prefix = uniquePrefix('wb');
  try {
    const r = await runWriteBench({ redisUrl: (await testRedis())!.url, prefix, count: 200, pipeline: 16, connections: 3, payloadBytes: 100, cleanup: false });
    assert.is(r.count, 200);
    assert.is(r.batches, 13, '200 envelopes in batches of 16');
    assert.is(r.aborted, false);
    assert.ok(r.envelopesPerSec > 0 && r.durationMs > 0);
    assert.is(r.latencyMs.count, 13);
    assert.ok(r.latencyMs.p50 <= r.latencyMs.p90 && r.latencyMs.p90 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max);
    const entries = await backend.range(r.stream, '-', '+');
    assert.is(entries.length, 200);
    const ids = new Set<string>();
    for (const e of entries) {
      const d = decodeEntry(e.fields);
      assert.ok(d.ok, 'every entry is a valid envelope');
      if (!d.ok) return;
      assert.is(d.envelope.type, 'bench.write');
      assert.is(d.envelope.payload, 'x'.repeat(100));
      ids.add(d.envelope.id);
    }
    assert.is(ids.size, 200, 'every envelope is a distinct one');
    assert.is(r.entryBytes, Math.round(entries.reduce((n, e) => n + e.fields[1]!.length, 0) / 200));
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

gated(write, noRedis)('--cleanup removes only the entries the run wrote from a stream that already existed', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const prefix = uniquePrefix('wbc');
  try {
    const r0 = await runWriteBench({ redisUrl: (await testRedis())!.url, prefix, count: 1, connections: 1, cleanup: false });
    const [before] = await backend.range(r0.stream, '-', '+');
    const r = await runWriteBench({ redisUrl: (await testRedis())!.url, prefix, count: 150, pipeline: 32, cleanup: true });
    assert.is(r.cleanedUp, true);
    const after = await backend.range(r.stream, '-', '+');
    assert.equal(
      after.map((e) => e.id),
      [before!.id],
    );
    await runWriteBench({ redisUrl: (await testRedis())!.url, prefix, topic: 'bench.fresh', count: 20, cleanup: true });
    assert.is(await backend.streamInfo(`${prefix}:{${prefix}:p0}:topic:bench.fresh`), null, 'a stream the run created is deleted');
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

write('bad options are rejected before anything is written', async () => {
  try {
    await runWriteBench({ redisUrl: 'redis://127.0.0.1:1', prefix: 'x', count: 0 });
    assert.unreachable('count 0 was accepted');
  } catch (err) {
    assert.ok(isBenchOptionError(err));
    assert.is((err as { option: string }).option, 'count');
  }
});

write.run();

const cli = suite('streams-bench CLI');

gated(cli, noRedis)('--count 50 --json prints one JSON result and exits 0', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const prefix = uniquePrefix('wbj');
  try {
    const out = await runBin(['--count', '50', '--json', '--keep', '--prefix', prefix], { REDIS_URL: (await testRedis())!.url });
    assert.is(out.code, 0, out.stderr);
    const r = JSON.parse(out.stdout) as { count: number; stream: string; envelopesPerSec: number; latencyMs: { p50: number; p99: number } };
    assert.is(r.count, 50);
    assert.ok(r.stream.startsWith(`${prefix}:`), 'STREAMS_PREFIX/--prefix is used');
    assert.type(r.latencyMs.p99, 'number');
    assert.is((await backend.streamInfo(r.stream))?.length, 50);
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

gated(cli, await redisSkipReason())('by default it writes under <prefix>-bench and deletes what it wrote; the application prefix is untouched', async () => {
  const backend = await redisBackend();
  if (!backend) throw new Error('the gated suite has a Redis');
  const prefix = uniquePrefix('wbd');
  try {
    const out = await runBin(['--count', '40', '--json'], { REDIS_URL: (await testRedis())!.url, STREAMS_PREFIX: prefix });
    assert.is(out.code, 0, out.stderr);
    const r = JSON.parse(out.stdout) as { stream: string; cleanedUp: boolean };
    assert.ok(r.stream.startsWith(`${prefix}-bench:`), r.stream);
    assert.is(r.cleanedUp, true);
    assert.is(await backend.streamInfo(r.stream), null, 'nothing left behind');
  } finally {
    await deletePrefix(backend, `${prefix}-bench`);
    await backend.close();
  }
});

cli('--count abc and friends: a clear one-line error, exit 2; --help lists the exit codes', async () => {
  const runs = await Promise.all([runBin(['--count', 'abc'], {}), runBin(['--pipeline', '0'], {}), runBin(['--payload-bytes', '1.5'], {})]);
  for (const r of runs) {
    assert.is(r.code, 2, r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.match(runs[0]!.stderr, /^streams-bench: --count must be an integer from 1 to 1000000000, got "abc"/);
  assert.match(runs[1]!.stderr, /--pipeline must be an integer from 1/);
  const help = await runBin(['--help'], {});
  assert.is(help.code, 0);
  assert.match(help.stdout, /Exit 0 when done, 1 when the run failed, 2 on bad flags, 3 when Redis is unreachable/);
  assert.match(help.stdout, /--keep/);
});

cli('a bad flag exits 2 with one line on stderr; an unreachable Redis exits 3', async () => {
  const bad = await runBin(['--count', '10', '--bogus'], {});
  assert.is(bad.code, 2);
  assert.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /bogus/);
  const port = await freePort();
  const down = await runBin(['--count', '10', '--redis-url', `redis://127.0.0.1:${port}`], {});
  assert.is(down.code, 3, down.stderr);
  assert.match(down.stderr, /cannot reach Redis/);
});

cli.run();

const bench = suite('npm run bench machinery');

gated(bench, noRedis)('every scenario runs at a tiny scale, is reported beside its target, and leaves no keys', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  try {
    const report = await runBench({ redisUrl: (await testRedis())!.url, scale: 0.001, log: () => {} });
    assert.equal(report.failed, [], JSON.stringify(report.measurements.filter((m) => m.skipped)));
    assert.equal(
      report.rows.map((r) => r.no),
      ['1', '2', '3', '4', 'R1', 'R2', '5a', '5b', '5c', '5d', '6', '7'],
    );
    const by = new Map(report.measurements.map((m) => [m.id, m]));
    for (const id of [
      'ioredis-pipeline',
      'streams-bench',
      'bullmq',
      'bare-commit',
      'bare-ack',
      'actor-commit',
      'actor-ack',
      'actor-commit-2p',
      'entity-commit',
    ] as const)
      assert.ok(by.get(id)!.throughput!.perSec > 0, id);
    assert.is(by.get('actor-commit')!.throughput!.extra!.outputs, report.plan.actorEnvelopes, 'one output per input');
    assert.is(by.get('actor-commit-2p')!.throughput!.cpu!.length, 2, 'two processes measured');
    // Every Node throughput row reports CPU per envelope; the actor rows a ratio to their bare loop.
    const cpu = buildCpuRows(report.measurements);
    assert.equal(
      cpu.map((r) => r.no),
      ['2', '3', '4', 'R1', 'R2', '5a', '5b', '5c', '5d'],
    );
    assert.match(cpu.find((r) => r.no === '5a')!.ratio, /^Node [\d.]+x, Redis [\d.]+x #R1$/);
    const e2e = by.get('pipeline-latency')!.endToEnd!;
    assert.is(e2e.measured, report.plan.pipelineEnvelopes - report.plan.pipelineWarmup);
    assert.equal(
      e2e.hops!.map((h) => h.latencyMs.count),
      [e2e.measured, e2e.measured, e2e.measured],
      'each hop recorded for every measured envelope',
    );
    assert.ok(by.get('actor-rss')!.rss!.samples.length > 2);
    assert.equal(await backend.scanKeys(`${report.keyPrefix}*`), []);
  } finally {
    await backend.close();
  }
});

const m = (id: Measurement['id'], perSec: number): Measurement => ({ id, settings: '', throughput: { n: 1, durationMs: 1, perSec } });

bench('docs/BENCHMARKS.md carries its own targets (no DESIGN.md outside the repository) and they match TARGETS', async () => {
  const doc = await readFile(fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url)), 'utf8');
  assert.not.match(doc, /DESIGN\.md/);
  assert.match(doc, /## Targets/);
  assert.match(doc, new RegExp(`>= ${TARGETS.writesOfRedisBenchmark * 100} % of redis-benchmark`));
  assert.match(doc, new RegExp(`>= ${TARGETS.actorCommitOfBullmq}x BullMQ`));
  assert.match(doc, new RegExp(`>= ${TARGETS.actorAckOfBullmq}x BullMQ`));
  assert.match(doc, new RegExp(`p99 <= ${TARGETS.pipelineP99Ms} ms`));
  assert.match(doc, new RegExp(`less than ${TARGETS.rssGrowth * 100} %`));
});

bench('verdicts follow the targets', () => {
  const latency = (p99: number): Measurement => ({
    id: 'pipeline-latency',
    settings: '',
    endToEnd: { fed: 1, measured: 1, feedPerSec: 1, latencyMs: { count: 1, mean: 1, p50: 1, p90: 1, p99, max: p99 } },
  });
  const rss = (warmupMb: number, finalMb: number): Measurement => ({
    id: 'actor-rss',
    settings: '',
    rss: { n: 10, durationMs: 1, samples: [], warmupAt: 2, warmupMb, finalMb, slopeMbPer100k: 0, projectedGrowthMb: 0 },
  });
  const verdicts = (ms: Measurement[]): string[] => buildRows(ms).map((r) => `${r.no}:${r.verdict}`);
  assert.equal(
    verdicts([
      m('redis-benchmark', 100_000),
      m('streams-bench', 24_999),
      m('bullmq', 1_000),
      m('actor-commit', 3_000),
      m('actor-ack', 4_999),
      latency(4.9),
      rss(100, 109),
    ]),
    ['1:reference', '3:not met', '4:reference', '5a:met', '5b:not met', '6:met', '7:met'],
  );
  assert.equal(verdicts([m('redis-benchmark', 100_000), m('streams-bench', 25_000), latency(5), rss(100, 111)]), [
    '1:reference',
    '3:met',
    '6:not met',
    '7:not met',
  ]);
  assert.equal(verdicts([m('streams-bench', 50_000), m('actor-commit', 9_000)]), ['3:n/a', '5a:n/a'], 'no reference measured, no verdict');
});

bench('CPU verdicts are ratios to the bare loop of the same run', () => {
  // 1,000 envelopes; Node µs and Redis seconds over the window.
  const withCpu = (id: Measurement['id'], nodeUs: number, redisUs: number): Measurement => ({
    id,
    settings: '',
    throughput: {
      n: 1_000,
      durationMs: 1,
      perSec: 1,
      cpu: [{ nodeUs: nodeUs * 1_000, redisStartSec: 0, redisEndSec: (redisUs * 1_000) / 1e6, startMs: 0, endMs: 1 }],
    },
  });
  const verdicts = (ms: Measurement[]): string[] => buildCpuRows(ms).map((r) => `${r.no}:${r.verdict}`);
  assert.equal(verdicts([withCpu('bare-commit', 10, 10), withCpu('bare-ack', 4, 2), withCpu('actor-commit', 12.9, 11.9), withCpu('actor-ack', 7, 6.1)]), [
    'R1:reference',
    'R2:reference',
    '5a:met',
    '5b:not met',
  ]);
  assert.equal(verdicts([withCpu('bare-commit', 10, 10), withCpu('actor-commit', 13.1, 12)]), ['R1:reference', '5a:not met']);
  assert.equal(verdicts([withCpu('actor-commit', 13, 12)]), ['5a:n/a'], 'no bare loop measured, no verdict');
  const [row] = buildCpuRows([withCpu('actor-commit', 13, 12)]);
  assert.is(row!.nodeUs, '13.0');
  assert.is(row!.redisUs, '12.0');
});

bench.run();

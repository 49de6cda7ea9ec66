/**
 * Stale must mean stale: a graceful stop removes the runtime's consumers (their PELs are empty),
 * and new work arriving seconds later must not make streams-health call the group stale or
 * `--fail-on-stale` exit 1 (every deploy would page someone). Real runtime, real Redis, the real
 * command as a child process.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import type { HealthReport } from '../src/cli/health/collect.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { createKeys } from '../src/streams/keys.js';
import { jsonOf, runCli } from './support/cli.js';
import { capturingLogger } from './support/quiet-logger.js';
import { deletePrefix, redisBackend, testRedis, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

const s = suite('streams-health after a graceful stop (real Redis)');

gated(s, await redisSkipReason())('the stopped group has lag and no consumer, yet is not stale and --fail-on-stale exits 0', async () => {
  const backend = await redisBackend();
  if (!backend) throw new Error('the gated suite has a Redis');
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('stale');
  const keys = createKeys(prefix);
  const stream = keys.topic('job.created');
  const job = (i: number) => ({ stream, fields: encodeEnvelope(createEnvelope({ type: 'job.created', payload: { i } })) });
  try {
    const relay = defineActor({ name: 'relay', consumes: ['job.created'], emits: ['job.done'], handle: (e, ctx) => [ctx.derive('job.done', e.payload)] });
    const runtime = new ActorRuntime([relay], {
      backend,
      keys,
      consumer: 'deploy-0',
      logger: capturingLogger().logger,
      options: { blockMs: 100, trimIntervalMs: 0 },
    });
    await runtime.start();
    await backend.appendMany([job(1), job(2)]);
    await waitFor('2 outputs', async () => (await backend.range(keys.topic('job.done'), '-', '+')).length === 2, 10_000);
    await runtime.stop();
    assert.equal(await backend.consumers(stream, 'relay'), [], 'the graceful stop removed its consumer');
    // The deploy's new process is not up yet; work keeps arriving.
    await backend.appendMany([job(3), job(4)]);

    const run = await runCli('streams-health', ['--redis-url', url, '--prefix', prefix, '--json', '--fail-on-stale']);
    assert.is(run.code, 0, run.stdout + run.stderr);
    const report = jsonOf<HealthReport>(run);
    const g = report.streams.find((x) => x.key === stream)!.groups.find((x) => x.name === 'relay')!;
    assert.is(g.lag, 2);
    assert.is(g.stale, false);
    assert.equal(report.problems, []);

    // The same state is stale once the work has waited past the window.
    const strict = await runCli('streams-health', ['--redis-url', url, '--prefix', prefix, '--json', '--fail-on-stale', '--stale-after', '1ms']);
    assert.is(strict.code, 1, strict.stdout + strict.stderr);
    assert.ok(jsonOf<HealthReport>(strict).problems.some((p) => p.check === 'stale-group'));
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s.run();

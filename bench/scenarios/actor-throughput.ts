/** #5: one actor draining pre-loaded envelopes (fed by the bench, consumed in worker processes). */
import { createKeys } from '../../src/streams/keys.js';
import { BenchWorker } from '../child.js';
import { feedEnvelopes } from '../feed.js';
import type { Measurement, Throughput } from '../types.js';
import type { ActorThroughputParams } from '../workers/actor-throughput.js';
import type { BareLoopParams } from '../workers/bare-loop.js';
import { fmt, workerOptions, type ScenarioContext } from './context.js';

/** Starts workers, waits until all are ready, lets them go at once, and merges their results. */
async function runTogether(workers: BenchWorker[]): Promise<Throughput> {
  await Promise.all(workers.map((w) => w.next('ready')));
  for (const w of workers) w.send({ type: 'go' });
  const results = await Promise.all(workers.map((w) => w.result<Throughput>()));
  if (results.length === 1) return results[0]!;
  // Several processes on one stream: the rate is all envelopes over the span from the first start to the last end.
  const cpu = results.flatMap((r) => r.cpu ?? []);
  const n = results[0]!.n;
  const durationMs = Math.max(...cpu.map((c) => c.endMs)) - Math.min(...cpu.map((c) => c.startMs));
  return { n, durationMs, perSec: (n * 1000) / durationMs, cpu, extra: { ...results[0]!.extra, processes: results.length } };
}

/** #5: pre-loads N envelopes, then one actor drains them (`commit`: one output each; `ack`: none), in `processes` processes (slots 0, 1, ...). */
export async function measureActorThroughput(ctx: ScenarioContext, mode: 'commit' | 'ack', processes = 1): Promise<Measurement> {
  const { plan } = ctx;
  const topic = 'bench.in';
  const payload = 'x'.repeat(plan.payloadBytes);
  ctx.log(`  pre-loading ${fmt(plan.actorEnvelopes)} envelopes`);
  const lastId = await feedEnvelopes(ctx.admin, createKeys(ctx.prefix).topic(topic), topic, plan.actorEnvelopes, () => payload);
  const base: ActorThroughputParams = {
    redisUrl: ctx.redisUrl,
    prefix: ctx.prefix,
    topic,
    outTopic: 'bench.out',
    count: plan.actorEnvelopes,
    lastId,
    mode,
    batchSize: plan.actorBatchSize,
  };
  const workers = Array.from({ length: processes }, (_, slot) =>
    BenchWorker.start('actor-throughput', { ...base, consumer: `bench-${slot}` }, ctx.cleanup, workerOptions(ctx)),
  );
  const throughput = await runTogether(workers);
  const outputs = mode === 'commit' ? ((await ctx.admin.streamInfo(createKeys(ctx.prefix).topic('bench.out')))?.length ?? 0) : 0;
  if (mode === 'commit' && outputs !== plan.actorEnvelopes) throw new Error(`expected ${plan.actorEnvelopes} outputs, found ${outputs}`);
  const what = mode === 'commit' ? 'consume -> derive one output -> atomic commit (outputs + ack + marker)' : 'consume -> ack only (commit with no outputs)';
  const id = processes > 1 ? 'actor-commit-2p' : mode === 'commit' ? 'actor-commit' : 'actor-ack';
  const who = processes > 1 ? `${processes} processes of the same actor (consumers bench-0..${processes - 1}) on one stream, ` : '';
  return { id, settings: `${who}${fmt(plan.actorEnvelopes)} pre-loaded envelopes, batchSize ${plan.actorBatchSize}, ${what}`, throughput };
}

/** The bare reference loops: the same pre-loaded envelopes drained by hand-written ioredis code. */
export async function measureBareLoop(ctx: ScenarioContext, mode: 'commit' | 'ack'): Promise<Measurement> {
  const { plan } = ctx;
  const keys = createKeys(ctx.prefix);
  const topic = 'bench.in';
  ctx.log(`  pre-loading ${fmt(plan.actorEnvelopes)} envelopes`);
  await feedEnvelopes(ctx.admin, keys.topic(topic), topic, plan.actorEnvelopes, () => 'x'.repeat(plan.payloadBytes));
  const params: BareLoopParams = {
    redisUrl: ctx.redisUrl,
    input: keys.topic(topic),
    output: keys.topic('bench.out'),
    markerPrefix: `${ctx.prefix}:m:`,
    group: 'bare',
    count: plan.actorEnvelopes,
    batchSize: plan.actorBatchSize,
    mode,
    markerTtlMs: 7 * 24 * 3600_000,
  };
  const throughput = await runTogether([BenchWorker.start('bare-loop', params, ctx.cleanup, workerOptions(ctx))]);
  const what =
    mode === 'commit'
      ? 'XREADGROUP, JSON.parse + one derived JSON.stringify per entry, one script per batch: SET NX PX + XADD + XACK per entry'
      : 'XREADGROUP, JSON.parse per entry, one XACK per batch';
  return {
    id: mode === 'commit' ? 'bare-commit' : 'bare-ack',
    settings: `${fmt(plan.actorEnvelopes)} pre-loaded envelopes, COUNT ${plan.actorBatchSize}, ${what}`,
    throughput,
  };
}

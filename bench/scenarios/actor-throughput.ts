/** #5: one actor draining pre-loaded envelopes (fed by the bench, consumed in a worker process). */
import { createKeys } from '../../src/streams/keys.js';
import { BenchWorker } from '../child.js';
import { feedEnvelopes } from '../feed.js';
import type { Measurement, Throughput } from '../types.js';
import type { ActorThroughputParams } from '../workers/actor-throughput.js';
import { fmt, workerOptions, type ScenarioContext } from './context.js';

/** #5: pre-loads N envelopes, then one actor drains them (`commit`: one output each; `ack`: none). */
export async function measureActorThroughput(ctx: ScenarioContext, mode: 'commit' | 'ack'): Promise<Measurement> {
  const { plan } = ctx;
  const topic = 'bench.in';
  const payload = 'x'.repeat(plan.payloadBytes);
  ctx.log(`  pre-loading ${fmt(plan.actorEnvelopes)} envelopes`);
  const lastId = await feedEnvelopes(ctx.admin, createKeys(ctx.prefix).topic(topic), topic, plan.actorEnvelopes, () => payload);
  const params: ActorThroughputParams = { redisUrl: ctx.redisUrl, prefix: ctx.prefix, topic, outTopic: 'bench.out', count: plan.actorEnvelopes, lastId, mode, batchSize: plan.actorBatchSize };
  const throughput = await BenchWorker.start('actor-throughput', params, ctx.cleanup, workerOptions(ctx)).result<Throughput>();
  if (mode === 'commit' && throughput.extra?.outputs !== plan.actorEnvelopes) throw new Error(`expected ${plan.actorEnvelopes} outputs, found ${String(throughput.extra?.outputs)}`);
  const what = mode === 'commit' ? 'consume -> derive one output -> atomic commit (outputs + ack + marker)' : 'consume -> ack only (commit with no outputs)';
  return { id: mode === 'commit' ? 'actor-commit' : 'actor-ack', settings: `${fmt(plan.actorEnvelopes)} pre-loaded envelopes, batchSize ${plan.actorBatchSize}, ${what}`, throughput };
}

/** The entity row (#5d): like #5a, but the actor is an event-sourced entity over 1,000 ids. */
import { createKeys } from '../../src/streams/keys.js';
import { BenchWorker } from '../child.js';
import { feedEnvelopes } from '../feed.js';
import type { Measurement, Throughput } from '../types.js';
import type { ActorThroughputParams } from '../workers/actor-throughput.js';
import { fmt, workerOptions, type ScenarioContext } from './context.js';

/** Entity ids the pre-loaded envelopes are spread over. */
const ENTITIES = 1_000;

/** Pre-loads N envelopes, then one entity process drains them; every input is one event and one snapshot write. */
export async function measureEntityThroughput(ctx: ScenarioContext): Promise<Measurement> {
  const { plan } = ctx;
  const topic = 'bench.in';
  const pad = 'x'.repeat(Math.max(0, plan.payloadBytes - 40));
  ctx.log(`  pre-loading ${fmt(plan.actorEnvelopes)} envelopes over ${fmt(ENTITIES)} entities`);
  const lastId = await feedEnvelopes(ctx.admin, createKeys(ctx.prefix).topic(topic), topic, plan.actorEnvelopes, (seq) => ({
    id: `e-${seq % ENTITIES}`,
    seq,
    pad,
  }));
  const params: ActorThroughputParams = {
    redisUrl: ctx.redisUrl,
    prefix: ctx.prefix,
    topic,
    outTopic: 'bench.out',
    count: plan.actorEnvelopes,
    lastId,
    mode: 'commit',
    batchSize: plan.actorBatchSize,
    consumer: 'bench-0',
  };
  const worker = BenchWorker.start('entity-throughput', params, ctx.cleanup, workerOptions(ctx));
  await worker.next('ready');
  worker.send({ type: 'go' });
  const throughput = await worker.result<Throughput>();
  const events = Number(throughput.extra?.events ?? 0);
  if (events !== plan.actorEnvelopes) throw new Error(`expected ${plan.actorEnvelopes} events on the entity log, found ${events}`);
  return {
    id: 'entity-commit',
    settings: `${fmt(plan.actorEnvelopes)} pre-loaded envelopes over ${fmt(ENTITIES)} entity ids, batchSize ${plan.actorBatchSize}: decide -> one event -> evolve; commit writes the event downstream and to the entity log, the snapshot (version-guarded), ack and marker`,
    throughput,
  };
}

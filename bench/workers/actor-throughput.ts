/**
 * #5: one actor drains N pre-loaded envelopes, batchSize 256. `commit`: each input yields one
 * derived output, committed with the ack and the idempotency marker in one atomic step per batch.
 * `ack`: the handler returns nothing (the commit still acks and marks). Timed from runtime.start()
 * until the group has delivered the last entry and nothing is pending.
 */
import { defineActor } from '../../src/actors/define.js';
import { createKeys } from '../../src/streams/keys.js';
import { RedisStreamBackend } from '../../src/streams/redis-backend.js';
import type { Throughput } from '../types.js';
import type { Channel } from './ipc.js';
import { CpuMeter } from './meter.js';
import { benchRuntime, waitUntilConsumed } from './runtime.js';

/** Parameters from the bench. */
export interface ActorThroughputParams {
  redisUrl: string;
  prefix: string;
  topic: string;
  outTopic: string;
  count: number;
  /** Id of the last pre-loaded entry. */
  lastId: string;
  mode: 'commit' | 'ack';
  batchSize: number;
  /** Consumer name (one per process when several run the same actor); default bench-0. */
  consumer?: string;
}

/** Name (and group) of the measured actor. */
export const BENCH_ACTOR = 'bench-actor';

/** Builds the actor, posts 'ready', starts it on 'go', waits until the group has drained the topic, stops it. */
export async function run(p: ActorThroughputParams, channel: Channel): Promise<Throughput> {
  const keys = createKeys(p.prefix);
  const input = keys.topic(p.topic);
  const actor = defineActor({
    name: BENCH_ACTOR,
    consumes: [p.topic],
    emits: p.mode === 'commit' ? [p.outTopic] : [],
    batchSize: p.batchSize,
    handle: p.mode === 'commit' ? (env, ctx) => [ctx.derive(p.outTopic, env.payload)] : () => [],
  });
  const watcher = new RedisStreamBackend({ url: p.redisUrl });
  await watcher.connect();
  const meter = new CpuMeter(p.redisUrl);
  await meter.connect();
  const bench = await benchRuntime([actor], p.redisUrl, p.prefix, {}, p.consumer);
  try {
    channel.post({ type: 'ready' });
    await channel.next('go');
    await meter.start();
    const started = performance.now();
    await bench.runtime.start();
    await waitUntilConsumed(watcher, input, BENCH_ACTOR, p.lastId, 'actor');
    const durationMs = performance.now() - started;
    await bench.close();
    const cpu = await meter.stop();
    const outputs = p.mode === 'commit' ? ((await watcher.streamInfo(keys.topic(p.outTopic)))?.length ?? 0) : 0;
    return { n: p.count, durationMs, perSec: (p.count * 1000) / durationMs, extra: { outputs }, cpu: [cpu] };
  } finally {
    await bench.close();
    await watcher.close();
  }
}

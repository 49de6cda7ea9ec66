/**
 * The entity row: an event-sourced entity drains N pre-loaded envelopes spread over 1,000 entity
 * ids. Per input: its state is looked up (LRU, snapshots loaded in one round trip per batch for
 * the misses), decide returns one event, evolve folds it, and the commit writes the event
 * downstream and to the entity log plus the entity's snapshot (guarded by its version), with the
 * ack and the marker: one snapshot per commit item. Timed like #5a, from start to drained.
 */
import { defineEntity } from '../../src/actors/entity/define.js';
import { createKeys } from '../../src/streams/keys.js';
import { RedisStreamBackend } from '../../src/streams/redis-backend.js';
import type { Throughput } from '../types.js';
import type { ActorThroughputParams } from './actor-throughput.js';
import type { Channel } from './ipc.js';
import { CpuMeter } from './meter.js';
import { benchRuntime, waitUntilConsumed } from './runtime.js';

/** Name (and group) of the measured entity. */
export const BENCH_ENTITY = 'bench-entity';

/** Builds the entity, posts 'ready', starts it on 'go', waits until drained, stops it. */
export async function run(p: ActorThroughputParams, channel: Channel): Promise<Throughput> {
  const keys = createKeys(p.prefix);
  const input = keys.topic(p.topic);
  const entity = defineEntity<{ n: number; last: number }>({
    name: BENCH_ENTITY,
    consumes: [p.topic],
    emits: [p.outTopic],
    batchSize: p.batchSize,
    entityId: (env) => (env.payload as { id: string }).id,
    initialState: { n: 0, last: -1 },
    decide: (_s, env) => [{ type: p.outTopic, payload: { seq: (env.payload as { seq: number }).seq } }],
    evolve: (s, ev) => ({ n: s.n + 1, last: (ev.payload as { seq: number }).seq }),
  });
  const watcher = new RedisStreamBackend({ url: p.redisUrl });
  await watcher.connect();
  const meter = new CpuMeter(p.redisUrl);
  await meter.connect();
  const bench = await benchRuntime([entity], p.redisUrl, p.prefix, {}, p.consumer);
  try {
    channel.post({ type: 'ready' });
    await channel.next('go');
    await meter.start();
    const started = performance.now();
    await bench.runtime.start();
    await waitUntilConsumed(watcher, input, BENCH_ENTITY, p.lastId, 'entity');
    const durationMs = performance.now() - started;
    await bench.close();
    const cpu = await meter.stop();
    const events = (await watcher.streamInfo(keys.entityLog(BENCH_ENTITY)))?.length ?? 0;
    const snapshots = (await watcher.scanKeys(keys.snapshotPattern(BENCH_ENTITY))).length;
    return {
      n: p.count,
      durationMs,
      perSec: (p.count * 1000) / durationMs,
      extra: { outputs: (await watcher.streamInfo(keys.topic(p.outTopic)))?.length ?? 0, events, snapshots },
      cpu: [cpu],
    };
  } finally {
    await bench.close();
    await watcher.close();
  }
}

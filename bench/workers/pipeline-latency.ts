/**
 * #6: three actors in one process, stage-1 (bench.s0 -> bench.s1) -> stage-2 (-> bench.s2) ->
 * stage-3, each committing effectively-once. The bench feeds bench.s0 at a fixed rate; stage-3's
 * handler records now - t0, where t0 is the instant the bench created the first envelope (carried
 * in the payload with sub-millisecond precision; createdAt keeps only milliseconds).
 */
import { defineActor } from '../../src/actors/define.js';
import { LatencyRecorder } from '../../src/cli/bench/latency.js';
import type { EndToEnd } from '../types.js';
import type { Channel } from './ipc.js';
import { benchRuntime, preciseNow, sleep } from './runtime.js';

const STALL_MS = 30_000;

/** Parameters from the bench. */
export interface PipelineLatencyParams {
  redisUrl: string;
  prefix: string;
  count: number;
  /** Envelopes with seq below this are not recorded (JIT and connection warm-up). */
  warmup: number;
}

/** What the bench puts in each fed envelope. */
export interface LatencyPayload {
  seq: number;
  t0: number;
  data: string;
  /** When stage-1's and stage-2's handlers saw it (per-hop latency). */
  t1?: number;
  t2?: number;
}

/** Names of the hops recorded beside the end-to-end latency. */
export const HOPS = ['feed -> stage-1 handler', 'stage-1 -> stage-2 handler', 'stage-2 -> stage-3 handler'] as const;

/** Topics of the three stages' inputs. */
export const PIPELINE_TOPICS = ['bench.s0', 'bench.s1', 'bench.s2'] as const;

/** Runs the pipeline until stage-3 has seen `count` envelopes; posts 'ready' once the actors read. */
export async function run(p: PipelineLatencyParams, channel: Channel): Promise<Omit<EndToEnd, 'feedPerSec'>> {
  const [s0, s1, s2] = PIPELINE_TOPICS;
  const latency = new LatencyRecorder();
  const hops = HOPS.map(() => new LatencyRecorder());
  // A hop's time: from the previous handler (or the feeder) seeing the envelope to this handler seeing it.
  const hop = (i: number, payload: LatencyPayload, from: number | undefined, now: number): void => {
    if (payload.seq >= p.warmup && from !== undefined) hops[i]!.record(now - from);
  };
  let seen = 0;
  let allSeen!: () => void;
  const done = new Promise<void>((r) => (allSeen = r));
  const stages = [
    defineActor({
      name: 'stage-1',
      consumes: [s0],
      emits: [s1],
      handle: (env, ctx) => {
        const payload = env.payload as LatencyPayload;
        const now = preciseNow();
        hop(0, payload, payload.t0, now);
        return [ctx.derive(s1, { ...payload, t1: now })];
      },
    }),
    defineActor({
      name: 'stage-2',
      consumes: [s1],
      emits: [s2],
      handle: (env, ctx) => {
        const payload = env.payload as LatencyPayload;
        const now = preciseNow();
        hop(1, payload, payload.t1, now);
        return [ctx.derive(s2, { ...payload, t2: now })];
      },
    }),
    defineActor({
      name: 'stage-3',
      consumes: [s2],
      handle: (env) => {
        const payload = env.payload as LatencyPayload;
        const now = preciseNow();
        hop(2, payload, payload.t2, now);
        if (payload.seq >= p.warmup) latency.record(now - payload.t0);
        seen += 1;
        if (seen >= p.count) allSeen();
        return [];
      },
    }),
  ];
  const bench = await benchRuntime(stages, p.redisUrl, p.prefix);
  try {
    await bench.runtime.start();
    channel.post({ type: 'ready' });
    // Once everything is fed, whatever has not arrived within STALL_MS is not coming.
    const stalled = channel
      .next('fed')
      .then(() => sleep(STALL_MS))
      .then(() => 'stalled' as const);
    if ((await Promise.race([done, stalled])) === 'stalled')
      throw new Error(`stage-3 saw ${seen} of ${p.count} envelopes ${STALL_MS} ms after the last was fed`);
    return { fed: p.count, measured: latency.count, latencyMs: latency.summary(), hops: HOPS.map((name, i) => ({ name, latencyMs: hops[i]!.summary() })) };
  } finally {
    latency.destroy();
    for (const h of hops) h.destroy();
    await bench.close();
  }
}

/** How much each scenario measures: the defaults of `npm run bench`, scaled by BENCH_SCALE. */

/** Every scenario of the benchmark run, in the order they run and are reported. */
export const SCENARIO_IDS = [
  'redis-benchmark',
  'ioredis-pipeline',
  'streams-bench',
  'bullmq',
  'bare-commit',
  'bare-ack',
  'actor-commit',
  'actor-ack',
  'actor-commit-2p',
  'entity-commit',
  'pipeline-latency',
  'actor-rss',
] as const;

/** One scenario of the run. */
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** Sizes and settings of one run. */
export interface BenchPlan {
  scale: number;
  /** Payload of every message: redis-benchmark's value, the ioredis XADD value, the envelopes' payload, BullMQ's job data. */
  payloadBytes: number;
  /** Pipeline depth: XADDs per pipeline, envelopes per appendMany. */
  pipeline: number;
  /** redis-benchmark clients (its default, the reference figure in docs/BENCHMARKS.md). */
  redisBenchmarkClients: number;
  /** Connections of the bare ioredis writer and of streams-bench. */
  writeConnections: number;
  /** Messages of #1, #2 and #3. */
  writes: number;
  /** Jobs of #4 (BullMQ): the same number as the actor consumes. */
  bullmqJobs: number;
  /** BullMQ worker concurrency. */
  bullmqConcurrency: number;
  /** Envelopes pre-loaded and consumed by #5. */
  actorEnvelopes: number;
  /** Entries per XREADGROUP of the #5 and #7 actors. */
  actorBatchSize: number;
  /** #6: envelopes fed at `pipelineRate` per second, and the first `pipelineWarmup` left out of the percentiles. */
  pipelineEnvelopes: number;
  pipelineRate: number;
  pipelineWarmup: number;
  /** #7: envelopes consumed, and how often RSS is sampled. */
  rssEnvelopes: number;
  rssSampleEvery: number;
}

/** The unscaled plan: sized so the whole run stays well under 10 minutes on 2 cores. */
export const DEFAULT_BENCH_PLAN: Readonly<BenchPlan> = Object.freeze({
  scale: 1,
  payloadBytes: 400,
  pipeline: 64,
  redisBenchmarkClients: 50,
  writeConnections: 4,
  writes: 200_000,
  bullmqJobs: 200_000,
  bullmqConcurrency: 100,
  actorEnvelopes: 200_000,
  actorBatchSize: 256,
  pipelineEnvelopes: 11_000,
  pipelineRate: 1_000,
  pipelineWarmup: 1_000,
  rssEnvelopes: 1_000_000,
  rssSampleEvery: 50_000,
});

/** Reads BENCH_SCALE (a positive number; 1 when unset); throws a one-line error when it is not usable. */
export function scaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_SCALE;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 100) throw new RangeError(`BENCH_SCALE must be a number in (0, 100], got "${raw}"`);
  return n;
}

/** The plan with every count multiplied by `scale` (rates, depths and sizes stay). */
export function benchPlan(scale = 1): BenchPlan {
  const d = DEFAULT_BENCH_PLAN;
  const n = (v: number, min = 10): number => Math.max(min, Math.round(v * scale));
  const pipelineEnvelopes = n(d.pipelineEnvelopes, 20);
  const rssEnvelopes = n(d.rssEnvelopes, 100);
  return {
    ...d,
    scale,
    writes: n(d.writes),
    bullmqJobs: n(d.bullmqJobs),
    actorEnvelopes: n(d.actorEnvelopes),
    pipelineEnvelopes,
    pipelineWarmup: Math.min(d.pipelineWarmup, Math.floor(pipelineEnvelopes / 10)),
    rssEnvelopes,
    rssSampleEvery: Math.max(1, Math.round(rssEnvelopes / 20)),
  };
}

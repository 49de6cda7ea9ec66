/** Shapes measured by the workers and reported by the run. */
import type { LatencySummary } from '../src/cli/bench/latency.js';
import type { ScenarioId } from './plan.js';
import type { CpuWindow } from './workers/meter.js';

/** A rate measurement: n items in durationMs. */
export interface Throughput {
  n: number;
  durationMs: number;
  perSec: number;
  /** Per-batch (or per-message) latency where the scenario records it. */
  latencyMs?: LatencySummary;
  /** Other figures worth printing (entry size, add rate, outputs written, ...). */
  extra?: Record<string, number | string>;
  /** CPU of the measured window, one per process doing the work (Redis's is shared). */
  cpu?: CpuWindow[];
}

/** CPU per envelope of a throughput row, from its CPU windows. */
export interface CpuPerEnvelope {
  nodeUs: number;
  redisUs: number;
}

/** Node CPU summed over the processes, Redis CPU from the earliest start to the latest end, both per item. */
export function cpuPerEnvelope(t: Throughput | undefined): CpuPerEnvelope | null {
  if (!t?.cpu?.length || t.n <= 0) return null;
  const node = t.cpu.reduce((a, w) => a + w.nodeUs, 0);
  const redisSec = Math.max(...t.cpu.map((w) => w.redisEndSec)) - Math.min(...t.cpu.map((w) => w.redisStartSec));
  return { nodeUs: node / t.n, redisUs: (redisSec * 1e6) / t.n };
}

/** End-to-end latency of the envelopes after the warm-up. */
export interface EndToEnd {
  fed: number;
  measured: number;
  latencyMs: LatencySummary;
  /** Rate actually achieved by the feeder. */
  feedPerSec: number;
  /** Per hop: from the handler of one stage (or the feeder) to the handler of the next. */
  hops?: { name: string; latencyMs: LatencySummary }[];
}

/** One RSS sample of the actor process. */
export interface RssSample {
  processed: number;
  rssMb: number;
  heapUsedMb: number;
}

/** RSS across the run. */
export interface RssProfile {
  n: number;
  durationMs: number;
  samples: RssSample[];
  /** Where the warm-up ends (the first sample at 20 % of the run). */
  warmupAt: number;
  /** Median RSS of the samples from 20 % to 40 % of the run. */
  warmupMb: number;
  /** Median RSS of the samples of the last 20 %. */
  finalMb: number;
  /** Least-squares slope of RSS from the warm-up on, and the growth it projects over that span. */
  slopeMbPer100k: number;
  projectedGrowthMb: number;
}

/** What one scenario produced (or why it did not). */
export interface Measurement {
  id: ScenarioId;
  /** How it was run, in a few words (counts, depths, concurrency). */
  settings: string;
  throughput?: Throughput;
  endToEnd?: EndToEnd;
  rss?: RssProfile;
  /** Set when the scenario could not run (e.g. redis-benchmark missing) or failed. */
  skipped?: string;
  /** Cores' worth of CPU other processes on the machine used meanwhile (Linux; 0 when unknown). */
  foreignCores?: number;
}

/**
 * Options of a chaos run, their defaults (scale 1: the bounded run inside `npm test`) and the
 * one place CHAOS_SCALE and CHAOS_SEED are turned into options.
 */
import { randomSeed } from './prng.js';

/** How big and how violent a chaos run is. */
export interface ChaosOptions {
  /** Redis to run on (each run uses its own key prefix). */
  redisUrl: string;
  /** Redis Cluster seed nodes (host:port); when set, every process talks to the cluster (P = 1: one slot). */
  clusterNodes?: string[];
  /** Key prefix of this run. */
  prefix: string;
  /** Seed of the schedule (kills, pauses, poison); printed at start. */
  seed: number;
  /** Inputs fed to the first topic. */
  envelopes: number;
  /** The feed is spread over this long; kills happen during it. */
  durationMs: number;
  /** Inputs appended per producer round trip. */
  feedBatch: number;
  /** Mean time between two SIGKILLs (exponential gaps); 0: no kills. */
  killEveryMs: number;
  /** A killed process comes back after a pause drawn uniformly from this range. */
  restartPauseMs: readonly [number, number];
  processesPerStage: number;
  /** Inputs that throw PermanentError at a random stage (DLQ reason handler-error). */
  permanentPoison: number;
  /** Inputs that crash the process at a random stage on every delivery (DLQ reason poison). */
  crashPoison: number;
  /** Inputs that fail once at a random stage and then pass (retried, not dead-lettered). */
  flaky: number;
  /** Inputs whose handler at a random stage takes slowMs (leases must keep peers off them). */
  slow: number;
  /** Duration of a slow handler (default 3x claimIdleMs). */
  slowMs: number;
  /** External `XTRIM MAXLEN 0` of a random stage's input stream during the feed: entries not yet delivered become a reported gap. */
  externalTrims: number;
  /** Stage actor tuning. */
  batchSize: number;
  concurrency: number;
  claimIdleMs: number;
  heartbeatMs: number;
  maxDeliveries: number;
  workMs: number;
  /** Safe trim period of the stage processes (0: off). */
  trimIntervalMs: number;
  /** Give up waiting for the drain after this long. */
  drainTimeoutMs: number;
  /** SIGKILL + restart of Redis during the feed (needs a restartRedis hook). */
  redisRestarts: number;
  /** Delete the run's keys afterwards. */
  cleanup: boolean;
}

/** Scale-1 defaults: about 2,000 inputs in 6 s with a kill every 0.7 s on average. */
export const DEFAULT_CHAOS_OPTIONS: Readonly<Omit<ChaosOptions, 'redisUrl' | 'prefix' | 'seed'>> = Object.freeze({
  envelopes: 2_000,
  durationMs: 6_000,
  feedBatch: 50,
  killEveryMs: 700,
  restartPauseMs: Object.freeze([100, 1_500]) as readonly [number, number],
  processesPerStage: 2,
  permanentPoison: 3,
  crashPoison: 1,
  flaky: 10,
  slow: 3,
  slowMs: 4_500,
  externalTrims: 1,
  batchSize: 32,
  concurrency: 8,
  claimIdleMs: 1_500,
  heartbeatMs: 500,
  maxDeliveries: 4,
  workMs: 0,
  trimIntervalMs: 1_000,
  drainTimeoutMs: 60_000,
  redisRestarts: 0,
  cleanup: true,
});

/** Counts and durations multiplied by `scale` (crash poison grows slowly: each costs several restarts). */
export function scaledOptions(scale: number): Partial<ChaosOptions> {
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`CHAOS_SCALE must be a positive number, got ${scale}`);
  const d = DEFAULT_CHAOS_OPTIONS;
  return {
    envelopes: Math.max(100, Math.round(d.envelopes * scale)),
    durationMs: Math.max(2_000, Math.round(d.durationMs * scale)),
    permanentPoison: Math.max(1, Math.round(d.permanentPoison * scale)),
    crashPoison: Math.max(1, Math.round(1 + scale / 5)),
    flaky: Math.max(1, Math.round(d.flaky * scale)),
    drainTimeoutMs: Math.max(d.drainTimeoutMs, Math.round(d.drainTimeoutMs * Math.sqrt(scale))),
  };
}

/** Reads CHAOS_SCALE and CHAOS_SEED (the only environment the chaos suite reads). */
export function chaosEnv(env: NodeJS.ProcessEnv, defaultScale: number): { scale: number; seed: number } {
  const scale = env.CHAOS_SCALE ? Number(env.CHAOS_SCALE) : defaultScale;
  const seed = env.CHAOS_SEED ? Number(env.CHAOS_SEED) : randomSeed();
  if (!Number.isInteger(seed)) throw new RangeError(`CHAOS_SEED must be an integer, got ${env.CHAOS_SEED}`);
  return { scale, seed };
}

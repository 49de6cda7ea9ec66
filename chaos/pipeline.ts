/**
 * The chaos pipeline: chaos.a -> s1 -> chaos.b -> s2 -> chaos.c -> s3 -> chaos.done. Each stage
 * copies its input's payload into a derived envelope for the next topic, unless the payload names
 * a fault for this stage: a permanent error (dead-lettered as `handler-error`), a crash of the
 * whole process on every delivery (dead-lettered as `poison` once delivered past maxDeliveries),
 * a transient error on the first attempt only (retried, then it flows on), or a slow handler (3x
 * claimIdleMs: its lease must keep peers off it, and it flows on once).
 */
import { defineActor } from '../src/actors/define.js';
import { PermanentError } from '../src/actors/errors.js';
import type { ActorDefinition } from '../src/actors/types.js';

/** Names of the three stages, in flow order. */
export const STAGES = ['s1', 's2', 's3'] as const;

/** One stage's name. */
export type StageName = (typeof STAGES)[number];

/** Topics in flow order: stage i reads TOPICS[i] and writes TOPICS[i + 1]. */
export const TOPICS = ['chaos.a', 'chaos.b', 'chaos.c', 'chaos.done'] as const;

/** The topic the driver feeds. */
export const INPUT_TOPIC = TOPICS[0];

/** The topic holding one final output per good input. */
export const FINAL_TOPIC = TOPICS[3];

/** What a fault does when it reaches its stage. */
export type FaultKind = 'permanent' | 'crash' | 'flaky' | 'slow';

/** Payload of every chaos envelope. */
export interface ChaosPayload {
  /** Input number (the correlationId is `in-<i>`). */
  i: number;
  fault?: { kind: FaultKind; stage: StageName };
}

/** Topic a stage consumes. */
export function inputTopicOf(stage: StageName): string {
  return TOPICS[STAGES.indexOf(stage)]!;
}

/** Topic a stage emits. */
export function outputTopicOf(stage: StageName): string {
  return TOPICS[STAGES.indexOf(stage) + 1]!;
}

/** True when a string names a stage. */
export function isStageName(s: string | undefined): s is StageName {
  return (STAGES as readonly string[]).includes(s ?? '');
}

/** Correlation id of input number i. */
export function correlationOf(i: number): string {
  return `in-${i}`;
}

/** Tuning of a stage actor (the chaos run shortens the reclaim and heartbeat periods). */
export interface StageActorOptions {
  batchSize: number;
  concurrency: number;
  claimIdleMs: number;
  heartbeatMs: number;
  maxDeliveries: number;
  /** Simulated work per envelope, in ms (0: none). */
  workMs: number;
  /** How long the slow fault's handler takes, in ms. */
  slowMs: number;
  /** Ends the process at once (process.exit in the stage process); never returns. */
  crash: () => never;
}

/** The actor of one stage. */
export function stageActor(stage: StageName, o: StageActorOptions): ActorDefinition {
  const next = outputTopicOf(stage);
  return defineActor({
    name: stage,
    consumes: [inputTopicOf(stage)],
    emits: [next],
    batchSize: o.batchSize,
    concurrency: o.concurrency,
    claimIdleMs: o.claimIdleMs,
    heartbeatMs: o.heartbeatMs,
    maxDeliveries: o.maxDeliveries,
    maxAttempts: 3,
    backoff: { initialMs: 50, maxMs: 500, multiplier: 2, jitter: 0.2 },
    handle: async (env, ctx) => {
      const p = env.payload as ChaosPayload;
      if (p.fault?.stage === stage) {
        if (p.fault.kind === 'permanent') throw new PermanentError(`chaos: input ${p.i} is permanent poison for ${stage}`);
        if (p.fault.kind === 'crash') o.crash();
        if (p.fault.kind === 'flaky' && env.attempt === 1) throw new Error(`chaos: transient failure of input ${p.i} in ${stage}`);
        if (p.fault.kind === 'slow') await new Promise((r) => setTimeout(r, o.slowMs));
      }
      if (o.workMs > 0) await new Promise((r) => setTimeout(r, o.workMs));
      return [ctx.derive(next, p)];
    },
  });
}

import type { BoundActorMetrics } from '../../monitoring/metrics.js';
import type { CustomMetrics, Logger } from '../../monitoring/types.js';
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import type { WritablePersistence } from '../../persistence/writer.js';
import type { CommitItem, StreamBackend } from '../../streams/backend.js';
import type { Clock } from '../../streams/clock.js';
import type { Keys } from '../../streams/keys.js';
import type { ActorDefinition, EntityBatchHook } from '../types.js';
import type { DeadLetterReason } from './dead-letter.js';
import { batchedMarkerLookup, batchedPrepare, createLanes, deliveryPipeline, type Delivery, type DeliveryStep, type InputEntry, type Outcome, type StepContext, type TerminalStep } from './steps.js';
import type { ActorTracing, BatchTracing } from './tracing.js';

export type { InputEntry } from './steps.js';

/** Everything a batch needs besides its entries. */
export interface BatchDeps {
  def: ActorDefinition;
  backend: StreamBackend;
  keys: Keys;
  consumer: string;
  clock: Clock;
  logger: Logger;
  metrics: BoundActorMetrics;
  custom: CustomMetrics;
  persistence: ReadOnlyPersistence;
  /** Only for actors that declared `writes`: scoped to those tables. */
  writer?: WritablePersistence;
  random?: () => number;
  /** Told when a handler starts and ends on an entry (the worker's leases and stuck detection). */
  onHandler?: (e: InputEntry, phase: 'start' | 'end') => void;
  /** OpenTelemetry spans of this actor (none without it, or without a registered SDK). */
  tracing?: ActorTracing;
  /** An entity actor's state hook (defineEntity), opened by the worker. */
  entity?: EntityBatchHook;
  /** Runtime-wide user steps, run before the actor's own (RuntimeDeps.steps). */
  steps?: readonly DeliveryStep[];
  /** The composed pipeline (built once per worker; built from the steps when absent). */
  pipeline?: TerminalStep;
}

/** What processing a batch produced: the commit and counts for metrics. */
export interface BatchResult {
  items: CommitItem[];
  processed: number;
  /** Handler failures (each then retried or dead-lettered). */
  failed: number;
  retried: number;
  duplicates: number;
  deadLettered: Partial<Record<DeadLetterReason, number>>;
  /** The entries dead-lettered, by reason, for the log line (ids, not only a count). */
  deadLetteredIds: Partial<Record<DeadLetterReason, string[]>>;
  /** The batch's spans, for the `settle` span of its commit (null without an SDK). */
  trace?: BatchTracing | null;
}

/** The pipeline of an actor: runtime-wide user steps, then the actor's own, around the handler. */
export function pipelineFor(deps: Pick<BatchDeps, 'def' | 'steps'>): TerminalStep {
  return deliveryPipeline([...(deps.steps ?? []), ...deps.def.steps]);
}

/** The steps' context for one batch: marker lookups of the batch go out as one round trip (never one per message). */
export function batchContext(deps: BatchDeps, markersExist: (markers: string[]) => Promise<boolean[]> = (m) => deps.backend.markersExist(m)): StepContext {
  return {
    def: deps.def,
    keys: deps.keys,
    consumer: deps.consumer,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    custom: deps.custom,
    persistence: deps.persistence,
    ...(deps.writer ? { writer: deps.writer } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.onHandler ? { onHandler: deps.onHandler } : {}),
    ...(deps.entity ? { entity: deps.entity, entityPrepared: batchedPrepare(deps.entity) } : {}),
    trace: deps.tracing?.batch() ?? null,
    markerExists: batchedMarkerLookup(markersExist),
    claimed: new Set(),
    lane: createLanes(deps.def.concurrency),
  };
}

/** Counts one outcome into the batch result. */
function count(result: BatchResult, e: InputEntry, out: Outcome): CommitItem {
  if (out.kind === 'emitted') throw new Error('delivery pipeline ended without validating outputs');
  if (out.kind === 'processed') result.processed += 1;
  else if (out.kind === 'duplicate') result.duplicates += 1;
  else if (out.kind === 'retry') {
    result.failed += 1;
    result.retried += 1;
  } else {
    if (out.reason === 'handler-error') result.failed += 1;
    result.deadLettered[out.reason] = (result.deadLettered[out.reason] ?? 0) + 1;
    (result.deadLetteredIds[out.reason] ??= []).push(`${e.stream} ${e.id}`);
  }
  return out.item;
}

/** Turns a batch of entries into one atomic commit: each entry through the delivery steps, their commit items in entry order. */
export async function processBatch(entries: InputEntry[], deps: BatchDeps): Promise<BatchResult> {
  const result: BatchResult = { items: [], processed: 0, failed: 0, retried: 0, duplicates: 0, deadLettered: {}, deadLetteredIds: {} };
  const ctx = batchContext(deps);
  result.trace = ctx.trace;
  const run = deps.pipeline ?? pipelineFor(deps);
  // Hot path: a batch comes from a handful of streams; each key is parsed once.
  const parsed = new Map<string, ReturnType<Keys['parse']>>();
  const deliveries = entries.map((entry): Delivery => {
    let where = parsed.get(entry.stream);
    if (where === undefined) parsed.set(entry.stream, (where = deps.keys.parse(entry.stream)));
    return { entry, partition: where?.partition ?? 0, streamTopic: where?.kind === 'topic' ? where.topic : undefined };
  });
  // All entries start at once: their marker lookups are gathered into one call; lanes keep per-key order.
  const outcomes = await Promise.all(deliveries.map((d) => run(d, ctx)));
  outcomes.forEach((out, i) => {
    const d = deliveries[i]!;
    // Dead letters decided before an envelope had a `process` span: events on the batch's `settle` span.
    if (out.kind === 'dead-letter' && !d.pt) ctx.trace?.deadLetteredEntry(d.entry.stream, d.entry.id, out.reason, out.error);
    result.items.push(count(result, d.entry, out));
  });
  return result;
}

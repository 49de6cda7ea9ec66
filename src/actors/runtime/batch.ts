import type { CommitItem, StreamBackend } from '../../streams/backend.js';
import type { Keys } from '../../streams/keys.js';
import type { DeadLetterReason } from './dead-letter.js';
import { NO_SERVICES } from './services.js';
import {
  batchedMarkerLookup,
  batchedPrepare,
  createLanes,
  deliveryPipeline,
  isPending,
  type Delivery,
  type DeliveryStep,
  type InputEntry,
  type Outcome,
  type Pipeline,
  type StepContext,
  type StepResult,
} from './steps/index.js';
import type { ActorTracing, BatchTracing } from './tracing.js';

export type { InputEntry } from './steps/index.js';

/** Everything a batch needs besides its entries: the actor's share of the step context, plus what the batch builds the rest from. */
export interface BatchDeps extends Pick<
  StepContext,
  'def' | 'keys' | 'consumer' | 'clock' | 'logger' | 'metrics' | 'custom' | 'persistence' | 'writer' | 'random' | 'onHandler' | 'entity'
> {
  backend: StreamBackend;
  /** The actor's `ctx.services` (RuntimeDeps.services); `{}` when absent. */
  services?: object;
  /** OpenTelemetry spans of this actor (none without it, or without a registered SDK). */
  tracing?: ActorTracing;
  /** Runtime-wide user steps, run before the actor's own (RuntimeDeps.steps). */
  steps?: readonly DeliveryStep[];
  /** The composed pipeline (built once per worker; built from the steps when absent). */
  pipeline?: Pipeline;
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
export function pipelineFor(deps: Pick<BatchDeps, 'def' | 'steps'>): Pipeline {
  return deliveryPipeline([...(deps.steps ?? []), ...deps.def.steps]);
}

/** The steps' context for one batch: marker lookups of the batch go out as one round trip (never one per message). */
export function batchContext(deps: BatchDeps, markersExist: (markers: string[]) => Promise<boolean[]> = (m) => deps.backend.markersExist(m)): StepContext {
  const ctx = baseContext(deps);
  ctx.markerExists = batchedMarkerLookup(markersExist);
  if (deps.entity) ctx.entityPrepared = batchedPrepare(deps.entity);
  return ctx;
}

// One shape for every batch's context (same fields, same order): the steps' property reads stay monomorphic.
function baseContext(deps: BatchDeps): StepContext {
  return {
    def: deps.def,
    keys: deps.keys,
    consumer: deps.consumer,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    custom: deps.custom,
    persistence: deps.persistence,
    writer: deps.writer,
    services: deps.services ?? NO_SERVICES,
    random: deps.random,
    onHandler: deps.onHandler,
    entity: deps.entity,
    entityPrepared: undefined,
    trace: deps.tracing?.batch() ?? null,
    markerExists: noMarkers,
    claimed: new Set(),
    trusted: new Set(),
    lane: createLanes(deps.def.concurrency),
  };
}

const noMarkers = (): boolean => false;

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
  const ctx = baseContext(deps);
  result.trace = ctx.trace;
  const pipe = deps.pipeline ?? pipelineFor(deps);
  const n = entries.length;
  const deliveries: Delivery[] = new Array<Delivery>(n);
  const outcomes: (StepResult | undefined)[] = new Array<StepResult | undefined>(n);
  const admitted: number[] = [];
  // Admission (decode, topic check, poison) as one plain pass; each stream key is parsed once.
  const parsed = new Map<string, ReturnType<Keys['parse']>>();
  for (let i = 0; i < n; i += 1) {
    const entry = entries[i]!;
    let where = parsed.get(entry.stream);
    if (where === undefined) parsed.set(entry.stream, (where = deps.keys.parse(entry.stream)));
    const d: Delivery = {
      entry,
      partition: where?.partition ?? 0,
      streamTopic: where?.kind === 'topic' ? where.topic : undefined,
      envelope: undefined,
      marker: undefined,
      pt: undefined,
    };
    deliveries[i] = d;
    const out = pipe.admit(d, ctx);
    if (out === undefined) admitted.push(i);
    else outcomes[i] = out;
  }
  if (admitted.length > 0) {
    // The batch's markers in one round trip; dedup then answers from this set, synchronously.
    const markers = admitted.map((i) => deliveries[i]!.marker!);
    const seenFlags = await deps.backend.markersExist(markers);
    const seen = new Set<string>();
    for (let j = 0; j < markers.length; j += 1) if (seenFlags[j] === true) seen.add(markers[j]!);
    if (seen.size > 0) ctx.markerExists = (m) => seen.has(m);
    if (deps.entity) {
      // An entity loads the states of the inputs that will run (no duplicates), in one call.
      const first = new Set<string>();
      const envs = [];
      for (const i of admitted) {
        const d = deliveries[i]!;
        if (seen.has(d.marker!) || first.has(d.marker!)) continue;
        first.add(d.marker!);
        envs.push(d.envelope!);
      }
      if (envs.length > 0) await deps.entity.prepare(envs);
    }
  }
  // Then each admitted entry from trace onwards; lanes keep per-key order. With a synchronous handler nothing here awaits.
  let pending = false;
  for (const i of admitted) {
    const out = pipe.deliver(deliveries[i]!, ctx);
    outcomes[i] = out;
    if (isPending(out)) pending = true;
  }
  for (let i = 0; i < n; i += 1) if (isPending(outcomes[i])) pending = true;
  const settled = (pending ? await Promise.all(outcomes) : outcomes) as Outcome[];
  for (let i = 0; i < n; i += 1) {
    const d = deliveries[i]!;
    const out = settled[i]!;
    // Dead letters decided before an envelope had a `process` span: events on the batch's `settle` span.
    if (out.kind === 'dead-letter' && !d.pt) ctx.trace?.deadLetteredEntry(d.entry.stream, d.entry.id, out.reason, out.error);
    result.items.push(count(result, d.entry, out));
  }
  return result;
}

/**
 * Delivery as a pipeline of small steps, composed like Watermill's middleware but returning data:
 * each step looks at one entry and either decides its outcome (a commit item: outputs, retry,
 * dead letter, duplicate ack) or passes it on with `next`. Nothing is written here; the batch
 * collects every entry's commit item and still commits once.
 *
 *   decode → topic check → poison → trace → dedup → entity → order (lanes) → retry / dead-letter → [user steps] → validate outputs → handle
 *
 * A user step (a timeout, a rate limit, tracing) wraps what follows it: it may await before
 * `next`, race it, or decide an outcome itself; an error it throws is retried like a handler's.
 *
 * Hot path: a step returns an Outcome, or a Promise of one only when it has to wait. With a
 * synchronous handler an entry goes through every step with no promise at all; decode, topic
 * check and poison run as one plain pass over the batch, then the batch's markers are looked up
 * in one call, before the per-entry part (trace onwards) starts.
 */
import { decodeEntry, encodeEnvelope } from '../../envelope/codec.js';
import { deriveEnvelope, nextAttempt } from '../../envelope/envelope.js';
import type { TraceContextFields } from '../../envelope/trace-context.js';
import type { Envelope } from '../../envelope/types.js';
import { formatIssues, validateEnvelope } from '../../envelope/validate.js';
import type { BoundActorMetrics } from '../../monitoring/metrics.js';
import type { CustomMetrics, Logger } from '../../monitoring/types.js';
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import type { WritablePersistence } from '../../persistence/writer.js';
import type { CommitItem } from '../../streams/backend.js';
import type { Clock } from '../../clock.js';
import type { Keys } from '../../streams/keys.js';
import { isPermanentError } from '../errors.js';
import type { ActorContext, ActorDefinition, DeriveOptions, EmitOptions, EntityBatchHook } from '../types.js';
import { backoffDelay } from './backoff.js';
import { deadLetterFields, type DeadLetter, type DeadLetterReason } from './dead-letter.js';
import { withTraceContext, type BatchTracing, type ProcessTracing } from './tracing.js';

/** One entry to process: read with `>`, re-read from our own PEL, or claimed from another consumer. */
export interface InputEntry {
  stream: string;
  id: string;
  fields: string[];
  /** Delivery count, known for claimed and re-read entries. */
  deliveries?: number;
}

/** One entry on its way through the steps, with what the steps learned about it. */
export interface Delivery {
  readonly entry: InputEntry;
  readonly partition: number;
  /** Topic of the stream it was read from; undefined for the actor's retry stream. */
  readonly streamTopic: string | undefined;
  /** The decoded envelope (set by decode). */
  envelope?: Envelope;
  /** Its idempotency marker key (set by decode). */
  marker?: string;
  /** Its `process` span (set by the trace step when an SDK is registered). */
  pt?: ProcessTracing | null;
}

/** A handler's output, before validation. */
export interface Emission {
  envelope: Envelope;
  opts: EmitOptions | undefined;
}

/** What delivery decided for one entry: one commit item, and how it counts. `emitted` only travels between handle and validate outputs. */
export type Outcome =
  | { kind: 'processed'; item: CommitItem }
  | { kind: 'duplicate'; item: CommitItem }
  | { kind: 'retry'; item: CommitItem; error: string }
  | { kind: 'dead-letter'; item: CommitItem; reason: DeadLetterReason; error: string }
  | { kind: 'emitted'; emissions: Emission[]; trusted: TrustedEnvelopes };

/** Envelopes built by ctx.derive (valid by construction): their validation is skipped. */
export interface TrustedEnvelopes {
  has(envelope: Envelope): boolean;
}

/** What a step returns: the outcome, or a promise of it when the step had to wait. */
export type StepResult = Outcome | Promise<Outcome>;

/** The rest of the pipeline, as seen by a step. */
export type Next = (d: Delivery) => StepResult;

/** Whether a step result is still to come (a promise or any thenable). */
export const isPending = <T>(r: T | PromiseLike<T>): r is PromiseLike<T> => typeof (r as { then?: unknown } | null)?.then === 'function';

/** Everything steps use: the actor, the services, and batch-scoped state. */
export interface StepContext {
  def: ActorDefinition;
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
  /** Whether an idempotency marker exists: known at once once the batch's markers were looked up (one round trip), else a promise. */
  markerExists: (marker: string) => boolean | Promise<boolean>;
  /** Markers taken by an earlier entry of this batch. */
  readonly claimed: Set<string>;
  /** Envelopes ctx.derive built in this batch (one Set per batch, dropped with it). */
  readonly trusted: Set<Envelope>;
  /** Runs `fn` in the lane of a partition key: in order within a key, up to `def.concurrency` at once. */
  lane: <T>(key: string, fn: () => T | Promise<T>) => T | Promise<T>;
  /** Told when a handler starts and ends (leases, stuck detection). */
  onHandler?: (e: InputEntry, phase: 'start' | 'end') => void;
  /** The batch's spans (null without an OpenTelemetry SDK: then no span work at all). */
  trace: BatchTracing | null;
  /** An entity actor's state hook (defineEntity): decide/evolve instead of `handle`, snapshot in the commit item. */
  entity?: EntityBatchHook;
  /** Loads the entity states of the batch's inputs; the loads of one batch go out as one call (absent once the batch loaded them up front). */
  entityPrepared?: ((env: Envelope) => Promise<void>) | undefined;
}

/** One delivery step: decide the entry's outcome, or pass it on with `next`; sync or async (return or await `next(d)`). */
export type DeliveryStep = (d: Delivery, ctx: StepContext, next: Next) => StepResult;

/** The last step: turns the delivery into an outcome without a `next`. */
export type TerminalStep = (d: Delivery, ctx: StepContext) => StepResult;

/** Thrown inside the runtime when a handler's output breaks the actor's contract. */
export class OutputContractError extends Error {
  override name = 'OutputContractError';
}

/** The dead letter of an entry, as its outcome: the input acked and one DLQ entry, under the entry's own marker. */
export function deadLetterOutcome(d: Delivery, ctx: StepContext, topic: string, dl: Omit<DeadLetter, 'actor' | 'source' | 'sourceId' | 'failedAtMs'>): Outcome {
  const { def, keys } = ctx;
  const e = d.entry;
  return {
    kind: 'dead-letter',
    reason: dl.reason,
    error: dl.error,
    item: {
      ack: { stream: e.stream, group: def.name, id: e.id },
      // A marker per dead letter: re-committing after an ambiguous failure cannot write it twice.
      markerKey: keys.deadLetterMarker(def.name, e.stream, e.id, d.partition),
      outputs: [
        {
          stream: keys.dlq(topic, d.partition),
          fields: deadLetterFields(
            { ...dl, actor: def.name, source: e.stream, sourceId: e.id, failedAtMs: ctx.clock.now() },
            { redact: def.redactDeadLetters },
          ),
        },
      ],
    },
  };
}

const ack = (d: Delivery, ctx: StepContext): CommitItem => ({ ack: { stream: d.entry.stream, group: ctx.def.name, id: d.entry.id }, outputs: [] });
const fallbackTopic = (d: Delivery, ctx: StepContext): string => d.streamTopic ?? ctx.def.consumes[0]!;

/** Decode: the bounded decoder and envelope validation; an entry deleted while pending or not an envelope is dead-lettered. */
export const decodeStep: DeliveryStep = (d, ctx, next) => {
  if (d.entry.fields.length === 0) {
    // XAUTOCLAIM reported it deleted, or XREADGROUP 0 returned it without fields.
    return deadLetterOutcome(d, ctx, fallbackTopic(d, ctx), {
      reason: 'deleted-before-processing',
      error: 'entry was deleted from the stream while pending, before it was processed',
      attempts: 0,
    });
  }
  const decoded = decodeEntry(d.entry.fields, { maxBytes: ctx.def.maxEntryBytes });
  if (!decoded.ok) return deadLetterOutcome(d, ctx, fallbackTopic(d, ctx), { reason: decoded.reason, error: decoded.error, attempts: 0, raw: decoded.raw });
  if (decoded.dropped)
    ctx.logger.warn('dropped invalid trace context', { actor: ctx.def.name, stream: d.entry.stream, id: d.entry.id, dropped: decoded.dropped });
  d.envelope = decoded.envelope;
  d.marker = ctx.keys.idempotency(ctx.def.name, decoded.envelope.idempotencyKey, d.partition);
  return next(d);
};

/** Topic check: an envelope on a topic stream must be of that topic's type. */
export const topicCheckStep: DeliveryStep = (d, ctx, next) => {
  const env = d.envelope!;
  if (d.streamTopic !== undefined && env.type !== d.streamTopic) {
    return deadLetterOutcome(d, ctx, fallbackTopic(d, ctx), {
      reason: 'invalid-envelope',
      error: `$.type: topic (envelope of type ${env.type} on stream of topic ${d.streamTopic})`,
      attempts: env.attempt,
      envelope: env,
    });
  }
  return next(d);
};

/** Poison: an entry delivered more than maxDeliveries times without a commit keeps crashing its consumer. */
export const poisonStep: DeliveryStep = (d, ctx, next) => {
  const { deliveries } = d.entry;
  const env = d.envelope!;
  if (deliveries !== undefined && deliveries > ctx.def.maxDeliveries) {
    return deadLetterOutcome(d, ctx, env.type, {
      reason: 'poison',
      error: `delivered ${deliveries} times without a commit (limit ${ctx.def.maxDeliveries}): the handler keeps crashing its consumer`,
      attempts: env.attempt,
      envelope: env,
    });
  }
  return next(d);
};

/** Trace: the envelope's `process` span (OpenTelemetry), around everything after it; duplicates, retries and dead letters become its events. */
export const traceStep: DeliveryStep = (d, ctx, next) => (ctx.trace ? traced(d, ctx, ctx.trace, next) : next(d));

// Synchronous when what follows is: no promise per entry (the span ends when the outcome is known).
function traced(d: Delivery, ctx: StepContext, trace: BatchTracing, next: Next): StepResult {
  const env = d.envelope!;
  const pt = (d.pt = trace.process(d.entry.stream, d.entry.id, env, env.type, d.partition));
  return pt.around(next, d, ctx.clock);
}

/** Dedup: an input already committed (its marker exists), or a copy earlier in this batch, is acked and skipped. The commit re-checks atomically. */
export const dedupStep: DeliveryStep = (d, ctx, next) => {
  const marker = d.marker!;
  // Taken synchronously, in entry order: the first copy in a batch wins.
  if (ctx.claimed.has(marker)) return duplicate(d, ctx);
  ctx.claimed.add(marker);
  const seen = ctx.markerExists(marker);
  if (typeof seen === 'boolean') return seen ? duplicate(d, ctx) : next(d);
  return seen.then((s) => (s ? duplicate(d, ctx) : next(d)));
};

const duplicate = (d: Delivery, ctx: StepContext): Outcome => ({ kind: 'duplicate', item: ack(d, ctx) });

/** Entity: an entity actor's states for the batch's inputs are loaded (one round trip for the batch) before any of its handlers runs. */
export const entityStep: DeliveryStep = (d, ctx, next) => (ctx.entityPrepared ? ctx.entityPrepared(d.envelope!).then(() => next(d)) : next(d));

/** Order: same partitionKey one after another, in entry order; different keys concurrently. */
export const orderStep: DeliveryStep = (d, ctx, next) => ctx.lane(d.envelope!.partitionKey, () => next(d));

/** Retry or dead-letter: an error from what follows (handler, user step, output contract) is retried with backoff up to maxAttempts, then dead-lettered. */
export const retryStep: DeliveryStep = (d, ctx, next) => {
  let out: StepResult;
  try {
    out = next(d);
  } catch (err) {
    return failed(d, ctx, err);
  }
  return isPending(out) ? Promise.resolve(out).then(undefined, (err: unknown) => failed(d, ctx, err)) : out;
};

function failed(d: Delivery, ctx: StepContext, err: unknown): Outcome {
  const env = d.envelope!;
  {
    const { def, keys } = ctx;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    ctx.logger.warn('handler failed', { actor: def.name, stream: d.entry.stream, id: d.entry.id, attempt: env.attempt, error: message });
    if (env.attempt < def.maxAttempts && !isPermanentError(err)) {
      const retry = nextAttempt(env);
      // Retries go to this actor's own retry stream (no other group sees them), after the backoff.
      return {
        kind: 'retry',
        error: message,
        item: {
          ack: { stream: d.entry.stream, group: def.name, id: d.entry.id },
          outputs: [],
          delayed: [
            {
              delayedKey: keys.retryDelayed(def.name, d.partition),
              dueMs: ctx.clock.now() + backoffDelay(def.backoff, env.attempt, ctx.random),
              uid: `${env.id}#${retry.attempt}`,
              fields: encodeEnvelope(retry),
            },
          ],
        },
      };
    }
    return deadLetterOutcome(d, ctx, env.type, { reason: 'handler-error', error: message, attempts: env.attempt, envelope: env });
  }
}

/** Validate outputs: every emission must be of a type in `emits` and a valid envelope (derived ones are trusted); then it becomes the commit item. */
export const validateOutputsStep: DeliveryStep = (d, ctx, next) => {
  const out = next(d);
  return isPending(out) ? Promise.resolve(out).then((o) => validated(d, ctx, o)) : validated(d, ctx, out);
};

function validated(d: Delivery, ctx: StepContext, out: Outcome): Outcome {
  if (out.kind !== 'emitted') return out;
  const { def, keys, clock } = ctx;
  const item: CommitItem = { ack: { stream: d.entry.stream, group: def.name, id: d.entry.id }, markerKey: d.marker!, outputs: [], delayed: [] };
  for (const { envelope, opts } of out.emissions) {
    if (!def.emits.includes(envelope.type)) throw new OutputContractError(`emitted type ${envelope.type} is not in emits [${def.emits.join(', ')}]`);
    if (!out.trusted.has(envelope)) {
      const v = validateEnvelope(envelope);
      if (!v.ok) throw new OutputContractError(`emitted an invalid envelope: ${formatIssues(v.errors)}`);
    }
    const fields = encodeEnvelope(withTraceContext(envelope, d.envelope!, d.pt ?? null));
    const due = opts?.at ?? (opts?.delayMs !== undefined ? clock.now() + opts.delayMs : undefined);
    if (due !== undefined && due > clock.now())
      item.delayed!.push({ delayedKey: keys.delayed(envelope.type, d.partition), dueMs: due, uid: envelope.id, fields });
    else item.outputs.push({ stream: keys.topic(envelope.type, d.partition), fields });
  }
  ctx.entity?.attach(d.envelope!, item);
  return { kind: 'processed', item };
}

/** Handle: calls the actor's handler with its context; what it returns or emits travels on as emissions. */
export const handleStep: TerminalStep = (d, ctx) => {
  const env = d.envelope!;
  const emissions: Emission[] = [];
  const pt = d.pt ?? null;
  // Hot path: plain fields and two closures per entry (made by factories: no per-entry naming under tsx), no spread.
  const actx: { -readonly [K in keyof ActorContext]: ActorContext[K] } = {
    actor: ctx.def.name,
    consumer: ctx.consumer,
    logger: ctx.logger,
    metrics: ctx.custom,
    clock: ctx.clock,
    persistence: ctx.persistence,
    derive: deriveFor(env, pt, ctx),
    emit: emitInto(emissions),
  };
  if (ctx.writer) actx.writer = ctx.writer;
  const started = performance.now();
  let returned: ReturnType<ActorDefinition['handle']>;
  try {
    returned = pt ? pt.run(callHandler(env, actx, ctx)) : ctx.entity ? ctx.entity.handle(env, actx) : ctx.def.handle(env, actx);
  } catch (err) {
    handlerEnded(d, ctx, started, false);
    throw err;
  }
  if (!isPending(returned)) {
    handlerEnded(d, ctx, started, false);
    return emitted(returned, emissions, ctx);
  }
  // Only a handler that awaits is told to the leases: one that returned at once never let their timer run.
  ctx.onHandler?.(d.entry, 'start');
  return Promise.resolve(returned).then(
    (r) => {
      handlerEnded(d, ctx, started, true);
      return emitted(r, emissions, ctx);
    },
    (err: unknown) => {
      handlerEnded(d, ctx, started, true);
      throw err;
    },
  );
};

function callHandler(env: Envelope, actx: ActorContext, ctx: StepContext): () => ReturnType<ActorDefinition['handle']> {
  return () => (ctx.entity ? ctx.entity.handle(env, actx) : ctx.def.handle(env, actx));
}

function handlerEnded(d: Delivery, ctx: StepContext, started: number, leased: boolean): void {
  if (leased) ctx.onHandler?.(d.entry, 'end');
  ctx.metrics.handlerDuration((performance.now() - started) / 1000);
}

function emitted(returned: Awaited<ReturnType<ActorDefinition['handle']>>, emissions: Emission[], ctx: StepContext): Outcome {
  if (Array.isArray(returned)) for (const r of returned) emissions.push({ envelope: r, opts: undefined });
  return { kind: 'emitted', emissions, trusted: ctx.trusted };
}

function deriveFor(env: Envelope, pt: ProcessTracing | null, ctx: StepContext): ActorContext['derive'] {
  return (typeOrTopic, payload, opts) => {
    const type = typeof typeOrTopic === 'string' ? typeOrTopic : typeOrTopic.type;
    const child = pt
      ? pt.create(type, makeChild(env, type, payload, opts, ctx))
      : (deriveEnvelope(env, type, payload, opts ? { ...opts, now: ctx.clock.now() } : { now: ctx.clock.now() }) as Envelope);
    ctx.trusted.add(child);
    return child as never;
  };
}

function makeChild(
  env: Envelope,
  type: string,
  payload: unknown,
  opts: DeriveOptions | undefined,
  ctx: StepContext,
): (traceContext?: TraceContextFields) => Envelope {
  return (traceContext) => deriveEnvelope(env, type, payload, { ...opts, now: ctx.clock.now(), traceContext }) as Envelope;
}

function emitInto(emissions: Emission[]): ActorContext['emit'] {
  return (envelope, opts) => void emissions.push({ envelope, opts });
}

/** Admission: decode, topic check, poison. Synchronous; run as one pass over the batch before its markers are looked up. */
export const ADMISSION_STEPS: readonly DeliveryStep[] = Object.freeze([decodeStep, topicCheckStep, poisonStep]);

/** The runtime's per-entry steps after admission and before the user's, in order. */
export const DELIVERY_STEPS: readonly DeliveryStep[] = Object.freeze([traceStep, dedupStep, entityStep, orderStep, retryStep]);

/** An actor's composed steps: `admit` (the batch pass) then `deliver` (per entry); `run` is both, for one entry. */
export interface Pipeline {
  /** Admission of one entry: its outcome when admission decides it (a dead letter), undefined when it passes. */
  admit(d: Delivery, ctx: StepContext): StepResult | undefined;
  /** The rest: trace, dedup, entity, order, retry / dead-letter, user steps, validate outputs, handle. */
  deliver: TerminalStep;
  /** Admission and the rest for one entry (specifications, tests). */
  run: TerminalStep;
}

// Admission's terminal: "passed", a marker object no step returns.
const PASSED = Object.freeze({ kind: 'passed' }) as unknown as Outcome;
const passed: TerminalStep = () => PASSED;

/** The whole pipeline of an actor: admission, then the runtime's steps, user steps (runtime-wide first, then the actor's), output validation and the handler. */
export function deliveryPipeline(userSteps: readonly DeliveryStep[] = []): Pipeline {
  const admission = composeSteps(ADMISSION_STEPS, passed);
  const deliver = composeSteps([...DELIVERY_STEPS, ...userSteps, validateOutputsStep], handleStep);
  const admit = (d: Delivery, ctx: StepContext): StepResult | undefined => {
    const out = admission(d, ctx);
    if (isPending(out)) return Promise.resolve(out).then((o) => (o === PASSED ? deliver(d, ctx) : o));
    return out === PASSED ? undefined : out;
  };
  return {
    admit,
    deliver,
    run: (d, ctx) => admit(d, ctx) ?? deliver(d, ctx),
  };
}

/** Composes steps around a terminal: the first step runs first and wraps all the others. */
export function composeSteps(steps: readonly DeliveryStep[], terminal: TerminalStep): TerminalStep {
  // Hot path: the chain of `next` closures is built once per batch context, not once per entry and step.
  let builtFor: StepContext | null = null;
  let chain: Next = (d) => terminal(d, builtFor!);
  return (d, ctx) => {
    if (ctx !== builtFor) {
      builtFor = ctx;
      chain = steps.reduceRight<Next>(
        (next, step) => (dd) => step(dd, ctx, next),
        (dd) => terminal(dd, ctx),
      );
    }
    return chain(d);
  };
}

/** Batch-scoped lanes: per key in order, at most `concurrency` handlers at once. A run that finishes synchronously costs no promise. */
export function createLanes(concurrency: number): StepContext['lane'] {
  const tails = new Map<string, Promise<unknown>>();
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (active < concurrency) {
      active += 1;
      return;
    }
    await new Promise<void>((r) => waiting.push(r));
  };
  const release = (): void => {
    const wake = waiting.shift();
    if (wake) wake();
    else active -= 1;
  };
  const settle = (): undefined => undefined;
  return <T>(key: string, fn: () => T | Promise<T>): T | Promise<T> => {
    const tail = tails.get(key);
    if (tail === undefined && active < concurrency) {
      // Fast path (most entries): a new key (or one whose last run is done) and a free slot run at once.
      active += 1;
      let out: T | Promise<T>;
      try {
        out = fn();
      } catch (err) {
        release();
        throw err;
      }
      if (!isPending(out)) {
        release();
        return out;
      }
      const run = Promise.resolve(out);
      run.then(release, release);
      const t = run.then(settle, settle);
      tails.set(key, t);
      // Done: a later entry of this key runs at once again.
      void t.then(() => tails.get(key) === t && tails.delete(key));
      return run;
    }
    const run = (tail ?? Promise.resolve()).then(async () => {
      await acquire();
      try {
        return await fn();
      } finally {
        release();
      }
    });
    tails.set(key, run.then(settle, settle));
    return run;
  };
}

/** Marker lookups of one batch gathered into one call (asked in the same turn of the event loop). */
export function batchedMarkerLookup(lookup: (markers: string[]) => Promise<boolean[]>): StepContext['markerExists'] {
  let queue: { marker: string; resolve: (v: boolean) => void; reject: (e: unknown) => void }[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    lookup(batch.map((q) => q.marker)).then(
      (seen) => batch.forEach((q, i) => q.resolve(seen[i] === true)),
      (err: unknown) => batch.forEach((q) => q.reject(err)),
    );
  };
  return (marker) =>
    new Promise<boolean>((resolve, reject) => {
      if (queue.length === 0) queueMicrotask(flush);
      queue.push({ marker, resolve, reject });
    });
}

/** Entity state loads of one batch gathered into one `prepare` call (asked in the same turn of the event loop). */
export function batchedPrepare(hook: EntityBatchHook): (env: Envelope) => Promise<void> {
  let queue: { env: Envelope; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    hook.prepare(batch.map((q) => q.env)).then(
      () => batch.forEach((q) => q.resolve()),
      (err: unknown) => batch.forEach((q) => q.reject(err)),
    );
  };
  return (env) =>
    new Promise<void>((resolve, reject) => {
      if (queue.length === 0) queueMicrotask(flush);
      queue.push({ env, resolve, reject });
    });
}

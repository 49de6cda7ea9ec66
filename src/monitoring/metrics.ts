// prom-client metrics of the actor runtime. Everything is registered on the registry the caller
// passes in (never prom-client's global one), so two runtimes in one process never share series.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CustomMetrics } from './types.js';
import { createRedactor } from './redact.js';

/** Handler and commit duration buckets, in seconds: 0.5 ms to 10 s. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Batch size buckets, in entries: 1 to 1000. */
export const DEFAULT_BATCH_SIZE_BUCKETS: readonly number[] = Object.freeze([1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);

/** Thrown when a custom metric or label name is invalid or clashes with an existing metric. */
export class InvalidMetricError extends Error {
  /** Stable code to branch on. */
  readonly code = 'METRIC_INVALID' as const;
  constructor(
    message: string,
    /** The metric name involved. */
    readonly metric: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InvalidMetricError';
  }
}

/** Whether `err` is an InvalidMetricError. */
export function isInvalidMetricError(err: unknown): err is InvalidMetricError {
  return err instanceof InvalidMetricError || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'METRIC_INVALID');
}

/**
 * One actor's metrics with the `actor` label already bound. Counts default to 1; zero, negative
 * or non-finite values are ignored (metrics must never crash the actor loop). `reason` values
 * should come from a small fixed set: each distinct one is a new series.
 */
export interface BoundActorMetrics {
  /** Envelopes handled and committed. */
  processed(n?: number): void;
  /** Handler or commit failures, by reason (e.g. `handler-error`, `invalid-envelope`). */
  failed(reason: string, n?: number): void;
  /** Entries scheduled for another attempt. */
  retried(n?: number): void;
  /** Entries moved to the DLQ, by reason. */
  deadLettered(reason: string, n?: number): void;
  /** Inputs skipped because their idempotency key was already committed. */
  duplicate(n?: number): void;
  /** Entries claimed from idle consumers. */
  reclaimed(n?: number): void;
  /** One handler call's duration in seconds. */
  handlerDuration(seconds: number): void;
  /** Entries in one read batch. */
  batchSize(n: number): void;
  /** One atomic commit's duration in seconds. */
  commitDuration(seconds: number): void;
  /** The group's lag on `stream` (entries not yet delivered). */
  setLag(stream: string, n: number): void;
  /** The group's pending entries on `stream` (delivered, not acked). */
  setPending(stream: string, n: number): void;
  /** Handlers past maxHandlerMs (their entries no longer leased). */
  stuck(n?: number): void;
  /** Entries removed from `stream` before this group read them (trimmed-before-delivery gaps). */
  gap(stream: string, n?: number): void;
}

/** The runtime's metrics on one registry. */
export interface ActorMetrics {
  /** The registry everything is registered on. */
  readonly registry: Registry;
  /** Metrics bound to one actor (cached per name). */
  forActor(actor: string): BoundActorMetrics;
  /** Dead letters removed by the DLQ retention policy, by stream and why (`age` or `count`). */
  deadLettersExpired(stream: string, why: 'age' | 'count', n: number): void;
  /** Custom counters for one actor's handler, named `stream_actor_custom_<name>_total`. */
  custom(actor: string): CustomMetrics;
}

const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type MetricClass<M> = abstract new (...args: never[]) => M;

// Reuses a metric already on the registry, so creating ActorMetrics twice on one registry works.
function getOrCreate<M>(registry: Registry, name: string, kind: MetricClass<M>, create: () => M): M {
  const existing: unknown = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof kind) return existing;
  throw new InvalidMetricError(`metric ${name} is already registered with another type`, name);
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return getOrCreate(registry, name, Counter<L>, () => new Counter<L>({ name, help, labelNames, registers: [registry] }));
}

function histogram(registry: Registry, name: string, help: string, buckets: readonly number[]): Histogram<'actor'> {
  return getOrCreate(
    registry,
    name,
    Histogram<'actor'>,
    () => new Histogram({ name, help, labelNames: ['actor'], buckets: [...buckets], registers: [registry] }),
  );
}

function gauge(registry: Registry, name: string, help: string): Gauge<'actor' | 'stream'> {
  return getOrCreate(registry, name, Gauge<'actor' | 'stream'>, () => new Gauge({ name, help, labelNames: ['actor', 'stream'], registers: [registry] }));
}

const isCount = (n: number): boolean => Number.isFinite(n) && n > 0;

/** Registers the runtime's metrics on `registry` (once per registry) and returns per-actor handles. */
export function createActorMetrics(registry: Registry): ActorMetrics {
  const processed = counter(registry, 'stream_actor_processed_total', 'Envelopes handled and committed', ['actor']);
  const failed = counter(registry, 'stream_actor_failed_total', 'Handler or commit failures', ['actor', 'reason']);
  const retried = counter(registry, 'stream_actor_retried_total', 'Entries scheduled for another attempt', ['actor']);
  const deadLettered = counter(registry, 'stream_actor_dead_lettered_total', 'Entries moved to the DLQ', ['actor', 'reason']);
  const duplicates = counter(registry, 'stream_actor_duplicates_skipped_total', 'Inputs skipped as already committed', ['actor']);
  const reclaimed = counter(registry, 'stream_actor_reclaimed_total', 'Entries claimed from idle consumers', ['actor']);
  const handlerSeconds = histogram(registry, 'stream_actor_handler_duration_seconds', 'Handler call duration', DEFAULT_DURATION_BUCKETS);
  const batchSizes = histogram(registry, 'stream_actor_batch_size', 'Entries per read batch', DEFAULT_BATCH_SIZE_BUCKETS);
  const commitSeconds = histogram(registry, 'stream_actor_commit_duration_seconds', 'Atomic commit duration', DEFAULT_DURATION_BUCKETS);
  const lag = gauge(registry, 'stream_actor_lag', 'Entries not yet delivered to the group');
  const pending = gauge(registry, 'stream_actor_pending', 'Entries delivered to the group and not acked');
  const stuck = counter(registry, 'stream_actor_stuck_handlers_total', 'Handlers past maxHandlerMs, no longer leased', ['actor']);
  const expired = counter(registry, 'stream_actor_dead_letters_expired_total', 'Dead letters removed by the DLQ retention policy', ['stream', 'why']);
  const gaps = counter(registry, 'stream_actor_gap_entries_total', 'Entries removed from a stream before the group read them', ['actor', 'stream']);

  const bound = new Map<string, BoundActorMetrics>();
  // Label values are free text from handlers (a URL, an error): mask secrets before the registry
  // keeps them, so /metrics never serves a password. Custom counters only: not the hot path.
  const redactor = createRedactor();
  const customCounters = new Map<string, Counter<string>>();

  function bind(actor: string): BoundActorMetrics {
    // Children resolved once: no label lookup on the hot path.
    const processedChild = processed.labels({ actor });
    const retriedChild = retried.labels({ actor });
    const duplicatesChild = duplicates.labels({ actor });
    const reclaimedChild = reclaimed.labels({ actor });
    const handlerChild = handlerSeconds.labels({ actor });
    const batchChild = batchSizes.labels({ actor });
    const commitChild = commitSeconds.labels({ actor });
    return Object.freeze({
      processed: (n = 1) => void (isCount(n) && processedChild.inc(n)),
      failed: (reason: string, n = 1) => void (isCount(n) && failed.inc({ actor, reason }, n)),
      retried: (n = 1) => void (isCount(n) && retriedChild.inc(n)),
      deadLettered: (reason: string, n = 1) => void (isCount(n) && deadLettered.inc({ actor, reason }, n)),
      duplicate: (n = 1) => void (isCount(n) && duplicatesChild.inc(n)),
      reclaimed: (n = 1) => void (isCount(n) && reclaimedChild.inc(n)),
      // A negative duration can only come from a clock step; count it as zero rather than drop it.
      handlerDuration: (s: number) => void (Number.isFinite(s) && handlerChild.observe(Math.max(0, s))),
      batchSize: (n: number) => void (Number.isFinite(n) && n >= 0 && batchChild.observe(n)),
      commitDuration: (s: number) => void (Number.isFinite(s) && commitChild.observe(Math.max(0, s))),
      setLag: (stream: string, n: number) => void (Number.isFinite(n) && lag.set({ actor, stream }, n)),
      setPending: (stream: string, n: number) => void (Number.isFinite(n) && pending.set({ actor, stream }, n)),
      stuck: (n = 1) => void (isCount(n) && stuck.inc({ actor }, n)),
      gap: (stream: string, n = 1) => void (isCount(n) && gaps.inc({ actor, stream }, n)),
    });
  }

  function customCounter(name: string, labelNames: string[]): Counter<string> {
    const metric = `stream_actor_custom_${name.replace(/_total$/, '')}_total`;
    const known = customCounters.get(metric);
    if (known) return known;
    const created = counter(registry, metric, `Custom counter ${name}`, ['actor', ...labelNames]);
    customCounters.set(metric, created);
    return created;
  }

  return {
    registry,
    forActor(actor) {
      let handle = bound.get(actor);
      if (!handle) {
        handle = bind(actor);
        bound.set(actor, handle);
      }
      return handle;
    },
    deadLettersExpired(stream, why, n) {
      if (isCount(n)) expired.inc({ stream, why }, n);
    },
    custom(actor) {
      return {
        increment(name, labels = {}, by = 1) {
          if (!METRIC_NAME.test(name)) throw new InvalidMetricError(`invalid custom metric name ${JSON.stringify(name)}`, name);
          const labelNames = Object.keys(labels).sort();
          for (const label of labelNames) {
            if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'actor') {
              throw new InvalidMetricError(`invalid label name ${JSON.stringify(label)} on custom metric ${name}`, name);
            }
          }
          if (!Number.isFinite(by) || by < 0) throw new InvalidMetricError(`custom counter ${name} cannot add ${by}`, name);
          const metric = customCounter(name, labelNames);
          try {
            const safe: Record<string, string> = {};
            for (const [k, v] of Object.entries(labels)) safe[k] = redactor.redactString(String(v));
            metric.inc({ ...safe, actor }, by);
          } catch (cause) {
            // prom-client rejects labels outside the set the counter was first registered with.
            throw new InvalidMetricError(`custom counter ${name}: ${(cause as Error).message}`, name, { cause });
          }
        },
      };
    },
  };
}

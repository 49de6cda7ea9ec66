/**
 * The runtime's OpenTelemetry spans (messaging semantic conventions), kept out of the delivery
 * code, which only calls these hooks:
 *
 * - `process <topic>` (CONSUMER), one per envelope handled. Its parent is the envelope's
 *   `traceparent` (the span that created it), and it also links to it: the conventions require the
 *   link (batches cannot have one parent) and allow the parent when one message is processed on
 *   its own, which is what a handler does. The parent keeps one trace id along the whole flow.
 * - Outputs (`ctx.derive`, `ctx.emit`) carry the `process` span's context as their creation
 *   context by default: the conventions make `create` spans optional, and one per output would
 *   double the SDK's work per envelope. With `createSpans` (runtime option `traceCreateSpans`)
 *   each output gets a `create <topic>` span (PRODUCER), child of `process`, ended at once, whose
 *   context the output carries instead.
 * - `settle` (CLIENT), one per batch commit (outputs + acks + markers in one atomic step), a root
 *   span linking the creation context of the sampled envelopes the batch settled (at most
 *   MAX_SETTLE_LINKS).
 * - Retries, duplicates skipped and dead letters are events on the `process` span, with reasons;
 *   dead letters of entries that were not envelopes, and duplicates found by the commit, are
 *   events on `settle`.
 *
 * Cost (bench/tracing-cost.ts): with no SDK registered `ActorTracing.batch()` returns null and the
 * runtime does no span work. With one, the hot path is one SDK span per envelope: no promise of
 * ours per entry (a synchronous handler stays synchronous), span names made once per topic,
 * attributes set one by one (no object per envelope) and only on spans that record, the
 * traceparent parsed once (decode already validated it) and the outputs' context formatted once
 * per input.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Link, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';
import type { Clock } from '../../clock.js';
import type { TraceContextFields } from '../../envelope/trace-context.js';
import type { Envelope } from '../../envelope/types.js';
import { ATTR, fieldsOf, isTracingEnabled, MESSAGING_SYSTEM, spanContextOf, TRACER_NAME, TRACER_VERSION } from '../tracing/otel.js';

/** Longest error text put on a span event (the DLQ keeps the full, redacted one). */
const MAX_EVENT_ERROR = 500;

/** Links on one `settle` span: the SDK's default link limit (more would be dropped by it, one shift at a time). */
export const MAX_SETTLE_LINKS = 128;

/** How an actor's spans are made. */
export interface ActorTracingOptions {
  /** One `create <topic>` PRODUCER span per output envelope (default off: outputs carry their `process` span's context). */
  createSpans?: boolean;
}

/** One actor's tracer and span names, made once (not per envelope). */
export class ActorTracing {
  /** The tracer of every span of this actor. */
  readonly tracer: Tracer;
  /** Whether outputs get `create` spans. */
  readonly createSpans: boolean;
  private readonly processNames = new Map<string, string>();
  private readonly createNames = new Map<string, string>();

  constructor(
    /** The actor's name (messaging.consumer.group.name). */
    readonly actor: string,
    opts: ActorTracingOptions = {},
  ) {
    this.tracer = trace.getTracer(TRACER_NAME, TRACER_VERSION);
    this.createSpans = opts.createSpans === true;
  }

  /** The spans of one batch, or null when no SDK is registered (then nothing at all is done). */
  batch(): BatchTracing | null {
    return isTracingEnabled() ? new BatchTracing(this) : null;
  }

  /** `process <topic>`, one string per topic. */
  processName(topic: string): string {
    let name = this.processNames.get(topic);
    if (name === undefined) this.processNames.set(topic, (name = `process ${topic}`));
    return name;
  }

  /** `create <topic>`, one string per topic. */
  createName(topic: string): string {
    let name = this.createNames.get(topic);
    if (name === undefined) this.createNames.set(topic, (name = `create ${topic}`));
    return name;
  }
}

/** What the trace step reads from an entry's outcome: a structural view of the steps' Outcome. */
export interface TracedOutcome {
  kind: string;
  reason?: string;
  error?: string;
  item?: { delayed?: readonly { dueMs: number }[] };
}

/**
 * The API's context key of the active span. The API makes its keys with Symbol.for (so that
 * copies of the API agree on them); SpanContextOnly below checks at load that it still does.
 */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

/**
 * A context holding one span and nothing else: what `trace.setSpan(ROOT_CONTEXT, span)` makes,
 * as one small object (the API's context copies a Map and makes three closures each time, twice
 * per envelope here). Setting or deleting a value falls back to the API's own context.
 */
class SpanContextOnly implements Context {
  constructor(private readonly span: Span) {}
  getValue(key: symbol): unknown {
    return key === SPAN_KEY ? this.span : undefined;
  }
  setValue(key: symbol, value: unknown): Context {
    return trace.setSpan(ROOT_CONTEXT, this.span).setValue(key, value);
  }
  deleteValue(key: symbol): Context {
    return key === SPAN_KEY ? ROOT_CONTEXT : this;
  }
}

/** Whether SpanContextOnly is what the installed API reads (if not, its own contexts are used). */
const SPAN_CONTEXT_ONLY_OK = ((): boolean => {
  const probe = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
  return trace.getSpan(new SpanContextOnly(probe)) === probe && trace.getSpan(new SpanContextOnly(probe).deleteValue(SPAN_KEY)) === undefined;
})();

/** The context with `span` active and nothing else. */
const spanOnly = (span: Span): Context => (SPAN_CONTEXT_ONLY_OK ? new SpanContextOnly(span) : trace.setSpan(ROOT_CONTEXT, span));

// Span options are only read by the SDK: one frozen object each instead of one per span.
const CONSUMER: SpanOptions = Object.freeze({ kind: SpanKind.CONSUMER });
const PRODUCER: SpanOptions = Object.freeze({ kind: SpanKind.PRODUCER });

const isThenable = <T>(r: T | PromiseLike<T>): r is PromiseLike<T> => typeof (r as { then?: unknown } | null)?.then === 'function';

/** Spans of one batch: a `process` span per envelope and one `settle` span for its commit. */
export class BatchTracing {
  private readonly links: Link[] = [];
  private readonly events: [string, Record<string, string>][] = [];

  constructor(private readonly actor: ActorTracing) {}

  /** Starts the `process` span of one envelope read from `stream` (entry `id`) of `topic` on `partition`. */
  process(stream: string, id: string, env: Envelope, topic: string, partition: number): ProcessTracing {
    const { tracer } = this.actor;
    const remote = spanContextOf(env);
    const span = tracer.startSpan(this.actor.processName(topic), CONSUMER, remote ? spanOnly(trace.wrapSpanContext(remote)) : ROOT_CONTEXT);
    // A span sampled out (not recording) gets nothing more: no link, no attribute.
    if (!span.isRecording()) return new ProcessTracing(this.actor, span, partition, env.attempt);
    if (remote) {
      // The link to the creation context, added once the span records: the sampler saw the same
      // context as the parent, and a span sampled out pays for no link.
      const link: Link = { context: remote };
      span.addLink(link);
      if (this.links.length < MAX_SETTLE_LINKS) this.links.push(link);
    }
    // One call per attribute: no attributes object per envelope (the SDK copies it anyway).
    span.setAttribute(ATTR.system, MESSAGING_SYSTEM);
    span.setAttribute(ATTR.operationType, 'process');
    span.setAttribute(ATTR.operationName, 'process');
    span.setAttribute(ATTR.destination, topic);
    span.setAttribute(ATTR.partition, partitionId(partition));
    span.setAttribute(ATTR.group, this.actor.actor);
    span.setAttribute(ATTR.messageId, env.id);
    span.setAttribute(ATTR.conversationId, env.correlationId);
    span.setAttribute(ATTR.attempt, env.attempt);
    span.setAttribute(ATTR.stream, stream);
    span.setAttribute(ATTR.entryId, id);
    return new ProcessTracing(this.actor, span, partition, env.attempt);
  }

  /** A dead letter of an entry that was not an envelope: an event on the batch's `settle` span. */
  deadLetteredEntry(stream: string, id: string, reason: string, error: string): void {
    this.events.push(['dead-lettered', { [ATTR.stream]: stream, [ATTR.entryId]: id, [ATTR.reason]: reason, [ATTR.error]: error.slice(0, MAX_EVENT_ERROR) }]);
  }

  /** Runs the batch's commit inside the `settle` span; `duplicates` tells how many items the commit found already committed. */
  async settle<T>(items: number, commit: () => Promise<T>, duplicates: (result: T) => number): Promise<T> {
    const span = this.actor.tracer.startSpan('settle', { kind: SpanKind.CLIENT, links: this.links }, ROOT_CONTEXT);
    if (span.isRecording()) {
      span.setAttribute(ATTR.system, MESSAGING_SYSTEM);
      span.setAttribute(ATTR.operationType, 'settle');
      span.setAttribute(ATTR.operationName, 'settle');
      span.setAttribute(ATTR.group, this.actor.actor);
      span.setAttribute(ATTR.batchCount, items);
      for (const [name, attrs] of this.events) span.addEvent(name, attrs);
    }
    try {
      const result = await commit();
      const dup = duplicates(result);
      if (dup > 0 && span.isRecording()) span.addEvent('duplicate', { [ATTR.reason]: 'idempotency marker already set at commit', count: dup });
      return result;
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      throw err;
    } finally {
      span.end();
    }
  }
}

/** The `process` span of one envelope and what happens under it. */
export class ProcessTracing {
  /** Context with this span active, made on first use. */
  private ctx: Context | undefined;
  /** The creation context of outputs when there are no `create` spans: this span's, formatted once. */
  private fields: TraceContextFields | undefined;

  constructor(
    private readonly actor: ActorTracing,
    readonly span: Span,
    private readonly partition: number,
    /** The envelope's attempt (the retry event names the next one). */
    private readonly attempt: number,
  ) {}

  /** Runs the handler with this span active, so the application's own spans nest under it. */
  run<T>(fn: () => T): T {
    return context.with((this.ctx ??= spanOnly(this.span)), fn);
  }

  /**
   * Calls `make` with the trace context for one output to `topic`: this span's (default), or that
   * of a new `create` span (createSpans), which ends at once.
   */
  create<E extends Envelope>(topic: string, make: (trace: TraceContextFields) => E): E {
    if (!this.actor.createSpans) return make((this.fields ??= fieldsOf(this.span.spanContext())));
    const span = this.actor.tracer.startSpan(this.actor.createName(topic), PRODUCER, (this.ctx ??= spanOnly(this.span)));
    try {
      const out = make(fieldsOf(span.spanContext()));
      if (span.isRecording()) {
        span.setAttribute(ATTR.system, MESSAGING_SYSTEM);
        span.setAttribute(ATTR.operationType, 'create');
        span.setAttribute(ATTR.operationName, 'create');
        span.setAttribute(ATTR.destination, topic);
        span.setAttribute(ATTR.partition, partitionId(this.partition));
        span.setAttribute(ATTR.messageId, out.id);
      }
      return out;
    } finally {
      span.end();
    }
  }

  /**
   * Ends the span when `next(d)` has decided the entry's outcome (at once when it returns one,
   * later when it returns a promise), with the outcome's event; returns that outcome unchanged.
   */
  around<D, O extends TracedOutcome>(next: (d: D) => O | Promise<O>, d: D, clock: Clock): O | Promise<O> {
    let out: O | Promise<O>;
    try {
      out = next(d);
    } catch (err) {
      this.end();
      throw err;
    }
    if (!isThenable(out)) return this.finish(out, clock);
    return Promise.resolve(out).then(
      (o) => this.finish(o, clock),
      (err: unknown) => {
        this.end();
        throw err;
      },
    );
  }

  /** Records the outcome (retry, duplicate, dead letter) as an event and ends the span. */
  private finish<O extends TracedOutcome>(out: O, clock: Clock): O {
    if (out.kind === 'duplicate') this.duplicate();
    else if (out.kind === 'dead-letter') this.deadLettered(out.reason ?? 'unknown', out.error ?? '');
    else if (out.kind === 'retry') {
      const now = clock.now();
      this.retried(this.attempt + 1, (out.item?.delayed?.[0]?.dueMs ?? now) - now, out.error ?? '');
    }
    this.end();
    return out;
  }

  /** The handler failed and a later attempt is scheduled. */
  retried(nextAttempt: number, delayMs: number, error: string): void {
    if (!this.span.isRecording()) return;
    this.span.addEvent('retry', { [ATTR.attempt]: nextAttempt, [ATTR.delayMs]: delayMs, [ATTR.error]: error.slice(0, MAX_EVENT_ERROR) });
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: error.slice(0, MAX_EVENT_ERROR) });
  }

  /** The envelope was skipped: its idempotency key was already committed. */
  duplicate(): void {
    if (this.span.isRecording()) this.span.addEvent('duplicate', { [ATTR.reason]: 'idempotency key already committed' });
  }

  /** The envelope went to the DLQ. */
  deadLettered(reason: string, error: string): void {
    if (!this.span.isRecording()) return;
    this.span.addEvent('dead-lettered', { [ATTR.reason]: reason, [ATTR.error]: error.slice(0, MAX_EVENT_ERROR) });
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: `dead-lettered: ${reason}` });
  }

  /** Ends the span. */
  end(): void {
    this.span.end();
  }
}

/** `messaging.destination.partition.id` strings for the usual partition numbers, made once. */
const PARTITION_IDS = Array.from({ length: 64 }, (_, i) => String(i));
const partitionId = (p: number): string => PARTITION_IDS[p] ?? String(p);

/**
 * The envelope as emitted, with trace context: one that has its own is kept; otherwise it gets the
 * `process` span's (or a `create` span's) context when an SDK is registered, or the input's when
 * none is, so `ctx.emit` of an envelope built with createEnvelope still continues the flow's trace.
 */
export function withTraceContext(out: Envelope, input: Envelope, pt: ProcessTracing | null): Envelope {
  if (out.traceparent !== undefined) return out;
  if (pt) return pt.create(out.type, (tc) => ({ ...out, ...tc }));
  if (input.traceparent === undefined) return out;
  return input.tracestate === undefined ? { ...out, traceparent: input.traceparent } : { ...out, traceparent: input.traceparent, tracestate: input.tracestate };
}

/**
 * The runtime's OpenTelemetry spans (messaging semantic conventions), kept out of the delivery
 * code, which only calls these hooks:
 *
 * - `process <topic>` (CONSUMER), one per envelope handled. Its parent is the envelope's
 *   `traceparent` (the producer's span), and it also links to it: the conventions require the
 *   link (batches cannot have one parent) and allow the parent when one message is processed on
 *   its own, which is what a handler does. The parent keeps one trace id along the whole flow.
 * - `create <topic>` (PRODUCER), one per output envelope, child of `process`; it ends at once and
 *   its context becomes the output's `traceparent`, so the next hop's `process` is its child.
 * - `settle` (CLIENT), one per batch commit (outputs + acks + markers in one atomic step), a root
 *   span linking the creation context of every envelope the batch settled.
 * - Retries, duplicates skipped and dead letters are events on the `process` span, with reasons;
 *   dead letters of entries that were not envelopes, and duplicates found by the commit, are
 *   events on `settle`.
 *
 * With no SDK registered `ActorTracing.batch()` returns null and the runtime does no span work.
 * Attributes and events are only built for spans that record (sampled in).
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span, type Tracer } from '@opentelemetry/api';
import type { TraceContextFields } from '../../envelope/trace-context.js';
import type { Envelope } from '../../envelope/types.js';
import { ATTR, fieldsOf, isTracingEnabled, MESSAGING_SYSTEM, spanContextOf, TRACER_NAME, TRACER_VERSION } from '../tracing/otel.js';

/** Longest error text put on a span event (the DLQ keeps the full, redacted one). */
const MAX_EVENT_ERROR = 500;

/** One actor's tracer, looked up once (not per envelope). */
export class ActorTracing {
  private readonly tracer: Tracer;

  constructor(private readonly actor: string) {
    this.tracer = trace.getTracer(TRACER_NAME, TRACER_VERSION);
  }

  /** The spans of one batch, or null when no SDK is registered (then nothing at all is done). */
  batch(): BatchTracing | null {
    return isTracingEnabled() ? new BatchTracing(this.tracer, this.actor) : null;
  }
}

/** Spans of one batch: a `process` span per envelope and one `settle` span for its commit. */
export class BatchTracing {
  private readonly links: Link[] = [];
  private readonly events: [string, Attributes][] = [];

  constructor(
    private readonly tracer: Tracer,
    private readonly actor: string,
  ) {}

  /** Starts the `process` span of one envelope read from `stream` (entry `id`) of `topic` on `partition`. */
  process(stream: string, id: string, env: Envelope, topic: string, partition: number): ProcessTracing {
    const remote = spanContextOf(env);
    let parent = ROOT_CONTEXT;
    let links: Link[] | undefined;
    if (remote) {
      parent = trace.setSpanContext(ROOT_CONTEXT, remote);
      links = [{ context: remote }];
      this.links.push({ context: remote });
    }
    const span = this.tracer.startSpan(`process ${topic}`, links ? { kind: SpanKind.CONSUMER, links } : { kind: SpanKind.CONSUMER }, parent);
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.system]: MESSAGING_SYSTEM,
        [ATTR.operationType]: 'process',
        [ATTR.operationName]: 'process',
        [ATTR.destination]: topic,
        [ATTR.partition]: String(partition),
        [ATTR.group]: this.actor,
        [ATTR.messageId]: env.id,
        [ATTR.conversationId]: env.correlationId,
        [ATTR.attempt]: env.attempt,
        [ATTR.stream]: stream,
        [ATTR.entryId]: id,
      });
    }
    return new ProcessTracing(this.tracer, span, trace.setSpan(parent, span), partition);
  }

  /** A dead letter of an entry that was not an envelope: an event on the batch's `settle` span. */
  deadLetteredEntry(stream: string, id: string, reason: string, error: string): void {
    this.events.push(['dead-lettered', { [ATTR.stream]: stream, [ATTR.entryId]: id, [ATTR.reason]: reason, [ATTR.error]: error.slice(0, MAX_EVENT_ERROR) }]);
  }

  /** Runs the batch's commit inside the `settle` span; `duplicates` tells how many items the commit found already committed. */
  async settle<T>(items: number, commit: () => Promise<T>, duplicates: (result: T) => number): Promise<T> {
    const span = this.tracer.startSpan('settle', { kind: SpanKind.CLIENT, links: this.links }, ROOT_CONTEXT);
    if (span.isRecording()) {
      span.setAttributes({
        [ATTR.system]: MESSAGING_SYSTEM,
        [ATTR.operationType]: 'settle',
        [ATTR.operationName]: 'settle',
        [ATTR.group]: this.actor,
        [ATTR.batchCount]: items,
      });
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
  constructor(
    private readonly tracer: Tracer,
    readonly span: Span,
    /** Context with this span active: the handler runs in it, so the application's own spans nest under it. */
    private readonly ctx: Context,
    private readonly partition: number,
  ) {}

  /** Runs the handler with this span active. */
  run<T>(fn: () => T): T {
    return context.with(this.ctx, fn);
  }

  /** A `create` span for one output: `make` gets its trace context to put on the envelope. */
  create<E extends Envelope>(topic: string, make: (trace: TraceContextFields) => E): E {
    const span = this.tracer.startSpan(`create ${topic}`, { kind: SpanKind.PRODUCER }, this.ctx);
    try {
      const out = make(fieldsOf(span.spanContext()));
      if (span.isRecording()) {
        span.setAttributes({
          [ATTR.system]: MESSAGING_SYSTEM,
          [ATTR.operationType]: 'create',
          [ATTR.operationName]: 'create',
          [ATTR.destination]: topic,
          [ATTR.partition]: String(this.partition),
          [ATTR.messageId]: out.id,
        });
      }
      return out;
    } finally {
      span.end();
    }
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

  end(): void {
    this.span.end();
  }
}

/**
 * The envelope as emitted, with trace context: one that has its own is kept; otherwise it gets a
 * `create` span's context (SDK registered) or the input's (none), so `ctx.emit` of an envelope
 * built with createEnvelope still continues the flow's trace.
 */
export function withTraceContext(out: Envelope, input: Envelope, pt: ProcessTracing | null): Envelope {
  if (out.traceparent !== undefined) return out;
  if (pt) return pt.create(out.type, (tc) => ({ ...out, ...tc }));
  if (input.traceparent === undefined) return out;
  return input.tracestate === undefined ? { ...out, traceparent: input.traceparent } : { ...out, traceparent: input.traceparent, tracestate: input.tracestate };
}

/**
 * The bridge between envelope trace context (W3C fields) and OpenTelemetry (`@opentelemetry/api`
 * only: the application chooses and registers an SDK, or none). Shared by the runtime's spans and
 * the producer helpers.
 */
import { createTraceState, isSpanContextValid, ProxyTracerProvider, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { isValidTracestate, type TraceContextFields } from '../../envelope/trace-context.js';

/** Instrumentation scope of every span we start. */
export const TRACER_NAME = 'stream-actors';
/** Version reported with the instrumentation scope. */
export const TRACER_VERSION = '0.1.0';
/** `messaging.system`: the conventions list no value for Redis Streams, so a custom one. */
export const MESSAGING_SYSTEM = 'redis';

/** Attribute names (messaging semantic conventions, plus ours under `stream_actors.`). */
export const ATTR = Object.freeze({
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  group: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  batchCount: 'messaging.batch.message_count',
  attempt: 'stream_actors.attempt',
  stream: 'stream_actors.stream',
  entryId: 'stream_actors.entry_id',
  reason: 'stream_actors.reason',
  error: 'stream_actors.error',
  delayMs: 'stream_actors.retry.delay_ms',
});

/**
 * True when an application registered a tracer provider. Without one the API hands out a proxy
 * whose delegate is undefined: then the runtime skips every span (no parsing, no allocation).
 * Cheap enough to ask once per batch (the SDK caches its tracers by name).
 */
export function isTracingEnabled(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME, TRACER_VERSION) !== undefined;
}

/** The remote span context an envelope's traceparent names, or undefined (none, or not valid). */
export function spanContextOf(fields: TraceContextFields): SpanContext | undefined {
  const tp = fields.traceparent;
  // Envelopes were validated (or had broken context dropped) on decode: the layout is fixed.
  if (tp === undefined || tp.length !== 55) return undefined;
  const sc: SpanContext = {
    traceId: tp.slice(3, 35),
    spanId: tp.slice(36, 52),
    traceFlags: Number.parseInt(tp.slice(53, 55), 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (fields.tracestate !== undefined) sc.traceState = createTraceState(fields.tracestate);
  return isSpanContextValid(sc) ? sc : undefined;
}

/** Envelope fields for a span context: a version 00 traceparent, and tracestate when there is a valid one. */
export function fieldsOf(sc: SpanContext): TraceContextFields {
  const traceparent = `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  const tracestate = sc.traceState?.serialize();
  return tracestate && isValidTracestate(tracestate) ? { traceparent, tracestate } : { traceparent };
}

/**
 * The bridge between envelope trace context (W3C fields) and OpenTelemetry (`@opentelemetry/api`
 * only: the application chooses and registers an SDK, or none). Shared by the runtime's spans and
 * the producer helpers.
 */
import { createTraceState, ProxyTracerProvider, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
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

/**
 * The remote span context an envelope's traceparent names, or undefined (none). The envelope's
 * trace context must have been validated (decode drops an invalid one): the layout is fixed, ids
 * are lower-case hex and not all zeros, so nothing is checked again here.
 */
export function spanContextOf(fields: TraceContextFields): SpanContext | undefined {
  const tp = fields.traceparent;
  if (tp === undefined || tp.length !== 55) return undefined;
  // The sampled flag is bit 0 of the flags' last hex digit (lower case: '0'-'9' or 'a'-'f').
  const last = tp.charCodeAt(54);
  const sc: SpanContext = {
    traceId: tp.slice(3, 35),
    spanId: tp.slice(36, 52),
    traceFlags: (last <= 57 ? last - 48 : last - 87) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (fields.tracestate !== undefined) sc.traceState = createTraceState(fields.tracestate);
  return sc;
}

/** Envelope fields for a span context: a version 00 traceparent, and tracestate when there is a valid one. */
export function fieldsOf(sc: SpanContext): TraceContextFields {
  const flags = sc.traceFlags & 0xff;
  const traceparent = `00-${sc.traceId}-${sc.spanId}-${flags === TraceFlags.SAMPLED ? '01' : flags === TraceFlags.NONE ? '00' : flags.toString(16).padStart(2, '0')}`;
  if (sc.traceState === undefined) return { traceparent };
  const tracestate = sc.traceState.serialize();
  return tracestate && isValidTracestate(tracestate) ? { traceparent, tracestate } : { traceparent };
}

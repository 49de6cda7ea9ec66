/**
 * Trace context for producers outside an actor (ingest, an HTTP handler, the producer API):
 * put the active OpenTelemetry span's context on the envelopes you publish, so the actors that
 * handle them continue the same trace. Both helpers are no-ops (return {} / run `publish`
 * directly) when no OpenTelemetry SDK is registered.
 *
 *   const env = createEnvelope({ type: 'email.received', payload, ...traceContextForPublish() });
 *
 *   await withSendSpan('email.received', async (trace) => {
 *     const env = createEnvelope({ type: 'email.received', payload, ...trace });
 *     await backend.append(keys.topic(env.type), encodeEnvelope(env));
 *     return env;
 *   });
 */
import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { TraceContextFields } from '../../envelope/trace-context.js';
import { ATTR, fieldsOf, isTracingEnabled, MESSAGING_SYSTEM, TRACER_NAME, TRACER_VERSION } from './otel.js';

/** The trace context of the active span (or of `ctx`) as envelope fields; {} when there is none. */
export function traceContextForPublish(ctx: Context = context.active()): TraceContextFields {
  const sc = trace.getSpanContext(ctx);
  return sc && isSpanContextValid(sc) ? fieldsOf(sc) : {};
}

/** Options of withSendSpan. */
export interface SendSpanOptions {
  /** Partition written to (attribute messaging.destination.partition.id). */
  partition?: number;
  /** How many envelopes this publish writes (messaging.batch.message_count when more than one). */
  count?: number;
}

/**
 * Runs `publish` inside a PRODUCER span `send <topic>` (messaging conventions), handing it the
 * span's trace context to put on the envelopes it writes; the span ends when `publish` settles
 * and records its error. Without an SDK, `publish` runs with the active context's fields.
 */
export async function withSendSpan<T>(topic: string, publish: (trace: TraceContextFields) => Promise<T>, opts: SendSpanOptions = {}): Promise<T> {
  if (!isTracingEnabled()) return publish(traceContextForPublish());
  const tracer = trace.getTracer(TRACER_NAME, TRACER_VERSION);
  const span = tracer.startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER });
  if (span.isRecording()) {
    span.setAttributes({ [ATTR.system]: MESSAGING_SYSTEM, [ATTR.operationType]: 'send', [ATTR.operationName]: 'send', [ATTR.destination]: topic });
    if (opts.partition !== undefined) span.setAttribute(ATTR.partition, String(opts.partition));
    if (opts.count !== undefined && opts.count > 1) span.setAttribute(ATTR.batchCount, opts.count);
  }
  try {
    return await context.with(trace.setSpan(context.active(), span), () => publish(fieldsOf(span.spanContext())));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

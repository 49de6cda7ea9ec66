/** OpenTelemetry for actors and producers (see docs/TRACING.md). */
export { traceContextForPublish, withSendSpan, type SendSpanOptions } from './publish.js';
export { isTracingEnabled, MESSAGING_SYSTEM, TRACER_NAME } from './otel.js';

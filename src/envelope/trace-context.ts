/**
 * W3C Trace Context on envelopes (https://www.w3.org/TR/trace-context/): `traceparent` and
 * `tracestate` are optional and carried from input to outputs. Values read from streams are
 * untrusted: an invalid one is dropped (with a warning from the caller), never a reason to reject
 * the envelope. A `tracestate` without a valid `traceparent` is meaningless and dropped with it.
 * The checks are the schema's own patterns, so a value kept here always passes validation.
 */
import { MAX_TRACESTATE_LENGTH, TRACEPARENT_PATTERN, TRACESTATE_PATTERN } from './schema.js';

/** The trace context fields of an envelope. */
export interface TraceContextFields {
  traceparent?: string;
  tracestate?: string;
}

const TRACEPARENT_RE = new RegExp(TRACEPARENT_PATTERN, 'u');
const TRACESTATE_RE = new RegExp(TRACESTATE_PATTERN, 'u');

/** True for a W3C traceparent we propagate. */
export function isValidTraceparent(value: unknown): value is string {
  return typeof value === 'string' && value.length === 55 && TRACEPARENT_RE.test(value);
}

/** True for a W3C tracestate: 1 to 32 comma-separated key=value members, at most 512 characters. */
export function isValidTracestate(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_TRACESTATE_LENGTH && TRACESTATE_RE.test(value);
}

/**
 * Removes invalid trace context fields from a parsed (not yet validated) envelope, in place.
 * Returns what was dropped and why ([] when nothing was), for the caller to log.
 */
export function dropInvalidTraceContext(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const o = value as Record<string, unknown>;
  // Hot path: most envelopes carry neither field, or a valid traceparent and no tracestate.
  if (o.traceparent === undefined && o.tracestate === undefined) return [];
  const dropped: string[] = [];
  if (o.traceparent !== undefined && !isValidTraceparent(o.traceparent)) {
    dropped.push(`traceparent ${describe(o.traceparent)} is not a W3C traceparent`);
    delete o.traceparent;
  }
  if (o.tracestate !== undefined && (o.traceparent === undefined || !isValidTracestate(o.tracestate))) {
    dropped.push(o.traceparent === undefined ? 'tracestate without a valid traceparent' : `tracestate ${describe(o.tracestate)} is not a W3C tracestate`);
    delete o.tracestate;
  }
  return dropped;
}

/**
 * Keeps the valid parts of trace context a caller got from outside (an HTTP header, a message):
 * `{ context, dropped }`, where dropped explains what was left out.
 */
export function sanitizeTraceContext(input: { traceparent?: unknown; tracestate?: unknown }): { context: TraceContextFields; dropped: string[] } {
  const copy: Record<string, unknown> = {};
  if (input.traceparent !== undefined) copy.traceparent = input.traceparent;
  if (input.tracestate !== undefined) copy.tracestate = input.tracestate;
  const dropped = dropInvalidTraceContext(copy);
  return { context: copy as TraceContextFields, dropped };
}

/** A short, safe description of an untrusted value for a log line. */
function describe(v: unknown): string {
  if (typeof v !== 'string') return `(a ${v === null ? 'null' : typeof v})`;
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
}

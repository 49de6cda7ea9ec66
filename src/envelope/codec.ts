// Stream encoding of an envelope: one field, `envelope`, holding its JSON.
import { DEFAULT_JSON_LIMITS, parseBoundedJson } from './bounded-json.js';
import { dropInvalidTraceContext } from './trace-context.js';
import type { Envelope } from './types.js';
import { DEFAULT_VALIDATE_OPTIONS, formatIssues, validateEnvelope, validateParsedEnvelope } from './validate.js';
import type { EnvelopeIssue } from './validate.js';

/** Name of the stream entry field that carries the envelope JSON. */
export const ENVELOPE_FIELD = 'envelope';

/** Options of decodeEntry. */
export interface DecodeOptions {
  /** Largest accepted envelope, in UTF-8 bytes; checked before parsing. */
  maxBytes: number;
  /** Deepest nesting accepted (bounded decoder, src/envelope/bounded-json.ts). */
  maxDepth?: number;
  /** Most fields (properties plus array elements) accepted. */
  maxFields?: number;
}

/** Defaults of DecodeOptions. */
export const DEFAULT_DECODE_OPTIONS: Readonly<DecodeOptions> = Object.freeze({
  maxBytes: 1024 * 1024,
});

/** Why an entry could not be decoded. */
export type DecodeFailureReason = 'missing-field' | 'oversized' | 'not-json' | 'invalid-envelope';

/** Outcome of decodeEntry; a failure keeps a copy of the raw fields for the DLQ. */
export type DecodeResult =
  | {
      ok: true;
      envelope: Envelope;
      bytes: number;
      /** Invalid trace context dropped from the envelope (log them; never a reason to reject). */ dropped?: string[];
    }
  | {
      ok: false;
      reason: DecodeFailureReason;
      error: string;
      issues?: EnvelopeIssue[];
      raw: string[];
    };

/**
 * Stream fields of an envelope: `['envelope', JSON]`. Hot path: a single JSON.stringify and no
 * validation, so pass only envelopes built by createEnvelope/deriveEnvelope or validated ones.
 */
export function encodeEnvelope(env: Envelope): string[] {
  return [ENVELOPE_FIELD, JSON.stringify(env)];
}

/**
 * Decodes the flat field list of a stream entry (`[name, value, name, value, ...]`). Never
 * throws. The size is checked before parsing; the first `envelope` field wins. JSON.parse
 * keeps the last of duplicate keys, and that is the value validated and returned.
 */
export function decodeEntry(fields: readonly string[], opts: DecodeOptions = DEFAULT_DECODE_OPTIONS): DecodeResult {
  // Hot path: the fields are copied (for the DLQ) only when the entry fails.
  try {
    const json = Array.isArray(fields) ? envelopeField(fields) : undefined;
    if (json === undefined) return failure('missing-field', `no '${ENVELOPE_FIELD}' field in the entry`, fields);
    if (typeof json !== 'string') {
      return failure('not-json', `field '${ENVELOPE_FIELD}' is not a string (got ${typeof json})`, fields);
    }
    // The bounded decoder: size first, then an iterative parse and walk (no input overflows the stack).
    const maxDepth = opts.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
    const decoded = parseBoundedJson(json, {
      maxBytes: opts.maxBytes,
      maxDepth,
      maxFields: opts.maxFields ?? DEFAULT_JSON_LIMITS.maxFields,
    });
    if (!decoded.ok) {
      if (decoded.reason === 'oversized' || decoded.reason === 'not-json') return failure(decoded.reason, `envelope is ${decoded.error}`, fields);
      // Too deep or too wide: an envelope that could not be handled safely, named by its path.
      const issues = [{ path: decoded.path, rule: 'invalid-value', message: decoded.error }];
      return { ok: false, reason: 'invalid-envelope', error: formatIssues(issues), issues, raw: copyFields(fields) };
    }
    const bytes = decoded.bytes;
    const parsed = decoded.value;
    // Trace context is advisory: a broken traceparent or tracestate is dropped, the envelope kept.
    const dropped = dropInvalidTraceContext(parsed);
    // A JSON.parse result nested no deeper than validation allows is plain JSON: only the schema is left to check.
    const result = maxDepth <= DEFAULT_VALIDATE_OPTIONS.maxDepth ? validateParsedEnvelope(parsed) : validateEnvelope(parsed);
    if (!result.ok) {
      return { ok: false, reason: 'invalid-envelope', error: formatIssues(result.errors), issues: result.errors, raw: copyFields(fields) };
    }
    return dropped.length ? { ok: true, envelope: result.envelope, bytes, dropped } : { ok: true, envelope: result.envelope, bytes };
  } catch (err) {
    // Only reachable with fields that are not what the type says (e.g. a throwing proxy).
    return failure('invalid-envelope', `entry could not be decoded: ${messageOf(err)}`, fields);
  }
}

function copyFields(fields: readonly string[]): string[] {
  try {
    return Array.isArray(fields) ? Array.from(fields) : [];
  } catch {
    return [];
  }
}

/** Value of the first `envelope` field name (even positions are names), or undefined. */
function envelopeField(fields: readonly unknown[]): unknown {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === ENVELOPE_FIELD) return fields[i + 1];
  }
  return undefined;
}

function failure(reason: DecodeFailureReason, error: string, fields: readonly string[]): DecodeResult {
  return { ok: false, reason, error, raw: copyFields(fields) };
}

function messageOf(err: unknown): string {
  try {
    return err instanceof Error ? String(err.message) : String(err);
  } catch {
    return 'unreadable error';
  }
}

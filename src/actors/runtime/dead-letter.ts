import { parseBoundedJson } from '../../envelope/bounded-json.js';
import { ENVELOPE_FIELD } from '../../envelope/codec.js';
import type { Envelope } from '../../envelope/types.js';
import { createRedactor, redactString } from '../../monitoring/redact.js';

/** Why an entry was dead-lettered. */
export type DeadLetterReason =
  'handler-error' | 'invalid-payload' | 'poison' | 'deleted-before-processing' | 'missing-field' | 'oversized' | 'not-json' | 'invalid-envelope';

/** What a DLQ entry records about one failed input. */
export interface DeadLetter {
  reason: DeadLetterReason;
  error: string;
  attempts: number;
  actor: string;
  /** Stream key the input was read from. */
  source: string;
  sourceId: string;
  failedAtMs: number;
  envelope?: Envelope;
  /** Raw fields of an entry that was not a valid envelope. */
  raw?: string[];
  /** The envelope / raw copy was stored redacted (secrets and emails masked): not replayable as is. */
  redacted?: boolean;
}

/** How a dead letter's copy of the input is stored. */
export interface DeadLetterStoreOptions {
  /** Mask secrets, tokens and emails in the stored envelope / raw copy (the error text always is). Default false: the exact copy, replayable. */
  redact?: boolean;
}

// Keeps the envelope's shape (as deep as a valid envelope may be) while masking what looks secret.
const copyRedactor = createRedactor({ maxDepth: 130 });

/** Longest error text kept in a DLQ entry. */
const MAX_ERROR_CHARS = 4_000;

/**
 * Stream fields of a DLQ entry; the error text is redacted and bounded. With `redact`, the copy of
 * the input is stored redacted too (for pipelines that carry secrets; such an entry cannot be replayed).
 */
export function deadLetterFields(d: DeadLetter, opts: DeadLetterStoreOptions = {}): string[] {
  const error = redactString(d.error).slice(0, MAX_ERROR_CHARS);
  const fields = [
    'reason',
    d.reason,
    'error',
    error,
    'attempts',
    String(d.attempts),
    'actor',
    d.actor,
    'source',
    d.source,
    'sourceId',
    d.sourceId,
    'failedAt',
    new Date(d.failedAtMs).toISOString(),
  ];
  if (opts.redact) {
    if (d.envelope) fields.push(ENVELOPE_FIELD, JSON.stringify(copyRedactor.redact(d.envelope)), 'redacted', 'true');
    else if (d.raw) fields.push('raw', JSON.stringify(d.raw.map((v) => copyRedactor.redactString(v))), 'redacted', 'true');
    return fields;
  }
  if (d.envelope) fields.push(ENVELOPE_FIELD, JSON.stringify(d.envelope));
  else if (d.raw) fields.push('raw', JSON.stringify(d.raw));
  return fields;
}

/** A DLQ entry read back (streams-dlq, tests). */
export interface DeadLetterEntry extends Omit<DeadLetter, 'failedAtMs'> {
  id: string;
  failedAt: string;
  /** Why a stored `envelope` or `raw` field could not be read back (not JSON, too deep, too big): it is then left out. */
  undecodable?: string;
}

/** Parses a DLQ entry's fields; tolerant of missing fields. */
export function parseDeadLetter(id: string, fields: readonly string[]): DeadLetterEntry {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) m.set(fields[i]!, fields[i + 1]!);
  // A DLQ entry is untrusted input (anyone with write access to the prefix can add one): the bounded decoder reads it.
  const problems: string[] = [];
  const parse = (name: string): unknown => {
    const text = m.get(name);
    if (text === undefined) return undefined;
    const r = parseBoundedJson(text);
    if (r.ok) return r.value;
    problems.push(`${name} field: ${r.error}`);
    return undefined;
  };
  const entry: DeadLetterEntry = {
    id,
    reason: (m.get('reason') ?? 'handler-error') as DeadLetterReason,
    error: m.get('error') ?? '',
    attempts: Number(m.get('attempts') ?? 0),
    actor: m.get('actor') ?? '',
    source: m.get('source') ?? '',
    sourceId: m.get('sourceId') ?? '',
    failedAt: m.get('failedAt') ?? '',
  };
  const env = parse(ENVELOPE_FIELD);
  if (env !== undefined) entry.envelope = env as Envelope;
  const raw = parse('raw');
  if (Array.isArray(raw)) entry.raw = raw.map(String);
  if (problems.length > 0) entry.undecodable = problems.join('; ');
  if (m.get('redacted') === 'true') entry.redacted = true;
  return entry;
}

/**
 * Ingest: JSONL lines of emails -> `email.received` envelopes, appended in batches (one round
 * trip per batch, never per message), each on its sender's partition. Every JSON object is ingested, valid email or not: the
 * campaign manager validates and dead-letters bad mail with its reason. Lines are untrusted: they
 * are read with the bounded decoder (size, depth, field count). Lines that are not JSON objects,
 * break a limit, or cannot become a valid envelope go to email.received's DLQ (with the reason and
 * the line number), never silently dropped, and the run goes on: lines before and after are written. Duplicate message ids are written too: the campaign
 * manager's idempotency (idempotencyKey = messageId) skips them, across ingests and processes.
 */
import { deadLetterFields } from '../../runtime/dead-letter.js';
import { TOPICS } from '../topics.js';
import { parseBoundedJson, type JsonLimits } from '../../../envelope/bounded-json.js';
import { encodeEnvelope } from '../../../envelope/codec.js';
import { createEnvelope } from '../../../envelope/envelope.js';
import { stableHash } from '../../../envelope/hash.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../../envelope/schema.js';
import type { Append, StreamBackend } from '../../../streams/backend.js';
import { systemClock, type Clock } from '../../../clock.js';
import { partitionOf, type Keys } from '../../../streams/keys.js';

/** Options of ingestEmails. */
export interface IngestOptions {
  /** Where the lines came from (file name); becomes metadata.source `ingest:<source>`. */
  source: string;
  /** Entries per appendMany. */
  batchSize: number;
  /** Longest raw line kept in a DLQ entry. */
  maxRawChars: number;
  /** Limits of the bounded decoder for one line (defaults: DEFAULT_JSON_LIMITS). */
  limits?: Partial<JsonLimits>;
  /** Partitions P of the topics: each mail goes to partitionOf(sender, P), so one sender's flow stays on one partition. */
  partitions: number;
  clock: Clock;
}

/** Defaults of IngestOptions (source has none: say where the data came from). */
export const DEFAULT_INGEST_OPTIONS: Readonly<Omit<IngestOptions, 'source'>> = Object.freeze({
  batchSize: 500,
  maxRawChars: 16_384,
  partitions: 1,
  clock: systemClock,
});

/** A line that could not become an envelope. */
export interface RejectedLine {
  /** 1-based line number. */
  line: number;
  /** not-json: not a JSON object; oversized: too big, too deep or too wide for the decoder; invalid-envelope: an object that cannot become a valid envelope. */
  reason: 'not-json' | 'oversized' | 'invalid-envelope';
  error: string;
}

/** What an ingest did. */
export interface IngestResult {
  /** Envelopes appended to email.received (duplicates and invalid mail included). */
  ingested: number;
  /** Of those, how many repeat a messageId seen earlier in this ingest (the campaign manager skips them). */
  duplicates: number;
  /** Lines written to email.received's DLQ instead. */
  rejected: RejectedLine[];
  /** Blank lines ignored. */
  blank: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The idempotency key of a mail: its messageId, or a hash of the object when it has no usable one. */
export function emailIdempotencyKey(email: Record<string, unknown>): string {
  const id = email.messageId;
  if (typeof id === 'string' && id.trim() !== '') {
    const trimmed = id.trim();
    return trimmed.length <= MAX_IDEMPOTENCY_KEY_LENGTH ? trimmed : `sha256:${stableHash(trimmed)}`;
  }
  return `sha256:${stableHash(email)}`;
}

/** Appends each JSONL line as an `email.received` envelope (batched); non-JSON lines go to the DLQ. */
export async function ingestEmails(
  backend: StreamBackend,
  keys: Keys,
  lines: Iterable<string> | AsyncIterable<string>,
  options: Partial<IngestOptions> & Pick<IngestOptions, 'source'>,
): Promise<IngestResult> {
  const opts = { ...DEFAULT_INGEST_OPTIONS, ...options };
  const dlq = keys.dlq(TOPICS.emailReceived);
  const result: IngestResult = { ingested: 0, duplicates: 0, rejected: [], blank: 0 };
  const seen = new Set<string>();
  let batch: Append[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const out = batch;
    batch = [];
    await backend.appendMany(out);
  };
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo += 1;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      result.blank += 1;
      continue;
    }
    const decoded = parseBoundedJson(line, opts.limits);
    let rejected: RejectedLine | null = null;
    if (!decoded.ok)
      rejected = {
        line: lineNo,
        reason: decoded.reason === 'not-json' ? 'not-json' : 'oversized',
        error: `line ${lineNo}: ${decoded.reason === 'not-json' ? decoded.error : `JSON ${decoded.error}`}`,
      };
    else if (!isPlainObject(decoded.value)) {
      const v = decoded.value;
      rejected = {
        line: lineNo,
        reason: 'not-json',
        error: `line ${lineNo}: a JSON ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}, not an email object`,
      };
    } else {
      const parsed = decoded.value;
      try {
        const idempotencyKey = emailIdempotencyKey(parsed);
        const from = typeof parsed.from === 'string' ? parsed.from.trim().toLowerCase() : '';
        const env = createEnvelope({
          type: TOPICS.emailReceived,
          payload: parsed,
          idempotencyKey,
          partitionKey: from,
          metadata: { source: `ingest:${opts.source}` },
          now: opts.clock.now(),
        });
        if (seen.has(idempotencyKey)) result.duplicates += 1;
        seen.add(idempotencyKey);
        batch.push({ stream: keys.topic(TOPICS.emailReceived, partitionOf(from, opts.partitions)), fields: encodeEnvelope(env) });
        result.ingested += 1;
      } catch (err) {
        // E.g. a mail nested deeper than an envelope's payload may be: this line only, the run goes on.
        rejected = { line: lineNo, reason: 'invalid-envelope', error: `line ${lineNo}: ${(err as Error).message}` };
      }
    }
    if (rejected) {
      result.rejected.push(rejected);
      const fields = deadLetterFields({
        reason: rejected.reason,
        error: rejected.error,
        attempts: 0,
        actor: 'ingest',
        source: `${opts.source}:${lineNo}`,
        sourceId: String(lineNo),
        failedAtMs: opts.clock.now(),
        raw: [line.slice(0, opts.maxRawChars)],
      });
      batch.push({ stream: dlq, fields });
    }
    if (batch.length >= opts.batchSize) await flush();
  }
  await flush();
  return result;
}

/** Splits a JSONL text into lines (for callers holding the whole file). */
export function jsonlLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * The causal trace of one flow, read from the streams alone (no tracing backend needed): given an
 * envelope id, a correlation id or an idempotency key, find every envelope of that flow on the
 * topic, retry and DLQ streams under a prefix (every partition, so every cluster node) and link
 * them by `causationId` into a tree. Each hop says where it sits (stream key, id, partition), how
 * long after its cause it was appended, and what each consuming actor did with it.
 *
 * Reading is bounded: at most `maxEntries` stream entries are read (XRANGE in pages); past that
 * the result says `truncated`. Entries are filtered on their raw JSON before parsing, so only the
 * flow's own envelopes are decoded. Stream contents are untrusted: nothing here throws on them.
 */
import { parseDeadLetter } from '../actors/runtime/dead-letter.js';
import { ENVELOPE_FIELD } from '../envelope/codec.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../envelope/schema.js';
import { fieldValue, type GroupInfo, type StreamBackend } from '../streams/backend.js';
import type { Keys } from '../streams/keys.js';
import { buildTrace } from './trace-build.js';
import type { TraceMatch, TraceRecord, TraceResult, TraceStats } from './trace-types.js';

export { renderTrace } from './trace-render.js';
export type { TraceConsumer, TraceCopy, TraceDeadLetter, TraceMatch, TraceNode, TraceOutcome, TraceResult, TraceStats } from './trace-types.js';

/** Options of traceFlow. */
export interface TraceOptions {
  /** Most stream entries read in total (over both passes) before stopping with `truncated`. */
  maxEntries: number;
  /** Entries per XRANGE page. */
  pageSize: number;
  /** Most correlation ids followed when a query matches several flows (an idempotency key reused). */
  maxFlows: number;
}

/** Defaults of TraceOptions. */
export const DEFAULT_TRACE_OPTIONS: Readonly<TraceOptions> = Object.freeze({ maxEntries: 500_000, pageSize: 1_000, maxFlows: 10 });

/** Stable codes of TraceQueryError. */
export type TraceQueryErrorCode = 'EMPTY' | 'TOO_LONG' | 'CONTROL_CHARS';

/** A query that cannot name an envelope, correlation or idempotency key. */
export class TraceQueryError extends Error {
  readonly code: TraceQueryErrorCode;
  constructor(code: TraceQueryErrorCode, message: string) {
    super(message);
    this.name = 'TraceQueryError';
    this.code = code;
  }
}

/** True when err is a TraceQueryError. */
export function isTraceQueryError(err: unknown): err is TraceQueryError {
  return err instanceof TraceQueryError;
}

/**
 * Throws TraceQueryError unless `query` could be an id or key: non-empty, at most
 * MAX_IDEMPOTENCY_KEY_LENGTH code points, no control characters. Glob characters are fine: the
 * query is compared literally, never used as a pattern.
 */
export function assertTraceQuery(query: string): void {
  if (typeof query !== 'string' || query.length === 0)
    throw new TraceQueryError('EMPTY', 'the query is empty: give an envelope id, a correlation id or an idempotency key');
  if (query.length > MAX_IDEMPOTENCY_KEY_LENGTH * 2 || [...query].length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new TraceQueryError('TOO_LONG', `the query is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters: no id or key is that long`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(query)) throw new TraceQueryError('CONTROL_CHARS', 'the query contains control characters: no id or key does');
}

/** Reads the streams under `keys.prefix` and returns the causal tree of the flow `query` names. */
export async function traceFlow(backend: StreamBackend, keys: Keys, query: string, opts: Partial<TraceOptions> = {}): Promise<TraceResult> {
  assertTraceQuery(query);
  const o = { ...DEFAULT_TRACE_OPTIONS, ...opts };
  const topics = (await backend.listStreams(keys.topicPattern())).sort();
  const dlqs = (await backend.listStreams(keys.dlqPattern())).sort();
  const groups = new Map<string, GroupInfo[]>();
  const retries = new Set<string>();
  for (const stream of topics) {
    const gs = await backend.groups(stream);
    groups.set(stream, gs);
    const partition = keys.parse(stream)?.partition ?? 0;
    for (const g of gs) {
      // A group created by hand may have a name no actor could have: it has no retry stream.
      if (isKeyName(g.name)) retries.add(keys.retry(g.name, partition));
    }
  }
  const streams = [...topics, ...[...retries].sort(), ...dlqs];
  const scan = new Scanner(backend, keys, o);

  // Pass 1: every entry that mentions the query; pass 2 (unless the query was the correlation id): the whole flow.
  const needle = jsonInner(query);
  const first = await scan.collect(streams, (raw) => raw.includes(needle) || raw.includes(jsonInner(needle)));
  const matched = first.filter((r) => r.env.id === query || r.env.correlationId === query || r.env.idempotencyKey === query);
  const matchedBy: TraceMatch | null = matched.some((r) => r.env.id === query)
    ? 'envelope-id'
    : matched.some((r) => r.env.correlationId === query)
      ? 'correlation-id'
      : matched.length > 0
        ? 'idempotency-key'
        : null;
  const stats = (): TraceStats => ({
    streamsScanned: scan.streamsScanned,
    entriesScanned: scan.entriesScanned,
    envelopes: 0,
    deadLetters: 0,
    truncated: scan.truncated,
  });
  if (matchedBy === null) return { query, matchedBy, correlationIds: [], roots: [], stats: stats() };

  const isMatch = (r: TraceRecord): boolean =>
    matchedBy === 'envelope-id' ? r.env.id === query : matchedBy === 'correlation-id' ? r.env.correlationId === query : r.env.idempotencyKey === query;
  const correlationIds = [...new Set(matched.filter(isMatch).map((r) => r.env.correlationId))].slice(0, o.maxFlows);
  let records = first;
  if (matchedBy !== 'correlation-id') {
    const needles = correlationIds.map(jsonInner);
    records = await scan.collect(streams, (raw) => needles.some((n) => raw.includes(n) || raw.includes(jsonInner(n))));
  }
  const flows = new Set(correlationIds);
  records = records.filter((r) => flows.has(r.env.correlationId));
  const matchedIds = new Set(records.filter(isMatch).map((r) => r.env.id));
  const built = await buildTrace(backend, keys, records, groups, matchedIds);
  return {
    query,
    matchedBy,
    correlationIds,
    roots: built.roots,
    stats: { ...stats(), envelopes: built.envelopes, deadLetters: built.deadLetters, truncated: scan.truncated },
  };
}

function isKeyName(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name);
}

/** How a string appears inside JSON text (quotes, backslashes and control characters escaped). */
function jsonInner(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Reads streams page by page within the entry budget, keeping the entries a filter accepts. */
class Scanner {
  streamsScanned = 0;
  entriesScanned = 0;
  truncated = false;

  constructor(
    private readonly backend: StreamBackend,
    private readonly keys: Keys,
    private readonly o: TraceOptions,
  ) {}

  async collect(streams: string[], keep: (raw: string) => boolean): Promise<TraceRecord[]> {
    const out: TraceRecord[] = [];
    for (const stream of streams) {
      const where = this.keys.parse(stream);
      if (!where || (where.kind !== 'topic' && where.kind !== 'retry' && where.kind !== 'dlq')) continue;
      this.streamsScanned += 1;
      let start = '-';
      for (;;) {
        const budget = this.o.maxEntries - this.entriesScanned;
        if (budget <= 0) {
          this.truncated = true;
          return out;
        }
        const page = await this.backend.range(stream, start, '+', Math.min(this.o.pageSize, budget));
        this.entriesScanned += page.length;
        for (const e of page) {
          const record = toRecord(where.kind, where.partition, stream, e.id, e.fields, keep);
          if (record) out.push(record);
        }
        const last = page[page.length - 1];
        if (!last || page.length < Math.min(this.o.pageSize, budget)) break;
        start = idAfter(last.id);
      }
    }
    return out;
  }
}

/** The smallest stream id greater than `id` (XRANGE's exclusive '(' written out, for every backend). */
function idAfter(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
}

/** A stream entry as a trace record, or null when the filter rejects it or it holds no usable envelope. */
function toRecord(
  kind: 'topic' | 'retry' | 'dlq',
  partition: number,
  stream: string,
  id: string,
  fields: string[],
  keep: (raw: string) => boolean,
): TraceRecord | null {
  if (kind === 'dlq') {
    const rawEnvelope = fieldValue(fields, ENVELOPE_FIELD);
    const rawFields = fieldValue(fields, 'raw');
    const text = rawEnvelope ?? rawFields;
    if (text === undefined || !keep(text)) return null;
    const d = parseDeadLetter(id, fields);
    // An entry that was not a valid envelope keeps its raw fields: its envelope JSON may still name the flow.
    const env = envelopeLike(d.envelope) ?? envelopeLike(parseJson(fieldValue(d.raw ?? [], ENVELOPE_FIELD)));
    if (!env) return null;
    return {
      kind,
      partition,
      stream,
      id,
      env,
      deadLetter: {
        stream,
        id,
        actor: d.actor,
        reason: d.reason,
        error: d.error,
        attempts: d.attempts,
        failedAt: d.failedAt,
        source: d.source,
        sourceId: d.sourceId,
      },
    };
  }
  const raw = fieldValue(fields, ENVELOPE_FIELD);
  if (raw === undefined || !keep(raw)) return null;
  const env = envelopeLike(parseJson(raw));
  return env ? { kind, partition, stream, id, env } : null;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text.length > 16 * 1024 * 1024) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The trace-relevant fields of a parsed value, when they have the right types (untrusted input). */
function envelopeLike(v: unknown): TraceRecord['env'] | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  const str = (x: unknown): x is string => typeof x === 'string';
  if (!str(o.id) || !str(o.type) || !str(o.correlationId) || !str(o.idempotencyKey)) return null;
  const env: TraceRecord['env'] = {
    id: o.id,
    type: o.type,
    correlationId: o.correlationId,
    idempotencyKey: o.idempotencyKey,
    causationId: str(o.causationId) ? o.causationId : null,
    createdAt: str(o.createdAt) ? o.createdAt : '',
    attempt: typeof o.attempt === 'number' && Number.isInteger(o.attempt) && o.attempt > 0 ? o.attempt : 1,
  };
  if (str(o.traceparent)) env.traceparent = o.traceparent;
  return env;
}

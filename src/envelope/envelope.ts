// Building envelopes: new ones at the edge, derived ones inside a flow, and retries.
import { createHash, randomUUID } from 'node:crypto';
import { ENVELOPE_TYPE_PATTERN, MAX_IDEMPOTENCY_KEY_LENGTH, isUuid } from './schema.js';
import { ENVELOPE_VERSION } from './types.js';
import { isValidTraceparent, isValidTracestate, type TraceContextFields } from './trace-context.js';
import type { Envelope, EnvelopeMetadata, EnvelopeRecord } from './types.js';
import { assertEnvelope, isPlainJson } from './validate.js';

const TYPE_RE = new RegExp(ENVELOPE_TYPE_PATTERN);

const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const traceOk = (t: TraceContextFields): boolean =>
  (t.traceparent === undefined || isValidTraceparent(t.traceparent)) && (t.tracestate === undefined || isValidTracestate(t.tracestate));

/** What createEnvelope needs; everything but type and payload has a default. */
export interface CreateEnvelopeInit<P> {
  type: string;
  payload: P;
  /** Defaults to the new envelope's id (i.e. no deduplication across separate creations). */
  idempotencyKey?: string;
  /** Defaults to the new envelope's id: it starts a flow. */
  correlationId?: string;
  /** Defaults to the correlationId, so one flow stays on one partition. */
  partitionKey?: string;
  /** `source` defaults to the type's first segment, `retrieved_at` to createdAt. */
  metadata?: Partial<EnvelopeMetadata>;
  /** Defaults to []. */
  records?: EnvelopeRecord[];
  traceparent?: string;
  tracestate?: string;
  /** Creation time (inject the clock here); defaults to now. */
  now?: Date | number;
}

/** Options of deriveEnvelope. */
export interface DeriveEnvelopeOptions {
  /** Defaults to []. */
  records?: EnvelopeRecord[];
  /** `source` defaults to the parent's, `retrieved_at` to the child's createdAt. */
  metadata?: Partial<EnvelopeMetadata>;
  /** Tells apart several children of one type from one parent (e.g. a lead id). */
  key?: string;
  /** Defaults to the parent's partitionKey. */
  partitionKey?: string;
  /** Trace context of the child (the runtime passes its producer span's); defaults to the parent's. */
  traceContext?: TraceContextFields;
  /** Creation time (inject the clock here); defaults to now. */
  now?: Date | number;
}

/** A new, valid envelope that starts a flow; throws EnvelopeValidationError for a bad init. */
export function createEnvelope<P>(init: CreateEnvelopeInit<P>): Envelope<P> {
  const id = randomUUID();
  const createdAt = isoTime(init.now);
  const correlationId = init.correlationId ?? id;
  const envelope: Envelope<P> = {
    id,
    type: init.type,
    version: ENVELOPE_VERSION,
    idempotencyKey: init.idempotencyKey ?? id,
    correlationId,
    causationId: null,
    partitionKey: init.partitionKey ?? correlationId,
    createdAt,
    attempt: 1,
    metadata: buildMetadata(firstSegment(init.type), createdAt, init.metadata),
    records: init.records ? [...init.records] : [],
    payload: init.payload,
  };
  if (init.traceparent !== undefined) envelope.traceparent = init.traceparent;
  if (init.tracestate !== undefined) envelope.tracestate = init.tracestate;
  // Hot path (producers): what this function generated (id, time, defaults) is valid by
  // construction; only the caller's parts are checked, and anything unusual (records or metadata
  // given, a doubtful value) takes the full schema check, which also words the error.
  const fast =
    init.records === undefined &&
    init.metadata === undefined &&
    typeof init.type === 'string' &&
    TYPE_RE.test(init.type) &&
    (init.idempotencyKey === undefined || (nonEmpty(init.idempotencyKey) && init.idempotencyKey.length <= MAX_IDEMPOTENCY_KEY_LENGTH)) &&
    (init.correlationId === undefined || nonEmpty(init.correlationId)) &&
    optionalString(init.partitionKey) &&
    traceOk(init) &&
    timeOk(createdAt) &&
    isPlainJson(init.payload);
  return fast ? envelope : (assertEnvelope(envelope) as Envelope<P>);
}

/**
 * A valid envelope caused by `parent`: same correlationId, partitionKey and trace context
 * (traceparent, tracestate; or opts.traceContext),
 * causationId = parent.id, and an idempotency key derived deterministically from the parent's
 * (`<parent key>><type>` plus `#<key>`), so reprocessing the same input yields the same child
 * keys and the copies are deduplicated downstream. Children of one type from one parent must
 * therefore differ by `opts.key`, or all but the first would be dropped as duplicates.
 */
export function deriveEnvelope<P>(parent: Envelope, type: string, payload: P, opts: DeriveEnvelopeOptions = {}): Envelope<P> {
  const createdAt = isoTime(opts.now);
  const envelope: Envelope<P> = {
    id: randomUUID(),
    type,
    version: ENVELOPE_VERSION,
    idempotencyKey: derivedIdempotencyKey(parent.idempotencyKey, type, opts.key),
    correlationId: parent.correlationId,
    causationId: parent.id,
    partitionKey: opts.partitionKey ?? parent.partitionKey,
    createdAt,
    attempt: 1,
    metadata: buildMetadata(parent.metadata.source, createdAt, opts.metadata),
    records: opts.records ? [...opts.records] : [],
    payload,
  };
  const trace = opts.traceContext ?? parent;
  if (trace.traceparent !== undefined) envelope.traceparent = trace.traceparent;
  if (trace.tracestate !== undefined) envelope.tracestate = trace.tracestate;
  // Hot path (every output of a handler): the parent's fields are checked for the shape the
  // schema wants (cheap type tests, no ajv), what this function built is valid by construction,
  // and the handler's payload gets the JSON-value check; records or metadata given, or any doubt,
  // take the full schema check.
  const fast =
    opts.records === undefined &&
    opts.metadata === undefined &&
    typeof type === 'string' &&
    TYPE_RE.test(type) &&
    typeof parent.id === 'string' &&
    isUuid(parent.id) &&
    nonEmpty(parent.correlationId) &&
    nonEmpty(parent.idempotencyKey) &&
    typeof envelope.partitionKey === 'string' &&
    nonEmpty(parent.metadata?.source) &&
    traceOk(trace) &&
    (opts.key === undefined || typeof opts.key === 'string') &&
    timeOk(createdAt) &&
    isPlainJson(payload);
  return fast ? envelope : (assertEnvelope(envelope) as Envelope<P>);
}

/** A copy for the next delivery attempt: attempt + 1, same id and idempotencyKey. */
export function nextAttempt<P>(env: Envelope<P>): Envelope<P> {
  return { ...env, attempt: env.attempt + 1 };
}

/**
 * `<parent>><type>[#<key>]`. Long chains could outgrow the schema's limit, so an over-long key
 * is replaced by `sha256:<hex of it>`: still deterministic, still unique in practice.
 */
export function derivedIdempotencyKey(parentKey: string, type: string, key?: string): string {
  const composed = `${parentKey}>${type}${key === undefined ? '' : `#${key}`}`;
  // String length counts UTF-16 units, never fewer than the code points the schema counts.
  if (composed.length <= MAX_IDEMPOTENCY_KEY_LENGTH) return composed;
  return `sha256:${createHash('sha256').update(composed).digest('hex')}`;
}

function buildMetadata(defaultSource: string, createdAt: string, given: Partial<EnvelopeMetadata> | undefined): EnvelopeMetadata {
  // Hot path: nothing given (every derive of a handler that passes no metadata).
  if (given === undefined) return { source: defaultSource, retrieved_at: createdAt };
  // An explicit `undefined` must not erase a default. fromEntries and spread define own
  // properties, so a `__proto__` key stays data instead of replacing the prototype.
  const defined = Object.fromEntries(Object.entries(given ?? {}).filter(([, value]) => value !== undefined));
  return { source: defaultSource, retrieved_at: createdAt, ...defined };
}

function firstSegment(type: unknown): string {
  if (typeof type !== 'string') return '';
  // Hot path (every createEnvelope): no array of segments.
  const dot = type.indexOf('.');
  return dot < 0 ? type : type.slice(0, dot);
}

let lastMs = NaN;
let lastIso = '';

/**
 * ISO time of `now`; an invalid time is left for validation to report at `$.createdAt`. Hot path:
 * envelopes built in the same millisecond share one formatted string.
 */
function isoTime(now: Date | number | undefined): string {
  const ms = now === undefined ? Date.now() : new Date(now).getTime();
  if (ms === lastMs) return lastIso;
  if (Number.isNaN(ms)) return String(now);
  lastMs = ms;
  lastIso = new Date(ms).toISOString();
  return lastIso;
}

/** True for a time isoTime formatted (the last one it returned for a valid time). */
const timeOk = (createdAt: string): boolean => createdAt === lastIso;

// The JSON Schema of an Envelope, compiled once per process with ajv.
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';

/** Event types are dotted lower-case names (`email.received`); they double as topic names. */
export const ENVELOPE_TYPE_PATTERN = '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)+$';

/** W3C trace context `traceparent` header: version-traceid-parentid-flags, lower-case hex; version not ff, ids not all zeros. */
export const TRACEPARENT_PATTERN = '^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$';

// One tracestate member: a simple key or tenant@system, `=`, a value of printable ASCII but `,` and `=`, not ending in a space.
const TRACESTATE_MEMBER =
  '(?:[a-z][a-z0-9_*/-]{0,255}|[a-z0-9][a-z0-9_*/-]{0,240}@[a-z][a-z0-9_*/-]{0,13})=[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]';

/** W3C trace context `tracestate` header: 1 to 32 key=value members separated by commas (optional spaces or tabs around them). */
export const TRACESTATE_PATTERN = `^${TRACESTATE_MEMBER}(?:[ \\t]*,[ \\t]*${TRACESTATE_MEMBER}){0,31}$`;

/** Longest tracestate accepted (the W3C limit a receiver must handle). */
export const MAX_TRACESTATE_LENGTH = 512;

/** Longest accepted idempotency key, in code points. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 512;

const nonEmptyString = { type: 'string', minLength: 1 } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;

const paginationSchema = {
  type: 'object',
  required: ['offset', 'limit'],
  properties: {
    offset: { type: 'integer', minimum: 0 },
    limit: { type: 'integer', minimum: 0 },
    returned: { type: 'integer', minimum: 0 },
    has_more: { type: 'boolean' },
  },
} as const;

// Metadata stays open (extra keys allowed): agents add their own fetch details.
const metadataSchema = {
  type: 'object',
  required: ['source', 'retrieved_at'],
  properties: {
    source: nonEmptyString,
    retrieved_at: dateTime,
    query_filters: { type: 'object' },
    total_count: { type: 'integer', minimum: 0 },
    fallback: { type: 'boolean' },
    cache: { type: 'string', enum: ['hit', 'miss', 'bypass'] },
    pagination: paginationSchema,
  },
} as const;

const provenanceSchema = {
  type: 'object',
  required: ['source', 'retrieved_at'],
  properties: {
    row_id: nonEmptyString,
    hash: nonEmptyString,
    row_hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    source: nonEmptyString,
    retrieved_at: dateTime,
    raw_row: { type: 'object' },
  },
  // A record must be traceable to a row: by its id, or by a hash of its content.
  anyOf: [{ required: ['row_id'] }, { required: ['hash'] }],
} as const;

const recordSchema = {
  type: 'object',
  properties: { provenance: provenanceSchema },
} as const;

/** JSON Schema (draft-07) of an Envelope; `payload` may be any JSON value. */
export const ENVELOPE_SCHEMA = deepFreeze({
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:stream-actors:envelope:v1',
  title: 'Envelope',
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'type',
    'version',
    'idempotencyKey',
    'correlationId',
    'causationId',
    'partitionKey',
    'createdAt',
    'attempt',
    'metadata',
    'records',
    'payload',
  ],
  properties: {
    id: uuid,
    type: { type: 'string', pattern: ENVELOPE_TYPE_PATTERN },
    version: { type: 'integer', minimum: 1 },
    idempotencyKey: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
    correlationId: nonEmptyString,
    causationId: { type: ['string', 'null'], format: 'uuid' },
    partitionKey: { type: 'string' },
    createdAt: dateTime,
    attempt: { type: 'integer', minimum: 1 },
    traceparent: { type: 'string', pattern: TRACEPARENT_PATTERN },
    tracestate: { type: 'string', maxLength: MAX_TRACESTATE_LENGTH, pattern: TRACESTATE_PATTERN },
    metadata: metadataSchema,
    records: { type: 'array', items: recordSchema },
    payload: {},
  },
} as const);

// ajv-formats is CommonJS; under NodeNext its default export arrives as `.default`.
const addFormats = addFormatsModule.default;

const DATE_TIME_MEMO = 64;

/**
 * ajv-formats' own `date-time` check, remembering the last few strings that passed. Hot path: a
 * batch of envelopes made in the same millisecond share createdAt and retrieved_at, and the full
 * check (regex, then calendar and clock arithmetic) was a visible share of decoding each one.
 */
function memoisedDateTime(): (value: string) => boolean {
  const def = fullFormats['date-time'] as { validate: (s: string) => boolean };
  const valid = new Set<string>();
  return (value) => {
    if (valid.has(value)) return true;
    if (!def.validate(value)) return false;
    if (valid.size >= DATE_TIME_MEMO) valid.clear();
    valid.add(value);
    return true;
  };
}

const HEX = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/**
 * ajv-formats' `uuid` (/^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i) without the
 * regex: every decoded envelope checks one or two, and the case-insensitive regex was a visible
 * share of decoding.
 */
export function isUuid(value: string): boolean {
  let s = value;
  if (s.length === 45) {
    if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:') return false;
    s = s.slice(9);
  }
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (c >= 128 || HEX[c] !== 1) return false;
  }
  return true;
}

// One memo for ajv and the fast check below: what one accepted, the other need not check again.
const isDateTime = memoisedDateTime();

function compileEnvelopeSchema() {
  // strictRequired off: provenance's anyOf of `required` branches is intended.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv, []);
  ajv.addFormat('uuid', { type: 'string', validate: isUuid });
  ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
  return ajv.compile(ENVELOPE_SCHEMA);
}

// Compiled once per process. The function is stateless apart from `.errors`, which is
// written and read within one synchronous call below, so runtimes cannot observe each other.
const validateAgainstSchema = compileEnvelopeSchema();

const ROOT_PROPERTIES = new Set(Object.keys(ENVELOPE_SCHEMA.properties));
// ajv compiles patterns with the `u` flag; so do we, so both read them alike.
const TYPE_RE = new RegExp(ENVELOPE_TYPE_PATTERN, 'u');
const TRACEPARENT_RE = new RegExp(TRACEPARENT_PATTERN, 'u');
const TRACESTATE_RE = new RegExp(TRACESTATE_PATTERN, 'u');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;

/**
 * True only when `value` certainly conforms to ENVELOPE_SCHEMA, checked by hand for the common
 * shape: no records, metadata with only `source`, `retrieved_at` and keys the schema leaves open,
 * an idempotency key and tracestate within their limits counted in UTF-16 units (never fewer than
 * the code points the schema counts). Anything else returns false and takes ajv, which decides
 * and words the errors. Hot path: every decoded entry, where ajv (allErrors, one error object
 * per rule broken) was a visible share of decoding.
 */
export function conformsFast(value: unknown): boolean {
  if (!isObject(value)) return false;
  // Like ajv's additionalProperties: every enumerable key, own or inherited.
  for (const key in value) if (!ROOT_PROPERTIES.has(key)) return false;
  const v = value;
  const { id, type, idempotencyKey: ik, correlationId, causationId, partitionKey, createdAt, metadata, records } = v;
  if (typeof id !== 'string' || !isUuid(id)) return false;
  if (typeof type !== 'string' || !TYPE_RE.test(type)) return false;
  if (!isCount(v.version, 1) || !isCount(v.attempt, 1)) return false;
  if (typeof ik !== 'string' || ik.length < 1 || ik.length > MAX_IDEMPOTENCY_KEY_LENGTH) return false;
  if (typeof correlationId !== 'string' || correlationId.length < 1) return false;
  if (causationId !== null && (typeof causationId !== 'string' || !isUuid(causationId))) return false;
  if (typeof partitionKey !== 'string') return false;
  if (typeof createdAt !== 'string' || !isDateTime(createdAt)) return false;
  if (v.payload === undefined) return false;
  const { traceparent, tracestate } = v;
  if (traceparent !== undefined && (typeof traceparent !== 'string' || !TRACEPARENT_RE.test(traceparent))) return false;
  if (tracestate !== undefined && (typeof tracestate !== 'string' || tracestate.length > MAX_TRACESTATE_LENGTH || !TRACESTATE_RE.test(tracestate)))
    return false;
  if (!Array.isArray(records) || records.length !== 0) return false;
  if (!isObject(metadata)) return false;
  const { source, retrieved_at } = metadata;
  if (typeof source !== 'string' || source.length < 1 || typeof retrieved_at !== 'string' || !isDateTime(retrieved_at)) return false;
  // Metadata's other declared properties have rules of their own: present, they take ajv.
  return (
    metadata.query_filters === undefined &&
    metadata.total_count === undefined &&
    metadata.fallback === undefined &&
    metadata.cache === undefined &&
    metadata.pagination === undefined
  );
}

/** ajv's verdict alone (no fast check): the reference conformsFast is tested against. */
export function conformsBySchema(value: unknown): boolean {
  return validateAgainstSchema(value);
}

/** Checks a value against ENVELOPE_SCHEMA: `[]` when it conforms, else ajv's errors (a fresh array). */
export function envelopeSchemaErrors(value: unknown): ErrorObject[] {
  if (conformsFast(value) || validateAgainstSchema(value)) return [];
  return [...(validateAgainstSchema.errors ?? [])];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

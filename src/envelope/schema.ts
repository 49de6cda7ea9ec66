// The JSON Schema of an Envelope, compiled once per process with ajv.
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** Event types are dotted lower-case names (`email.received`); they double as topic names. */
export const ENVELOPE_TYPE_PATTERN = '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)+$';

/** W3C trace context `traceparent` header: version-traceid-parentid-flags, lower-case hex. */
export const TRACEPARENT_PATTERN = '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

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
    metadata: metadataSchema,
    records: { type: 'array', items: recordSchema },
    payload: {},
  },
} as const);

// ajv-formats is CommonJS; under NodeNext its default export arrives as `.default`.
const addFormats = addFormatsModule.default;

function compileEnvelopeSchema() {
  // strictRequired off: provenance's anyOf of `required` branches is intended.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv, ['uuid', 'date-time']);
  return ajv.compile(ENVELOPE_SCHEMA);
}

// Compiled once per process. The function is stateless apart from `.errors`, which is
// written and read within one synchronous call below, so runtimes cannot observe each other.
const validateAgainstSchema = compileEnvelopeSchema();

/** Checks a value against ENVELOPE_SCHEMA: `[]` when it conforms, else ajv's errors (a fresh array). */
export function envelopeSchemaErrors(value: unknown): ErrorObject[] {
  if (validateAgainstSchema(value)) return [];
  return [...(validateAgainstSchema.errors ?? [])];
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

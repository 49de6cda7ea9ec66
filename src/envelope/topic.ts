/**
 * Typed topics: a topic (envelope type) declared once with the JSON Schema of its payload. The
 * payload's TypeScript type is inferred from the schema (`PayloadOf<typeof topic>`), so the
 * producer's `publish` and an actor's handler see the same type; the schema, compiled once with
 * ajv, checks payloads at the edges: when produced and when an actor reads them.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ENVELOPE_TYPE_PATTERN } from './schema.js';
import { formatPath, type EnvelopeIssue } from './validate.js';

/** The subset of JSON Schema whose payload type is inferred (anything else ajv knows still validates; it just types as unknown). */
export interface JsonSchema {
  type?: JsonSchemaTypeName | readonly JsonSchemaTypeName[];
  properties?: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: readonly unknown[];
  const?: unknown;
  [keyword: string]: unknown;
}

/** JSON Schema's primitive type names. */
export type JsonSchemaTypeName = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RequiredKeys<S> = S extends { required: readonly (infer R)[] } ? R : never;
type ObjectFrom<S> = S extends { properties: infer P }
  ? Simplify<
      { -readonly [K in keyof P & string as K extends RequiredKeys<S> ? K : never]: FromSchema<P[K]> } & {
        -readonly [K in keyof P & string as K extends RequiredKeys<S> ? never : K]?: FromSchema<P[K]>;
      }
    >
  : Record<string, unknown>;
type FromTypeName<N, S> = N extends 'string'
  ? string
  : N extends 'number' | 'integer'
    ? number
    : N extends 'boolean'
      ? boolean
      : N extends 'null'
        ? null
        : N extends 'array'
          ? S extends { items: infer I }
            ? FromSchema<I>[]
            : unknown[]
          : N extends 'object'
            ? ObjectFrom<S>
            : unknown;

/** The TypeScript type of values valid against a JSON Schema literal (`const`, `enum`, `type`, `properties`, `required`, `items`). */
export type FromSchema<S> = S extends { const: infer C }
  ? C
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { type: readonly (infer N)[] }
      ? FromTypeName<N, S>
      : S extends { type: infer N }
        ? FromTypeName<N, S>
        : unknown;

/** Outcome of Topic.validate. */
export type PayloadValidationResult<P> = { ok: true; payload: P } | { ok: false; issues: EnvelopeIssue[] };

/** A topic with its payload schema; `T` is the type name, `P` the payload type. */
export interface Topic<T extends string = string, P = unknown> {
  /** The envelope type, also the topic (stream) name. */
  readonly type: T;
  readonly schema: JsonSchema;
  /** Checks a payload; issues carry the JSON path (`$.payload.qty`) and the broken rule (`minimum`). */
  validate(payload: unknown): PayloadValidationResult<P>;
  /** The payload, typed, or throws PayloadValidationError. */
  assert(payload: unknown): P;
}

/** The payload type of a topic. */
export type PayloadOf<T> = T extends Topic<string, infer P> ? P : never;

/** Error code of PayloadValidationError: the same as PermanentError's, so an actor dead-letters it at once, without retries. */
export const PAYLOAD_INVALID = 'ACTOR_PERMANENT';

/** A payload that does not match its topic's schema; retrying cannot fix it. */
export class PayloadValidationError extends Error {
  readonly code = PAYLOAD_INVALID;
  readonly rule = 'payload-schema';
  constructor(
    readonly topic: string,
    readonly issues: readonly EnvelopeIssue[],
    /** Where the check failed: an actor's input (`consume`, dead-lettered as `invalid-payload`) or a payload being produced. */
    readonly stage: 'consume' | 'produce' = 'produce',
  ) {
    super(
      `payload of ${topic} does not match its schema: ${issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.rule} (${i.message})`)
        .join('; ')}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`,
    );
    this.name = 'PayloadValidationError';
  }
}

// ajv-formats is CommonJS; under NodeNext its default export arrives as `.default`.
const addFormats = addFormatsModule.default;
let ajv: Ajv | undefined;
const sharedAjv = (): Ajv => {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: true });
    addFormats(ajv);
  }
  return ajv;
};

function issueOf(e: ErrorObject): EnvelopeIssue {
  const segments: (string | number)[] = ['payload'];
  if (e.instancePath !== '')
    for (const raw of e.instancePath.slice(1).split('/')) segments.push(/^(0|[1-9]\d*)$/.test(raw) ? Number(raw) : raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') return { path: formatPath([...segments, String(params.missingProperty)]), rule: 'required', message: 'is required' };
  if (e.keyword === 'additionalProperties')
    return { path: formatPath([...segments, String(params.additionalProperty)]), rule: 'additionalProperties', message: 'is not a known property' };
  return { path: formatPath(segments), rule: e.keyword, message: e.message ?? e.keyword };
}

const TYPE_RE = new RegExp(ENVELOPE_TYPE_PATTERN);

/**
 * Declares a topic once: `defineTopic({ type: 'order.placed', schema: { type: 'object', properties:
 * { id: { type: 'string' } }, required: ['id'] } })`. The schema is compiled here (a bad schema
 * throws now, not on the first message); no `as const` is needed for the payload type.
 */
export function defineTopic<const T extends string, const S extends JsonSchema>(spec: { type: T; schema: S }): Topic<T, FromSchema<S>> {
  if (!TYPE_RE.test(spec.type)) throw new TypeError(`topic type "${spec.type}" must match ${ENVELOPE_TYPE_PATTERN} (dotted lower-case, e.g. order.placed)`);
  const check = sharedAjv().compile(spec.schema);
  const validate = (payload: unknown): PayloadValidationResult<FromSchema<S>> =>
    check(payload) ? { ok: true, payload: payload as FromSchema<S> } : { ok: false, issues: (check.errors ?? []).map(issueOf) };
  return Object.freeze({
    type: spec.type,
    schema: spec.schema,
    validate,
    assert: (payload: unknown): FromSchema<S> => {
      const r = validate(payload);
      if (!r.ok) throw new PayloadValidationError(spec.type, r.issues);
      return r.payload;
    },
  });
}

/** True for a value made by defineTopic (or shaped like one). */
export function isTopic(value: unknown): value is Topic {
  return typeof value === 'object' && value !== null && typeof (value as Topic).type === 'string' && typeof (value as Topic).validate === 'function';
}

/** The type name of a topic or a plain type string. */
export function topicName(t: string | Topic): string {
  return typeof t === 'string' ? t : t.type;
}

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ENVELOPE_FIELD, decodeEntry, encodeEnvelope, validateEnvelope } from '../src/envelope/index.js';
import { isPlainJson } from '../src/envelope/validate.js';
import type { Envelope, EnvelopeIssue, EnvelopeValidationResult } from '../src/envelope/index.js';
import { conformsBySchema, conformsFast } from '../src/envelope/schema.js';

const RUNS = { numRuns: 200 };
const DECODE = { maxBytes: 16 * 1024 * 1024 };

// ---- a generator of valid envelopes ----------------------------------------------------------

const isoDate = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
const text = fc.string({ unit: 'binary', maxLength: 40 });
const nonEmptyText = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });
const json = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
const jsonObject = fc.dictionary(text, json, { maxKeys: 5, noNullPrototype: true });

const provenance = fc
  .record(
    {
      row_id: nonEmptyText,
      hash: fc.stringMatching(/^[0-9a-f]{64}$/),
      source: nonEmptyText,
      retrieved_at: isoDate,
      raw_row: jsonObject,
    },
    { requiredKeys: ['source', 'retrieved_at'], noNullPrototype: true },
  )
  .filter((p) => p.row_id !== undefined || p.hash !== undefined);

const record = fc
  .tuple(
    fc.dictionary(
      text.filter((k) => k !== 'provenance'),
      json,
      { maxKeys: 4, noNullPrototype: true },
    ),
    fc.option(provenance, { nil: undefined }),
  )
  .map(([fields, prov]) => (prov === undefined ? fields : { ...fields, provenance: prov }));

const metadata = fc
  .tuple(
    fc.record(
      {
        source: nonEmptyText,
        retrieved_at: isoDate,
        query_filters: jsonObject,
        total_count: fc.nat(),
        fallback: fc.boolean(),
        cache: fc.constantFrom('hit' as const, 'miss' as const, 'bypass' as const),
        pagination: fc.record({ offset: fc.nat(), limit: fc.nat(), has_more: fc.boolean() }, { requiredKeys: ['offset', 'limit'], noNullPrototype: true }),
      },
      { requiredKeys: ['source', 'retrieved_at'], noNullPrototype: true },
    ),
    // Extra metadata keys are allowed; prefixed so they never collide with the typed ones.
    fc.dictionary(
      text.map((k) => `x_${k}`),
      json,
      { maxKeys: 3, noNullPrototype: true },
    ),
  )
  .map(([known, extra]) => ({ ...extra, ...known }));

const envelopeArb: fc.Arbitrary<Envelope> = fc.record(
  {
    id: fc.uuid(),
    type: fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}(\.[a-z0-9_-]{1,10}){1,3}$/),
    version: fc.integer({ min: 1, max: 1000 }),
    idempotencyKey: fc.string({ unit: 'binary', minLength: 1, maxLength: 512 }),
    correlationId: nonEmptyText,
    causationId: fc.option(fc.uuid(), { nil: null }),
    partitionKey: text,
    createdAt: isoDate,
    attempt: fc.integer({ min: 1, max: 1_000_000 }),
    traceparent: fc.stringMatching(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/).filter((t) => !t.startsWith('ff') && !/-0{32}-|-0{16}-/.test(t)),
    metadata,
    records: fc.array(record, { maxLength: 4 }),
    payload: json,
  },
  {
    requiredKeys: [
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
    noNullPrototype: true,
  },
) as fc.Arbitrary<Envelope>;

const REQUIRED = [
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
] as const;
const KNOWN = new Set<string>([...REQUIRED, 'traceparent', 'tracestate']);

const fraction = fc.double({ min: 1.1, max: 9.9, noNaN: true }).filter((n) => !Number.isInteger(n));

/** A value of the wrong JSON type for each top-level field. */
const WRONG_TYPE: Record<(typeof REQUIRED)[number], fc.Arbitrary<unknown>> = {
  id: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.uuid(), { maxLength: 2 })),
  type: fc.oneof(fc.integer(), fc.constant(null), fc.dictionary(text, json, { maxKeys: 2 })),
  version: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fraction),
  idempotencyKey: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
  correlationId: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
  causationId: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.uuid(), { maxLength: 2 })),
  partitionKey: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
  createdAt: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)),
  attempt: fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fraction),
  metadata: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(json, { maxLength: 2 })),
  records: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant({})),
  // Anything JSON is a valid payload; only its absence is an error.
  payload: fc.constant(undefined),
};

function assertIssueShape(result: EnvelopeValidationResult): EnvelopeIssue[] {
  if (result.ok) return [];
  assert.ok(result.errors.length > 0, 'an invalid result has at least one issue');
  for (const issue of result.errors) {
    assert.type(issue.path, 'string');
    assert.ok(issue.path.startsWith('$'), issue.path);
    assert.type(issue.rule, 'string');
    assert.ok(issue.rule.length > 0);
    assert.type(issue.message, 'string');
  }
  return result.errors;
}

/** Sets an own property, even for keys such as `__proto__`. */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
const valid = suite('property: valid envelopes');

valid('always validate and roundtrip through the codec unchanged', () => {
  fc.assert(
    fc.property(envelopeArb, (env) => {
      const result = validateEnvelope(env);
      assert.ok(result.ok, JSON.stringify(result));
      const fields = encodeEnvelope(env);
      assert.is(fields[0], ENVELOPE_FIELD);
      const decoded = decodeEntry(fields, DECODE);
      assert.ok(decoded.ok, JSON.stringify(decoded));
      if (decoded.ok) {
        assert.equal(decoded.envelope, env);
        assert.is(JSON.stringify(decoded.envelope), fields[1]);
      }
    }),
    RUNS,
  );
});

// ---------------------------------------------------------------------------------------------
const mutated = suite('property: mutated envelopes');

mutated('dropping a required key is reported at that key', () => {
  fc.assert(
    fc.property(envelopeArb, fc.constantFrom(...REQUIRED), (env, key) => {
      const copy: Record<string, unknown> = { ...env };
      delete copy[key];
      const issues = assertIssueShape(validateEnvelope(copy));
      assert.ok(
        issues.some((i) => i.path === `$.${key}` && i.rule === 'required'),
        JSON.stringify(issues),
      );
    }),
    RUNS,
  );
});

mutated('a wrong-typed value is reported at that key', () => {
  const keyAndValue = fc.constantFrom(...REQUIRED).chain((key) => WRONG_TYPE[key].map((value) => [key, value] as const));
  fc.assert(
    fc.property(envelopeArb, keyAndValue, (env, [key, value]) => {
      const issues = assertIssueShape(validateEnvelope({ ...env, [key]: value }));
      assert.ok(
        issues.some((i) => i.path === `$.${key}`),
        JSON.stringify(issues),
      );
    }),
    RUNS,
  );
});

mutated('an unknown top-level key is rejected as additionalProperties', () => {
  fc.assert(
    fc.property(
      envelopeArb,
      fc.string().filter((k) => !KNOWN.has(k)),
      json,
      (env, key, value) => {
        const copy = { ...env };
        define(copy, key, value);
        const issues = assertIssueShape(validateEnvelope(copy));
        assert.ok(
          issues.some((i) => i.rule === 'additionalProperties'),
          JSON.stringify(issues),
        );
        const decoded = decodeEntry([ENVELOPE_FIELD, JSON.stringify(copy)], DECODE);
        assert.not.ok(decoded.ok);
        if (!decoded.ok) assert.is(decoded.reason, 'invalid-envelope');
      },
    ),
    RUNS,
  );
});

/** Paths into an envelope where a value can be injected. */
const injectionPath = fc.oneof(
  fc.constantFrom<string[]>(
    ...REQUIRED.map((k) => [k]),
    ['traceparent'],
    ['metadata', 'source'],
    ['metadata', 'pagination'],
    ['metadata', 'cache'],
    ['metadata', 'query_filters'],
    ['records', '0'],
    ['records', '0', 'provenance'],
    ['records', '0', 'provenance', 'row_id'],
  ),
  fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 4 }).map((rest) => ['payload', ...rest]),
);

/** Injects a value at a path, creating plain objects along the way. */
function inject(env: Envelope, path: readonly string[], value: unknown): unknown {
  const root = structuredClone(env) as unknown as Record<string, unknown>;
  let node: Record<string, unknown> = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') define(node, key, {});
    node = node[key] as Record<string, unknown>;
  }
  define(node, path[path.length - 1]!, value);
  return root;
}

const ANYTHING = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

mutated('fc.anything() injected anywhere never throws, and issues are well formed', () => {
  fc.assert(
    fc.property(envelopeArb, injectionPath, ANYTHING, (env, path, value) => {
      const mutatedEnv = inject(env, path, value);
      assertIssueShape(validateEnvelope(mutatedEnv));
      let encoded: string | undefined;
      try {
        encoded = JSON.stringify(mutatedEnv);
      } catch {
        return; // BigInt and friends: nothing to put on a stream
      }
      if (encoded !== undefined) {
        const decoded = decodeEntry([ENVELOPE_FIELD, encoded], DECODE);
        if (!decoded.ok) assert.ok(['not-json', 'invalid-envelope'].includes(decoded.reason));
      }
    }),
    RUNS,
  );
});

// ---------------------------------------------------------------------------------------------
const arbitrary = suite('property: arbitrary input');

arbitrary('validateEnvelope never throws on fc.anything()', () => {
  fc.assert(
    fc.property(ANYTHING, (value) => {
      const result = validateEnvelope(value);
      assert.not.ok(result.ok, 'an arbitrary value is not an envelope');
      assertIssueShape(result);
    }),
    RUNS,
  );
});

arbitrary('decodeEntry never throws on arbitrary strings and field lists', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const result = decodeEntry([ENVELOPE_FIELD, s], DECODE);
      assert.not.ok(result.ok);
      if (!result.ok) {
        assert.ok(['not-json', 'invalid-envelope'].includes(result.reason), result.reason);
        assert.equal(result.raw, [ENVELOPE_FIELD, s]);
      }
    }),
    RUNS,
  );
  fc.assert(
    fc.property(fc.array(fc.string(), { maxLength: 6 }), fc.nat({ max: 2000 }), (fields, maxBytes) => {
      const result = decodeEntry(fields, { maxBytes });
      assert.type(result.ok, 'boolean');
    }),
    RUNS,
  );
  fc.assert(
    fc.property(ANYTHING, (value) => {
      assert.not.ok(decodeEntry(value as string[], DECODE).ok);
      assert.not.ok(decodeEntry([ENVELOPE_FIELD, value] as string[], DECODE).ok);
    }),
    RUNS,
  );
});

// ---------------------------------------------------------------------------------------------
const fast = suite('property: the hand-written schema check');

/** The common shape the fast check decides alone: no records, metadata with source and retrieved_at only. */
const commonArb = envelopeArb.map((env) => ({ ...env, records: [], metadata: { source: env.metadata.source, retrieved_at: env.metadata.retrieved_at } }));

/** Values near the rules' edges, for any field. */
const edgeValue = fc.oneof(
  ANYTHING,
  fc.constantFrom('', 'a', 'a.b', 'A.b', 'a.', '1.b', '2024-05-01T10:00:00.000Z', '2024-02-30T10:00:00Z', 0, 1, -1, 1.5, null, [], {}),
  fc.uuid(),
  fc.string({ unit: 'binary', minLength: 500, maxLength: 520 }),
  fc.constantFrom(
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    'k=v',
    'k=v,l=w',
    'K=v',
  ),
);

fast('accepts the common shape, and accepts nothing ajv rejects', () => {
  fc.assert(
    fc.property(commonArb, (env) => {
      assert.ok(conformsFast(env), JSON.stringify(env));
      assert.ok(conformsBySchema(env));
    }),
    RUNS,
  );
  const field = fc.constantFrom(...KNOWN, 'extra', '__proto__');
  const metaField = fc.constantFrom('source', 'retrieved_at', 'query_filters', 'total_count', 'fallback', 'cache', 'pagination', 'x_other');
  fc.assert(
    fc.property(commonArb, field, edgeValue, metaField, edgeValue, fc.boolean(), (env, key, value, mkey, mvalue, inMeta) => {
      const copy: Record<string, unknown> = { ...env, metadata: { ...env.metadata } };
      if (inMeta) define(copy.metadata as object, mkey, mvalue);
      else define(copy, key, value);
      // (no JSON.stringify of the value: it may hold a BigInt)
      if (conformsFast(copy)) assert.ok(conformsBySchema(copy), `${inMeta ? `metadata.${mkey}` : key} accepted by the fast check only`);
    }),
    { numRuns: 2000 },
  );
});

fast('isPlainJson (a derived payload) agrees with the JSON-value walk of validateEnvelope', () => {
  fc.assert(
    fc.property(commonArb, fc.oneof(ANYTHING, json), (env, payload) => {
      fc.pre(payload !== undefined);
      assert.is(isPlainJson(payload), validateEnvelope({ ...env, payload }).ok);
    }),
    { numRuns: 1000 },
  );
});

valid.run();
mutated.run();
arbitrary.run();
fast.run();

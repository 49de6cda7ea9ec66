import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DEFAULT_JSON_LIMITS, jsonBoundsError, parseBoundedJson } from '../src/envelope/bounded-json.js';
import { decodeEntry, ENVELOPE_FIELD } from '../src/envelope/codec.js';

const s = suite('bounded JSON decoder');

/** Exact depth and field count of a JSON value, computed the obvious (recursive) way for small values. */
function measure(v: unknown): { depth: number; fields: number } {
  if (typeof v !== 'object' || v === null) return { depth: 0, fields: 0 };
  const children = Array.isArray(v) ? v : Object.values(v);
  let depth = 0;
  let fields = children.length;
  for (const c of children) {
    const m = measure(c);
    depth = Math.max(depth, m.depth);
    fields += m.fields;
  }
  return { depth: depth + 1, fields };
}

const nested = (n: number, open = '[', close = ']'): string => open.repeat(n) + close.repeat(n);

s('10,000-deep arrays and objects are refused as too-deep, never a stack overflow', () => {
  for (const text of [nested(10_000), `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`]) {
    const r = parseBoundedJson(text);
    assert.is(r.ok, false);
    if (!r.ok) {
      assert.is(r.reason, 'too-deep');
      assert.match(r.error, /deeper than 128 levels/);
    }
  }
  // Even 500,000 deep (within the size limit) is parsed iteratively and refused.
  const r = parseBoundedJson(nested(500_000));
  assert.is(r.ok ? 'ok' : r.reason, 'too-deep');
});

s('the depth limit is exact: maxDepth levels pass, one more is refused', () => {
  assert.ok(parseBoundedJson(nested(128)).ok);
  assert.is(parseBoundedJson(nested(129)).ok, false);
  assert.ok(parseBoundedJson(nested(3), { maxDepth: 3 }).ok);
  assert.is(parseBoundedJson(nested(4), { maxDepth: 3 }).ok, false);
  assert.ok(parseBoundedJson('"scalar"', { maxDepth: 0 }).ok, 'a scalar has no depth');
});

s('field counts: object properties plus array elements, the limit exact', () => {
  assert.ok(parseBoundedJson('{"a":1,"b":[1,2]}', { maxFields: 4 }).ok);
  const r = parseBoundedJson('{"a":1,"b":[1,2]}', { maxFields: 3 });
  assert.is(r.ok ? 'ok' : r.reason, 'too-many-fields');
  const wide = `[${Array.from({ length: 200_000 }, () => '0').join(',')}]`;
  assert.is((parseBoundedJson(wide) as { reason?: string }).reason, 'too-many-fields');
});

s('size is checked on UTF-8 bytes before parsing', () => {
  const r = parseBoundedJson(`"${'é'.repeat(10)}"`, { maxBytes: 15 });
  assert.is(r.ok ? 'ok' : r.reason, 'oversized');
  const notJson = parseBoundedJson('x'.repeat(100), { maxBytes: 10 });
  assert.is(notJson.ok ? 'ok' : notJson.reason, 'oversized');
  assert.is((parseBoundedJson('{nope') as { reason?: string }).reason, 'not-json');
  assert.is((parseBoundedJson(42 as unknown as string) as { reason?: string }).reason, 'not-json');
});

s('property: any JSON value is accepted exactly when its depth and field count are within the limits, and comes back equal', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 60 }), (v, maxDepth, maxFields) => {
      const text = JSON.stringify(v);
      const m = measure(JSON.parse(text));
      const r = parseBoundedJson(text, { maxDepth, maxFields });
      const within = m.depth <= maxDepth && m.fields <= maxFields;
      assert.is(r.ok, within, `depth ${m.depth}/${maxDepth} fields ${m.fields}/${maxFields}`);
      if (r.ok) assert.equal(r.value, JSON.parse(text));
    }),
    { numRuns: 300 },
  );
});

s('property: arbitrary text never throws, and a refusal names a reason', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.stringMatching(/^[[\]{}":,0-9a ]{0,300}$/)), (text) => {
      const r = parseBoundedJson(text, { maxDepth: 5, maxFields: 20, maxBytes: 250 });
      if (!r.ok) assert.ok(['oversized', 'not-json', 'too-deep', 'too-many-fields'].includes(r.reason));
    }),
    { numRuns: 500 },
  );
});

s('jsonBoundsError walks wide and deep values without recursion', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.is(jsonBoundsError(deep, 1_000_000, 1_000_000), null);
  assert.is(jsonBoundsError(deep, 99_999, 1_000_000)?.reason, 'too-deep');
});

s('decodeEntry (the actor read path) uses it: a 10,000-deep envelope is a dead letter, not a crash', () => {
  const r = decodeEntry([ENVELOPE_FIELD, nested(10_000, '{"a":', '}').replace('{"a":}', '{"a":1}')], { maxBytes: DEFAULT_JSON_LIMITS.maxBytes });
  assert.is(r.ok, false);
  if (!r.ok) {
    assert.is(r.reason, 'invalid-envelope');
    assert.match(r.error, /deeper than 128 levels/);
  }
});

s.run();

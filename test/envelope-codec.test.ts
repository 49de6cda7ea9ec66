import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_DECODE_OPTIONS, ENVELOPE_FIELD, createEnvelope, decodeEntry, encodeEnvelope, withProvenance } from '../src/envelope/index.js';
import type { DecodeResult, Envelope } from '../src/envelope/index.js';

const MB = 1024 * 1024;
const opts = { maxBytes: MB };

function sample(payload: unknown = { subject: 'hello', to: ['a@x.io'] }): Envelope {
  return createEnvelope({
    type: 'email.received',
    payload,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    metadata: { cache: 'miss', pagination: { offset: 0, limit: 10 } },
    records: [withProvenance({ id: 1, email: 'a@x.io' }, { source: 'leads' })],
  });
}

function failed(result: DecodeResult): Extract<DecodeResult, { ok: false }> {
  if (result.ok) throw new Error('expected decoding to fail');
  return result;
}

// ---------------------------------------------------------------------------------------------
const roundtrip = suite('codec: roundtrip');

roundtrip('encode is one field holding the JSON; decode gives the envelope back', () => {
  const env = sample();
  const fields = encodeEnvelope(env);
  assert.equal(fields, [ENVELOPE_FIELD, JSON.stringify(env)]);
  assert.is(ENVELOPE_FIELD, 'envelope');
  const result = decodeEntry(fields, opts);
  assert.ok(result.ok);
  if (result.ok) {
    assert.equal(result.envelope, env);
    assert.is(result.bytes, Buffer.byteLength(fields[1]!, 'utf8'));
  }
});

roundtrip('non-ASCII text, lone surrogates and control characters survive; bytes are UTF-8 bytes', () => {
  const payload = { text: 'héllo 👋 \u0000 \ud800 \udfff \uFFFD \u2028', ctrl: '\x01\x7f' };
  const env = sample(payload);
  const fields = encodeEnvelope(env);
  const result = decodeEntry(fields, opts);
  assert.ok(result.ok);
  if (result.ok) {
    assert.equal(result.envelope.payload, payload);
    assert.ok(result.bytes > fields[1]!.length, 'multi-byte characters count as several bytes');
  }
});

roundtrip('the envelope field may come after others; the first one wins', () => {
  const env = sample();
  const other = sample({ other: true });
  const result = decodeEntry(['trace', 'x', ...encodeEnvelope(env), ...encodeEnvelope(other)], opts);
  assert.ok(result.ok);
  if (result.ok) assert.is(result.envelope.id, env.id);
});

roundtrip('duplicate JSON keys: the last one is the value validated and returned', () => {
  const env = sample();
  const json = JSON.stringify(env).replace('"attempt":1', '"attempt":1,"attempt":3');
  const result = decodeEntry([ENVELOPE_FIELD, json], opts);
  assert.ok(result.ok);
  if (result.ok) assert.is(result.envelope.attempt, 3);
  const bad = JSON.stringify(env).replace('"attempt":1', '"attempt":1,"attempt":0');
  assert.is(failed(decodeEntry([ENVELOPE_FIELD, bad], opts)).reason, 'invalid-envelope');
});

// ---------------------------------------------------------------------------------------------
const failures = suite('codec: failures');

failures('no envelope field: missing-field, with a copy of the raw fields', () => {
  for (const fields of [[], ['other', 'x'], [ENVELOPE_FIELD], ['x', ENVELOPE_FIELD]]) {
    const result = failed(decodeEntry(fields, opts));
    assert.is(result.reason, 'missing-field');
    assert.equal(result.raw, fields);
    assert.is.not(result.raw, fields);
  }
});

failures('oversized is decided on UTF-8 bytes, before parsing', () => {
  const json = JSON.stringify(sample());
  const bytes = Buffer.byteLength(json);
  assert.ok(decodeEntry([ENVELOPE_FIELD, json], { maxBytes: bytes }).ok, 'exactly the limit is accepted');
  assert.is(failed(decodeEntry([ENVELOPE_FIELD, json], { maxBytes: bytes - 1 })).reason, 'oversized');
  // Not JSON either: only a size check that runs first can say "oversized".
  const junk = `{${'x'.repeat(2000)}`;
  const result = failed(decodeEntry([ENVELOPE_FIELD, junk], { maxBytes: 1000 }));
  assert.is(result.reason, 'oversized');
  assert.equal(result.raw, [ENVELOPE_FIELD, junk]);
  // 600 characters, 1200 bytes.
  const wide = JSON.stringify('é'.repeat(598));
  assert.is(wide.length, 600);
  assert.is(failed(decodeEntry([ENVELOPE_FIELD, wide], { maxBytes: 1000 })).reason, 'oversized');
});

failures('text that is not JSON: not-json', () => {
  const truncated = JSON.stringify(sample()).slice(0, -5);
  // Every byte value, high ones first: invalid UTF-8 sequences and stray control bytes.
  const garbage = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
  for (const text of ['', 'not json', '{', '{"a":}', "{'a':1}", 'NaN', truncated, garbage.toString('latin1'), garbage.toString('utf8'), '\u0000']) {
    const result = failed(decodeEntry([ENVELOPE_FIELD, text], opts));
    assert.is(result.reason, 'not-json', text);
    assert.match(result.error, /not JSON/);
  }
});

failures('JSON that is not a valid envelope: invalid-envelope with the issues', () => {
  const result = failed(decodeEntry([ENVELOPE_FIELD, '{}'], opts));
  assert.is(result.reason, 'invalid-envelope');
  assert.ok(result.issues?.some((i) => i.path === '$.id' && i.rule === 'required'));
  assert.match(result.error, '$.id: required');
  for (const json of ['null', '42', '"str"', '[]', 'true']) {
    const r = failed(decodeEntry([ENVELOPE_FIELD, json], opts));
    assert.is(r.reason, 'invalid-envelope');
    assert.equal(
      r.issues?.map((i) => `${i.path} ${i.rule}`),
      ['$ type'],
    );
  }
  const env = { ...sample(), attempt: 0, extra: true };
  const r = failed(decodeEntry([ENVELOPE_FIELD, JSON.stringify(env)], opts));
  assert.equal(r.issues?.map((i) => `${i.path} ${i.rule}`).sort(), ['$.attempt minimum', '$.extra additionalProperties']);
});

failures('deep nesting yields a clean failure, never a RangeError', () => {
  const depth = 100_000;
  const unclosed = '['.repeat(depth);
  assert.is(failed(decodeEntry([ENVELOPE_FIELD, unclosed], { maxBytes: 10 * MB })).reason, 'not-json');
  const balanced = '['.repeat(depth) + ']'.repeat(depth);
  assert.is(failed(decodeEntry([ENVELOPE_FIELD, balanced], { maxBytes: 10 * MB })).reason, 'invalid-envelope');
  const objects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  assert.not.ok(decodeEntry([ENVELOPE_FIELD, objects], { maxBytes: 10 * MB }).ok);
  // A valid envelope whose payload is too deep to be re-encoded safely.
  const json = JSON.stringify(sample('HOLE')).replace('"HOLE"', balanced);
  const deep = failed(decodeEntry([ENVELOPE_FIELD, json], { maxBytes: 10 * MB }));
  assert.is(deep.reason, 'invalid-envelope');
  assert.is(deep.issues?.[0]?.rule, 'invalid-value');
  assert.ok(deep.issues?.[0]?.path.startsWith('$.payload[0][0]'));
  // Moderate nesting is fine.
  const fine = JSON.stringify(sample('HOLE')).replace('"HOLE"', '['.repeat(100) + ']'.repeat(100));
  assert.ok(decodeEntry([ENVELOPE_FIELD, fine], opts).ok);
});

failures('never throws, even when the fields are not what the type says', () => {
  const revocable = Proxy.revocable([], {});
  revocable.revoke();
  const throwing = new Proxy([ENVELOPE_FIELD, '{}'], {
    get() {
      throw new Error('boom');
    },
  });
  const weird: unknown[] = [
    null,
    undefined,
    42,
    'envelope',
    {},
    [ENVELOPE_FIELD, 42],
    [ENVELOPE_FIELD, null],
    [ENVELOPE_FIELD, Buffer.from('{}')],
    [ENVELOPE_FIELD, {}],
    revocable.proxy,
    throwing,
  ];
  for (const fields of weird) {
    const result = decodeEntry(fields as string[], opts);
    assert.is(result.ok, false);
    if (!result.ok) {
      assert.type(result.error, 'string');
      assert.ok(Array.isArray(result.raw));
    }
  }
  assert.is(failed(decodeEntry([ENVELOPE_FIELD, 42] as unknown as string[], opts)).reason, 'not-json');
  assert.is(failed(decodeEntry(null as unknown as string[], opts)).reason, 'missing-field');
});

failures('default options accept ordinary envelopes and cap at 1 MiB', () => {
  assert.is(DEFAULT_DECODE_OPTIONS.maxBytes, MB);
  assert.ok(decodeEntry(encodeEnvelope(sample())).ok);
  const big = encodeEnvelope(sample('x'.repeat(MB)));
  assert.is(failed(decodeEntry(big)).reason, 'oversized');
});

roundtrip.run();
failures.run();

/** Trace context on envelopes: W3C checks, tracestate in the schema, carried by derive, dropped (not rejected) when broken on decode. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEntry, encodeEnvelope, ENVELOPE_FIELD } from '../src/envelope/codec.js';
import { createEnvelope, deriveEnvelope } from '../src/envelope/envelope.js';
import { dropInvalidTraceContext, isValidTraceparent, isValidTracestate, sanitizeTraceContext } from '../src/envelope/trace-context.js';
import { validateEnvelope } from '../src/envelope/validate.js';

const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const s = suite('envelope trace context');

s('W3C traceparent: version not ff, ids not all zeros, lower-case hex, exact length', () => {
  assert.ok(isValidTraceparent(TP));
  for (const bad of [
    TP.toUpperCase(),
    `ff${TP.slice(2)}`,
    `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
    `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`,
    `${TP}-extra`,
    '',
    42,
    null,
  ]) {
    assert.not.ok(isValidTraceparent(bad), String(bad));
  }
});

s('W3C tracestate: 1..32 key=value members, 512 chars, tenant@system keys', () => {
  for (const ok of [
    'congo=t61rcWkgMzE',
    'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    'a=1 ,\tb=2',
    'tenant@vendor=x',
    Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(','),
  ]) {
    assert.ok(isValidTracestate(ok), ok);
  }
  for (const bad of [
    '',
    'novalue',
    'a=1,,b=2',
    'UPPER=1',
    'k=v ',
    'k=a=b',
    Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','),
    `k=${'x'.repeat(600)}`,
    'k=\u0001',
  ]) {
    assert.not.ok(isValidTracestate(bad), bad);
  }
});

s('createEnvelope and deriveEnvelope carry traceparent and tracestate; derive may take a new context', () => {
  const parent = createEnvelope({ type: 'a.b', payload: 1, traceparent: TP, tracestate: 'vendor=1' });
  assert.ok(validateEnvelope(parent).ok);
  const child = deriveEnvelope(parent, 'c.d', 2);
  assert.equal([child.traceparent, child.tracestate], [TP, 'vendor=1']);
  const next = '00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01';
  const fromSpan = deriveEnvelope(parent, 'c.d', 3, { traceContext: { traceparent: next } });
  assert.is(fromSpan.traceparent, next);
  assert.not.ok('tracestate' in fromSpan);
  // Code that builds an envelope with a broken value is told so at once (the schema keeps the rule).
  assert.throws(() => createEnvelope({ type: 'a.b', payload: 1, traceparent: TP, tracestate: 'not valid' }), /tracestate/);
});

s('decode drops broken trace context with a reason and keeps the envelope', () => {
  const base = JSON.parse(JSON.stringify(createEnvelope({ type: 'a.b', payload: 1 }))) as Record<string, unknown>;
  const cases: [Record<string, unknown>, string[] | undefined, Record<string, unknown>][] = [
    [{ traceparent: 'garbage' }, ['traceparent'], {}],
    [{ traceparent: 12 }, ['traceparent'], {}],
    [{ traceparent: TP, tracestate: 'bad state!' }, ['tracestate'], { traceparent: TP }],
    [{ traceparent: 'x', tracestate: 'k=v' }, ['traceparent', 'tracestate'], {}],
    [{ tracestate: 'k=v' }, ['tracestate'], {}],
    [{ traceparent: TP, tracestate: 'k=v' }, undefined, { traceparent: TP, tracestate: 'k=v' }],
  ];
  for (const [extra, dropped, kept] of cases) {
    const decoded = decodeEntry([ENVELOPE_FIELD, JSON.stringify({ ...base, ...extra })]);
    assert.ok(decoded.ok, JSON.stringify(extra));
    if (!decoded.ok) continue;
    assert.equal(
      decoded.dropped?.map((d) => d.split(' ')[0]),
      dropped,
      JSON.stringify(extra),
    );
    assert.equal(
      { traceparent: decoded.envelope.traceparent, tracestate: decoded.envelope.tracestate },
      { traceparent: kept.traceparent, tracestate: kept.tracestate },
    );
  }
  // Re-encoding what was decoded gives a valid envelope (nothing broken survives).
  const round = decodeEntry([ENVELOPE_FIELD, JSON.stringify({ ...base, traceparent: 'x'.repeat(5000) })]);
  assert.ok(round.ok && validateEnvelope(JSON.parse(encodeEnvelope(round.envelope)[1]!)).ok);
  assert.ok(round.ok && round.dropped![0]!.length < 200, 'a huge value is not copied into the warning');
});

s('sanitizeTraceContext keeps what is valid from outside input', () => {
  assert.equal(sanitizeTraceContext({ traceparent: TP, tracestate: 'k=v' }), { context: { traceparent: TP, tracestate: 'k=v' }, dropped: [] });
  const r = sanitizeTraceContext({ traceparent: 'nope', tracestate: 'k=v' });
  assert.equal(r.context, {});
  assert.is(r.dropped.length, 2);
  assert.equal(dropInvalidTraceContext(null), []);
});

s.run();

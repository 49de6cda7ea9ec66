/**
 * Micro-benchmark of the bounded decoder (src/envelope/bounded-json.ts) on a typical envelope:
 * ns per envelope for JSON.parse alone, parseBoundedJson (size check + parse + bounds walk), and
 * the walk alone. Run: node --import tsx bench/bounded-json.ts
 */
import { jsonBoundsError, parseBoundedJson } from '../src/envelope/bounded-json.js';
import { createEnvelope } from '../src/envelope/envelope.js';

const env = createEnvelope({
  type: 'lead.enriched',
  payload: { lead: { id: 'L-1', email: 'a@example.com', company: 'Acme', score: 0.7, tags: ['b2b', 'eu'] }, notes: 'x'.repeat(200) },
  idempotencyKey: 'k-1',
  records: [{ id: 1, name: 'Acme', provenance: { row_id: '1', source: 'leads', retrieved_at: new Date(0).toISOString() } }],
});
const text = JSON.stringify(env);
const N = 200_000;

function time(label: string, fn: () => unknown): number {
  for (let i = 0; i < 20_000; i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  const ns = Number(process.hrtime.bigint() - t) / N;
  console.log(`${label.padEnd(34)} ${ns.toFixed(0).padStart(6)} ns/envelope`);
  return ns;
}

console.log(`envelope: ${text.length} bytes`);
const parsed = JSON.parse(text) as unknown;
time('JSON.parse', () => JSON.parse(text));
// What decodeEntry did before the bounded decoder: byte count, then parse.
const bare = time('byteLength + JSON.parse (before)', () => Buffer.byteLength(text, 'utf8') + (JSON.parse(text) as { attempt: number }).attempt);
const bounded = time('parseBoundedJson', () => parseBoundedJson(text));
time('jsonBoundsError (walk alone)', () => jsonBoundsError(parsed, 128, 100_000));
console.log(`overhead of the bounds over before: ${(bounded - bare).toFixed(0)} ns/envelope`);

// Dead letters and replay: an entry whose payload breaks its topic's schema, and one the handler
// rejects while a dependency is "down", both land in the DLQ with their reason; the operator lists
// them, sees the JSON path and rule, fixes the cause and replays the replayable one.
// Run (Redis at REDIS_URL, default redis://127.0.0.1:6379): npx tsx examples/dead-letters.ts
import { randomUUID } from 'node:crypto';
import { ActorRuntime, PermanentError, RedisStreamBackend, createKeys, createProducer, defineActor, defineTopic, waitUntilDrained } from 'stream-actors';
import { listDeadLetters, replayDeadLetters } from 'stream-actors/admin';

const invoiceDue = defineTopic({
  type: 'invoice.due',
  schema: {
    type: 'object',
    properties: { invoiceId: { type: 'string' }, amountCents: { type: 'integer', minimum: 1 } },
    required: ['invoiceId', 'amountCents'],
  },
});

let gatewayUp = false; // the "dependency": down at first
const charged: string[] = [];
const biller = defineActor({
  name: 'biller',
  consumes: [invoiceDue], // payloads are checked against the schema before handle runs
  handle: (env) => {
    if (!gatewayUp) throw new PermanentError(`payment gateway down, invoice ${env.payload.invoiceId} not charged`);
    charged.push(env.payload.invoiceId);
  },
});

const backend = new RedisStreamBackend({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const keys = createKeys(process.env.STREAMS_PREFIX ?? 'billing');
const runtime = new ActorRuntime([biller], { backend, keys, onShutdown: () => backend.close() });
await runtime.start();

const run = randomUUID().slice(0, 8);
const producer = createProducer({ backend, keys });
await producer.publish(invoiceDue, { invoiceId: `${run}-1`, amountCents: 1200 });
// A producer that skips the schema (a plain type name): the biller's edge check catches it.
await producer.publish('invoice.due', { invoiceId: `${run}-2`, amountCents: -5 });
await waitUntilDrained(backend, keys, [biller]);

const { items } = await listDeadLetters(backend, keys, { topic: invoiceDue.type, actor: 'biller' });
const ours = items.filter((it) => JSON.stringify(it.entry.envelope?.payload ?? '').includes(run));
for (const it of ours) console.log(`dead letter ${it.entry.id}: ${it.entry.reason}: ${it.entry.error}`);

gatewayUp = true; // the cause is fixed: replay what can succeed now (the bad payload stays for a human)
const replayable = ours.filter((it) => !it.entry.error.includes('PayloadValidationError'));
const outcomes = await replayDeadLetters(backend, keys, replayable);
await waitUntilDrained(backend, keys, [biller]);
console.log(`replayed ${outcomes.filter((o) => o.status === 'moved').length}; charged ${charged.join(', ')}`);
await runtime.stop();

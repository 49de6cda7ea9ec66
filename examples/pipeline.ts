// A producer feeding a two-stage pipeline over 2 partitions: order.placed -> pricer ->
// order.priced -> shipper -> order.shipped. Shows publishMany (one round trip for the batch),
// partition keys (one customer's orders stay in order on one partition), idempotency keys (a
// re-sent order is skipped by the consumer) and delayed delivery.
// Run (Redis at REDIS_URL, default redis://127.0.0.1:6379): npx tsx examples/pipeline.ts
import { randomUUID } from 'node:crypto';
import {
  ActorRuntime,
  RedisStreamBackend,
  createKeys,
  createProducer,
  decodeEntry,
  defineActor,
  defineTopic,
  waitUntilDrained,
  type PublishMessage,
} from 'stream-actors';

const PARTITIONS = 2;

const orderPlaced = defineTopic({
  type: 'order.placed',
  schema: {
    type: 'object',
    properties: { orderId: { type: 'string' }, customer: { type: 'string' }, qty: { type: 'integer', minimum: 1 }, unitCents: { type: 'integer', minimum: 0 } },
    required: ['orderId', 'customer', 'qty', 'unitCents'],
    additionalProperties: false,
  },
});
const orderPriced = defineTopic({
  type: 'order.priced',
  schema: { type: 'object', properties: { orderId: { type: 'string' }, totalCents: { type: 'integer' } }, required: ['orderId', 'totalCents'] },
});
const orderShipped = defineTopic({
  type: 'order.shipped',
  schema: {
    type: 'object',
    properties: { orderId: { type: 'string' }, totalCents: { type: 'integer' }, carrier: { type: 'string', enum: ['post', 'courier'] } },
    required: ['orderId', 'totalCents', 'carrier'],
  },
});

const pricer = defineActor({
  name: 'pricer',
  consumes: [orderPlaced],
  emits: [orderPriced],
  handle: (env, ctx) => [ctx.derive(orderPriced, { orderId: env.payload.orderId, totalCents: env.payload.qty * env.payload.unitCents })],
});
const shipper = defineActor({
  name: 'shipper',
  consumes: [orderPriced],
  emits: [orderShipped],
  handle: (env, ctx) => {
    ctx.emit(ctx.derive(orderShipped, { ...env.payload, carrier: env.payload.totalCents > 10_000 ? 'courier' : 'post' }));
  },
});

const backend = new RedisStreamBackend({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
const keys = createKeys(process.env.STREAMS_PREFIX ?? 'shop');
// Two stages in one process here; in production each could run in its own (same keys, same partitions).
const runtime = new ActorRuntime([pricer, shipper], { backend, keys, partitions: PARTITIONS, onShutdown: () => backend.close() });
await runtime.start();
runtime.stopOnSignals(() => process.exit(0));

const producer = createProducer({ backend, keys, partitions: PARTITIONS });
const run = randomUUID().slice(0, 8);
const orders: PublishMessage[] = ['ada', 'bob', 'cy', 'ada'].map((customer, i) => ({
  type: orderPlaced,
  payload: { orderId: `${run}-${i}`, customer, qty: i + 1, unitCents: 2_500 },
  partitionKey: customer, // one customer's orders: one partition, handled in order
  idempotencyKey: `order:${run}-${i}`, // a retry of the same order is skipped downstream
}));
const resent = { ...orders[0]! }; // the first order sent again: the pricer skips it
const later = { type: orderPlaced, payload: { orderId: `${run}-late`, customer: 'dee', qty: 1, unitCents: 100 }, partitionKey: 'dee', delayMs: 300 };
const published = await producer.publishMany([...orders, resent, later]); // one pipelined round trip
console.log(`published ${published.length} (partitions ${published.map((p) => p.partition).join(',')}; the late one due in 300 ms)`);

await waitUntilDrained(backend, keys, [pricer, shipper], { partitions: PARTITIONS });
const shipped: string[] = [];
for (let p = 0; p < PARTITIONS; p++) {
  for (const entry of await backend.range(keys.topic(orderShipped.type, p), '-', '+')) {
    const d = decodeEntry(entry.fields);
    if (!d.ok) continue;
    const s = orderShipped.assert(d.envelope.payload);
    if (s.orderId.startsWith(run)) shipped.push(`${s.orderId}:${s.totalCents}:${s.carrier}`);
  }
}
console.log(`shipped ${shipped.length}: ${shipped.sort().join(' ')}`);
await runtime.stop();

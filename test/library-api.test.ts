/**
 * The library surface a user writes against: typed topics (schema -> payload type, validation
 * with JSON path and rule), the producer (partition routing, one round trip per batch, delays,
 * all-or-nothing validation, trace context) on real Redis, the read-side payload check (bad
 * payloads dead-lettered, handler never called), and the runtime's metricsPort and onShutdown.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { decodeEntry } from '../src/envelope/codec.js';
import { PayloadValidationError, defineTopic, type PayloadOf } from '../src/envelope/topic.js';
import { createKeys, partitionOf } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { createProducer } from '../src/actors/producer.js';
import { capturingLogger } from './support/quiet-logger.js';
import { prefixedRedis, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

const orderPlaced = defineTopic({
  type: 'order.placed',
  schema: {
    type: 'object',
    properties: {
      id: { type: 'string', minLength: 1 },
      qty: { type: 'integer', minimum: 1 },
      tags: { type: 'array', items: { type: 'string' } },
      note: { type: ['string', 'null'] },
    },
    required: ['id', 'qty'],
    additionalProperties: false,
  },
});

// Compile-time checks: `npm run typecheck` fails if the inferred types drift.
type Order = PayloadOf<typeof orderPlaced>;
const typed: Order = { id: 'a', qty: 1, tags: ['x'], note: null };
// @ts-expect-error qty is a number
const wrongType: Order = { id: 'a', qty: '1' };
// @ts-expect-error id is required
const missing: Order = { qty: 1 };
void [typed, wrongType, missing];

const topics = suite('typed topics');

topics('validate reports every broken rule with its JSON path under $.payload', () => {
  const r = orderPlaced.validate({ id: '', qty: 0, tags: ['ok', 3], extra: true });
  assert.is(r.ok, false);
  if (r.ok) return;
  const found = r.issues.map((i) => `${i.path} ${i.rule}`).sort();
  assert.equal(found, ['$.payload.extra additionalProperties', '$.payload.id minLength', '$.payload.qty minimum', '$.payload.tags[1] type'].sort());
  assert.equal(orderPlaced.validate({ id: 'x', qty: 2 }), { ok: true, payload: { id: 'x', qty: 2 } });
});

topics('assert throws PayloadValidationError naming the topic, path and rule', () => {
  try {
    orderPlaced.assert({ qty: 1 });
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, PayloadValidationError);
    assert.match((err as Error).message, 'order.placed');
    assert.match((err as Error).message, '$.payload.id: required');
  }
});

topics('a bad type name or an invalid schema fails at definition, not on the first message', () => {
  assert.throws(() => defineTopic({ type: 'Orders', schema: { type: 'object' } }), /must match/);
  assert.throws(() => defineTopic({ type: 'order.bad', schema: { type: 'object', properties: { a: { type: 'strnig' as 'string' } } } }));
});

const producer = gated(suite('producer (redis)'), await redisSkipReason());

producer('publishMany routes by partitionKey, writes in one appendMany call, parks delayed messages', async () => {
  const r = await prefixedRedis('prod');
  if (!r) throw new Error('the gated suite has a Redis');
  const { backend } = r;
  try {
    const keys = createKeys(r.prefix);
    let appendCalls = 0;
    const appendMany = backend.appendMany.bind(backend);
    backend.appendMany = (entries) => {
      appendCalls += 1;
      return appendMany(entries);
    };
    const p = createProducer({ backend, keys, partitions: 4 });
    const customers = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay'];
    const out = await p.publishMany([
      ...customers.map((c, i) => ({ type: orderPlaced, payload: { id: `o${i}`, qty: 1 }, partitionKey: c, idempotencyKey: `order-${i}` })),
      { type: orderPlaced, payload: { id: 'later', qty: 1 }, partitionKey: 'ada', delayMs: 60_000 },
    ]);
    assert.is(appendCalls, 1, 'one pipelined append for the whole batch');
    for (let i = 0; i < customers.length; i++) {
      const pub = out[i]!;
      assert.is(pub.partition, partitionOf(customers[i]!, 4));
      const [entry] = await backend.range(pub.stream, pub.id!, pub.id!);
      const d = decodeEntry(entry!.fields);
      assert.ok(d.ok);
      if (d.ok) {
        assert.is(d.envelope.idempotencyKey, `order-${i}`);
        assert.is(d.envelope.partitionKey, customers[i]);
        assert.equal(d.envelope.payload, { id: `o${i}`, qty: 1 });
      }
    }
    const late = out[6]!;
    assert.is(late.id, null, 'a delayed message is not on the stream yet');
    assert.is(await backend.delayedCount(keys.delayed('order.placed', partitionOf('ada', 4))), 1);
  } finally {
    await r.cleanup();
  }
});

producer('one invalid payload fails the whole batch before anything is written', async () => {
  const r = await prefixedRedis('prodbad');
  if (!r) throw new Error('the gated suite has a Redis');
  try {
    const keys = createKeys(r.prefix);
    const p = createProducer({ backend: r.backend, keys });
    try {
      await p.publishMany([
        { type: orderPlaced, payload: { id: 'ok', qty: 1 } },
        { type: orderPlaced, payload: { id: 'bad', qty: -1 } },
      ]);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, PayloadValidationError);
      assert.match((err as Error).message, '$.payload.qty: minimum');
    }
    assert.is(await r.backend.streamInfo(keys.topic('order.placed')), null, 'nothing was written');
    // @ts-expect-error a Topic's payload is typed at the call site
    await p.publish(orderPlaced, { id: 'x' }).catch(() => undefined);
  } finally {
    await r.cleanup();
  }
});

producer('stamps the trace context it is given, and none without an active span', async () => {
  const backend = new MemoryStreamBackend();
  const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const withTrace = await createProducer({ backend, traceContext: () => ({ traceparent: tp }) }).publish('order.placed', { id: 'a', qty: 1 });
  assert.is(withTrace.envelope.traceparent, tp);
  const plain = await createProducer({ backend }).publish('order.placed', { id: 'b', qty: 1 });
  assert.is(plain.envelope.traceparent, undefined);
  await backend.close();
});

const onRead = suite('payload check on read');

onRead('a payload that breaks its topic schema is dead-lettered with path and rule; the handler never sees it', async () => {
  const backend = new MemoryStreamBackend();
  const keys = createKeys(uniquePrefix('read'));
  const seen: string[] = [];
  const actor = defineActor({
    name: 'packer',
    consumes: [orderPlaced],
    handle: (env) => {
      const qty: number = env.payload.qty; // typed from the schema
      seen.push(`${env.payload.id}x${qty}`);
    },
  });
  const runtime = new ActorRuntime([actor], {
    backend,
    keys,
    logger: capturingLogger().logger,
    options: { blockMs: 50, promoteIntervalMs: 20, trimIntervalMs: 0 },
  });
  await runtime.start();
  try {
    const p = createProducer({ backend, keys });
    await p.publish('order.placed', { id: 'bad', qty: 'many' }); // a plain type name skips the producer-side check
    await p.publish(orderPlaced, { id: 'good', qty: 2 });
    await waitFor('the good order handled', () => seen.includes('goodx2'));
    const dlq = await waitFor('one dead letter', async () => {
      const entries = await backend.range(keys.dlq('order.placed'), '-', '+');
      return entries.length === 1 ? entries : null;
    });
    const dead = parseDeadLetter(dlq[0]!.id, dlq[0]!.fields);
    assert.is(dead.attempts, 1, 'not retried');
    assert.is(dead.reason, 'invalid-payload', 'its own reason, not a handler error');
    assert.match(dead.error, 'PayloadValidationError');
    assert.match(dead.error, '$.payload.qty: type');
    assert.equal(seen, ['goodx2']);
  } finally {
    await runtime.stop();
    await backend.close();
  }
});

const options = suite('runtime metricsPort and onShutdown');

options('serves /metrics and /healthz while running, closes the port on stop, then runs the hooks in order', async () => {
  const backend = new MemoryStreamBackend();
  const keys = createKeys(uniquePrefix('mp'));
  const order: string[] = [];
  const actor = defineActor({ name: 'counter', consumes: ['tick.sent'], handle: (_e, ctx) => ctx.metrics.increment('ticks') });
  const runtime = new ActorRuntime([actor], {
    backend,
    keys,
    logger: capturingLogger().logger,
    options: { blockMs: 50, trimIntervalMs: 0 },
    metricsPort: 0,
    onShutdown: [() => void order.push('first'), () => Promise.reject(new Error('boom')), () => void order.push('third')],
  });
  runtime.onShutdown(() => void order.push('added'));
  await runtime.start();
  const port = runtime.metricsPort;
  assert.ok(port !== null && port > 0);
  await createProducer({ backend, keys }).publish('tick.sent', {});
  const text = await waitFor('the custom counter on /metrics', async () => {
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return body.includes('ticks_total{actor="counter"} 1') ? body : null;
  });
  assert.match(text, 'ticks_total');
  assert.is((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  await runtime.stop();
  assert.equal(order, ['first', 'third', 'added'], 'a failing hook does not stop the others');
  assert.is(runtime.metricsPort, null);
  await fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => assert.unreachable('the port should be closed'),
    () => undefined,
  );
  await backend.close();
});

options('a metrics port in use fails start() before any actor reads', async () => {
  const backend = new MemoryStreamBackend();
  const keys = createKeys(uniquePrefix('mp2'));
  const actor = defineActor({ name: 'idle', consumes: ['tick.sent'], handle: () => undefined });
  const first = new ActorRuntime([actor], { backend, keys, logger: capturingLogger().logger, options: { blockMs: 50, trimIntervalMs: 0 }, metricsPort: 0 });
  await first.start();
  const consumers = async () => (await backend.groups(keys.topic('tick.sent')))[0]?.consumers;
  await waitFor('the first runtime reading', async () => (await consumers()) === 1);
  const second = new ActorRuntime([actor], { backend, keys, consumer: 'other-0', logger: capturingLogger().logger, metricsPort: first.metricsPort! });
  try {
    await second.start();
    assert.unreachable('start should fail');
  } catch (err) {
    assert.match((err as Error).message, /EADDRINUSE|in use/);
  }
  assert.is(await consumers(), 1, 'the second runtime never joined the group');
  await first.stop();
  await backend.close();
});

topics.run();
producer.run();
onRead.run();
options.run();

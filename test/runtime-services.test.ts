/**
 * User services on the handler's context (`ctx.services`): given to the runtime as one object or
 * as a per-actor factory, typed through the handler's `ctx: ActorContext<S>`, and given to a
 * handler specification as fakes with no backend. The same handler runs on the memory shim and on
 * a real Redis.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { defineEntity } from '../src/actors/entity/define.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { given } from '../src/actors/runtime/spec.js';
import type { ActorContext, ActorDefinition } from '../src/actors/types.js';
import { decodeEntry } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { defineTopic } from '../src/envelope/topic.js';
import type { StreamBackend } from '../src/streams/backend.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { createProducer } from '../src/actors/producer.js';
import { capturingLogger } from './support/quiet-logger.js';
import { prefixedRedis, redisSkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

/** A user's service: sends a mail and says under which id. */
interface Mailer {
  send(to: string, subject: string): Promise<string>;
}
/** Another user's service, for actors that must not see the mailer. */
interface Pricing {
  priceOf(sku: string): number;
}
interface MailServices {
  mailer: Mailer;
}

/** A fake mailer that records what it was asked to send. */
function fakeMailer(): Mailer & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    send: async (to, subject) => {
      sent.push(`${to}: ${subject}`);
      return `mail-${sent.length}`;
    },
  };
}

// The handler's `ctx` annotation types ctx.services (and the runtime must then provide a mailer).
const notifier = defineActor({
  name: 'notifier',
  consumes: ['order.placed'],
  emits: ['mail.sent'],
  handle: async (env, ctx: ActorContext<MailServices>) => {
    const p = env.payload as { to: string; order: string };
    const mailId = await ctx.services.mailer.send(p.to, `order ${p.order}`);
    return [ctx.derive('mail.sent', { mailId, order: p.order })];
  },
});

const order = (n: number) => createEnvelope({ type: 'order.placed', payload: { to: `c${n}@shop.example`, order: `o-${n}` }, idempotencyKey: `o-${n}` });

async function outputs(backend: StreamBackend, keys: Keys, topic: string, partition = 0): Promise<unknown[]> {
  const entries = await backend.range(keys.topic(topic, partition), '-', '+');
  return entries.map((e) => {
    const d = decodeEntry(e.fields);
    if (!d.ok) throw new Error(d.error);
    return d.envelope.payload;
  });
}

/** The notifier on a runtime given a fake mailer: every order's mail goes through the service, once. */
async function notifierThroughRuntime(backend: StreamBackend, prefix: string): Promise<void> {
  const keys = createKeys(prefix);
  const mailer = fakeMailer();
  const runtime = new ActorRuntime([notifier], { backend, keys, services: { mailer }, logger: capturingLogger().logger, options: { blockMs: 100 } });
  await runtime.start();
  try {
    const producer = createProducer({ backend, keys });
    for (let i = 1; i <= 3; i++) await producer.publish('order.placed', order(i).payload, { idempotencyKey: `o-${i}` });
    const out = await waitFor('three mails sent', async () => {
      const o = await outputs(backend, keys, 'mail.sent');
      return o.length === 3 ? o : null;
    });
    assert.equal(mailer.sent, ['c1@shop.example: order o-1', 'c2@shop.example: order o-2', 'c3@shop.example: order o-3']);
    assert.equal(out, [
      { mailId: 'mail-1', order: 'o-1' },
      { mailId: 'mail-2', order: 'o-2' },
      { mailId: 'mail-3', order: 'o-3' },
    ]);
  } finally {
    await runtime.stop();
  }
}

const mem = suite('services through the runtime [memory]');

mem('a handler reaches its service through ctx.services; its outputs carry what the service returned', async () => {
  const backend = new MemoryStreamBackend();
  try {
    await notifierThroughRuntime(backend, uniquePrefix('svc'));
  } finally {
    await backend.close();
  }
});

mem('a factory gives each actor its own services, asked once per actor (not per partition)', async () => {
  const backend = new MemoryStreamBackend();
  const keys = createKeys(uniquePrefix('svcf'));
  const mailer = fakeMailer();
  const pricing: Pricing = { priceOf: (sku) => (sku === 'tea' ? 4 : 0) };
  const seen: Record<string, string[]> = {};
  const pricer = defineActor({
    name: 'pricer',
    consumes: ['order.placed'],
    emits: ['order.priced'],
    handle: (env, ctx: ActorContext<{ pricing: Pricing }>) => {
      seen.pricer = Object.keys(ctx.services);
      return [ctx.derive('order.priced', { price: ctx.services.pricing.priceOf('tea') })];
    },
  });
  const spy = defineActor({
    name: 'spy',
    consumes: ['order.placed'],
    emits: ['mail.sent'],
    handle: async (env, ctx: ActorContext<MailServices>) => {
      seen.spy = Object.keys(ctx.services);
      return [ctx.derive('mail.sent', { mailId: await ctx.services.mailer.send('x@shop.example', 'hi'), order: 'o' })];
    },
  });
  const asked: string[] = [];
  const runtime = new ActorRuntime([pricer, spy], {
    backend,
    keys,
    partitions: 2,
    logger: capturingLogger().logger,
    options: { blockMs: 100 },
    services: (actor) => {
      asked.push(actor.name);
      return actor.name === 'pricer' ? { pricing } : { mailer };
    },
  });
  assert.equal(asked, ['pricer', 'spy'], 'once per actor, at construction');
  await runtime.start();
  try {
    await createProducer({ backend, keys, partitions: 2 }).publish('order.placed', { sku: 'tea' }, { partitionKey: 'c-1' });
    await waitFor('both actors handled the order', () => seen.pricer && seen.spy);
    assert.equal(seen, { pricer: ['pricing'], spy: ['mailer'] }, "neither actor sees the other one's service");
    const priced = [...(await outputs(backend, keys, 'order.priced', 0)), ...(await outputs(backend, keys, 'order.priced', 1))];
    assert.equal(priced, [{ price: 4 }], 'the pricing service answered');
  } finally {
    await runtime.stop();
    await backend.close();
  }
});

mem('a factory that returns no object fails the construction, naming the actor', () => {
  const backend = new MemoryStreamBackend();
  assert.throws(() => new ActorRuntime([notifier], { backend, services: () => undefined as never }), /services factory returned undefined for actor notifier/);
});

mem('actors given no services see an empty object; persistence and writer stay where they were', async () => {
  const r = await given(order(1))
    .when(
      defineActor({
        name: 'plain',
        consumes: ['order.placed'],
        emits: ['x.y'],
        handle: (e, ctx) => [ctx.derive('x.y', { keys: Object.keys(ctx.services), writer: ctx.writer === undefined, reads: typeof ctx.persistence.query })],
      }),
    )
    .then({ outputs: [{ type: 'x.y', payload: { keys: [], writer: true, reads: 'function' } }] });
  assert.is(r.kind, 'processed');
});

mem("an entity's decide sees the services too", async () => {
  const counter = defineEntity({
    name: 'counter',
    consumes: ['order.placed'],
    emits: ['order.counted'],
    initialState: { n: 0 },
    decide: (s, env, ctx: ActorContext<{ bonus: number }>) => [{ type: 'order.counted', payload: { n: s.n + ctx.services.bonus } }],
    evolve: (s, e) => ({ n: (e.payload as { n: number }).n }),
  });
  const backend = new MemoryStreamBackend();
  const keys = createKeys(uniquePrefix('svce'));
  const runtime = new ActorRuntime([counter], { backend, keys, services: { bonus: 10 }, logger: capturingLogger().logger, options: { blockMs: 100 } });
  await runtime.start();
  try {
    await createProducer({ backend, keys }).publish('order.placed', { sku: 'tea' }, { partitionKey: 'c-1' });
    assert.equal(await waitFor('the event', async () => (await outputs(backend, keys, 'order.counted'))[0]), { n: 10 });
  } finally {
    await runtime.stop();
    await backend.close();
  }
});

mem.run();

const red = gated(suite('services through the runtime [redis]'), await redisSkipReason());

red('a handler reaches its service through ctx.services on a real Redis', async () => {
  const r = await prefixedRedis('svc');
  if (!r) throw new Error('the gated suite has a Redis');
  try {
    await notifierThroughRuntime(r.backend, r.prefix);
  } finally {
    await r.cleanup();
  }
});

red.run();

const spec = suite('services in handler specifications');

spec('given(...).when(actor) runs the handler with fake services and no backend', async () => {
  const mailer = fakeMailer();
  const r = await given(order(7), { services: { mailer } })
    .when(notifier)
    .then({ outputs: [{ type: 'mail.sent', payload: { mailId: 'mail-1', order: 'o-7' } }] });
  assert.is(r.outputs.length, 1);
  assert.equal(mailer.sent, ['c7@shop.example: order o-7']);
});

spec('a failing service is a retry, like any handler error', async () => {
  const down: Mailer = {
    send: async () => {
      throw new Error('smtp unavailable');
    },
  };
  await given(order(8), { services: { mailer: down } })
    .when(notifier)
    .then('retry');
});

spec('a per-actor factory works in a specification as in the runtime', async () => {
  const mailer = fakeMailer();
  // A factory does not name the services' type: the specification is told it.
  await given<MailServices>(order(9), { services: (actor) => (actor.name === 'notifier' ? { mailer } : {}) })
    .when(notifier)
    .then({ outputs: [{ type: 'mail.sent' }] });
  assert.is(mailer.sent.length, 1);
});

spec.run();

// Compile-time checks (run by `npm run typecheck`): a runtime or specification must provide what
// the handlers' ctx types ask for; actors with no needs, or of unknown needs, fit anywhere.
export function typeChecks(backend: StreamBackend, erased: ActorDefinition, mailer: Mailer): void {
  // @ts-expect-error the notifier needs a mailer
  void new ActorRuntime([notifier], { backend });
  // @ts-expect-error the mailer is of the wrong type
  void new ActorRuntime([notifier], { backend, services: { mailer: 42 } });
  void new ActorRuntime([notifier, erased], { backend, services: { mailer } });
  void new ActorRuntime([erased], { backend });
  // @ts-expect-error a specification without the mailer
  void given(order(1)).when(notifier);
  void given(order(1), { services: { mailer } }).when(notifier);
  const typed: ActorDefinition = notifier; // tools take any actor
  void typed;
  // With a typed topic, annotating ctx keeps env typed from the topic.
  const orderPlaced = defineTopic({
    type: 'order.placed',
    schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  });
  defineActor({
    name: 'typed',
    consumes: [orderPlaced],
    handle: async (env, ctx: ActorContext<MailServices>) => {
      const id: string = env.payload.id;
      // @ts-expect-error the payload has no such field
      void env.payload.qty;
      await ctx.services.mailer.send(id, 'hi');
    },
  });
  defineActor({
    name: 'typo',
    consumes: ['a.b'],
    // @ts-expect-error a service the context does not declare
    handle: (_e, ctx: ActorContext<MailServices>) => void ctx.services.mialer,
  });
}

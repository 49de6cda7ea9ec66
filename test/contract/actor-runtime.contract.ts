/**
 * The actor runtime's delivery rules, run unchanged on the memory shim and on real Redis.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../../src/actors/define.js';
import { parseDeadLetter } from '../../src/actors/runtime/dead-letter.js';
import { ActorRuntime } from '../../src/actors/runtime/runtime.js';
import type { ActorSpec } from '../../src/actors/types.js';
import { encodeEnvelope } from '../../src/envelope/codec.js';
import { createEnvelope } from '../../src/envelope/envelope.js';
import type { Envelope } from '../../src/envelope/types.js';
import type { StreamBackend } from '../../src/streams/backend.js';
import { ManualClock, type Clock } from '../../src/clock.js';
import { createKeys, type Keys } from '../../src/streams/keys.js';
import { capturingLogger } from '../support/quiet-logger.js';
import { gated } from '../support/skip.js';
import { sleep, waitFor } from '../support/wait.js';

/** A fresh backend per test, plus its cleanup. */
export type RuntimeBackendFactory = () => Promise<{ backend: StreamBackend; prefix: string; cleanup(): Promise<void> } | null>;

const FAST = { blockMs: 50, promoteIntervalMs: 20, trimIntervalMs: 0, errorBackoffMs: 20 };

interface Harness {
  backend: StreamBackend;
  keys: Keys;
  runtime: ActorRuntime;
  lines: () => Record<string, unknown>[];
  send(envs: Envelope[]): Promise<void>;
  outputs(topic: string): Promise<Envelope[]>;
  dlq(topic: string): Promise<ReturnType<typeof parseDeadLetter>[]>;
  pending(topic: string, group: string): Promise<number>;
  done(): Promise<void>;
}

async function setup(
  factory: RuntimeBackendFactory,
  specs: ActorSpec[],
  options: Record<string, number> = {},
  random?: () => number,
  clock?: Clock,
): Promise<Harness | null> {
  const made = await factory();
  if (!made) return null;
  const { backend, prefix, cleanup } = made;
  const keys = createKeys(prefix);
  const { logger, lines } = capturingLogger();
  const runtime = new ActorRuntime(specs.map(defineActor), {
    backend,
    keys,
    consumer: 'test-0',
    logger,
    options: { ...FAST, ...options },
    ...(random ? { random } : {}),
    ...(clock ? { clock } : {}),
  });
  await runtime.start();
  return {
    backend,
    keys,
    runtime,
    lines,
    send: async (envs) => void (await backend.appendMany(envs.map((e) => ({ stream: keys.topic(e.type), fields: encodeEnvelope(e) })))),
    outputs: async (topic) => (await backend.range(keys.topic(topic), '-', '+')).map((e) => JSON.parse(e.fields[1]!) as Envelope),
    dlq: async (topic) => (await backend.range(keys.dlq(topic), '-', '+')).map((e) => parseDeadLetter(e.id, e.fields)),
    pending: async (topic, group) => (await backend.pendingSummary(keys.topic(topic), group)).count,
    done: async () => {
      await runtime.stop();
      await cleanup();
    },
  };
}

const order = (n: number, extra: Partial<Parameters<typeof createEnvelope>[0]> = {}): Envelope =>
  createEnvelope({ type: 'order.placed', payload: { n }, idempotencyKey: `order-${n}`, ...extra });

const confirmer = (over: Partial<ActorSpec> = {}): ActorSpec => ({
  name: 'confirmer',
  consumes: ['order.placed'],
  emits: ['order.confirmed'],
  claimIdleMs: 200,
  handle: (env, ctx) => [ctx.derive('order.confirmed', { n: (env.payload as { n: number }).n })],
  ...over,
});

/** Registers the runtime suites for one backend; with a skipReason (its server is missing) they are counted as skipped. */
export function actorRuntimeContract(name: string, factory: RuntimeBackendFactory, skipReason: string | null = null): void {
  const s = gated(suite(`[${name}] actor runtime`), skipReason);

  s('consume -> emit -> commit: one output per input, lineage kept, nothing pending', async () => {
    const h = await setup(factory, [confirmer()]);
    assert.ok(h, 'backend');
    try {
      const inputs = Array.from({ length: 25 }, (_, i) => order(i));
      await h.send(inputs);
      const outs = await waitFor('25 outputs', async () => ((await h.outputs('order.confirmed')).length === 25 ? h.outputs('order.confirmed') : null));
      const byCause = new Map(outs.map((o) => [o.causationId, o]));
      for (const i of inputs) {
        const o = byCause.get(i.id);
        assert.ok(o, `output for ${i.id}`);
        assert.is(o!.correlationId, i.correlationId);
        assert.is(o!.idempotencyKey, `${i.idempotencyKey}>order.confirmed`);
      }
      await waitFor('empty PEL', async () => (await h.pending('order.placed', 'confirmer')) === 0);
      assert.match(await h.runtime.registry.metrics(), /stream_actor_processed_total\{actor="confirmer"\} 25/);
    } finally {
      await h.done();
    }
  });

  s('a duplicate idempotencyKey is acked and skipped, and counted', async () => {
    const h = await setup(factory, [confirmer()]);
    assert.ok(h, 'backend');
    try {
      await h.send([order(1)]);
      await waitFor('first output', async () => (await h.outputs('order.confirmed')).length === 1);
      await h.send([order(1), order(1)]);
      await waitFor('duplicates counted', async () => /stream_actor_duplicates_skipped_total\{actor="confirmer"\} 2/.test(await h.runtime.registry.metrics()));
      assert.is((await h.outputs('order.confirmed')).length, 1);
      assert.is(await h.pending('order.placed', 'confirmer'), 0);
    } finally {
      await h.done();
    }
  });

  s('a failing handler is retried with growing delays (on a manual clock), then dead-lettered with everything needed', async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const secret = 'sk_live_' + 'Q'.repeat(24);
    const h = await setup(
      factory,
      [
        confirmer({
          maxAttempts: 4,
          backoff: { initialMs: 40, multiplier: 2, maxMs: 5_000, jitter: 0 },
          handle: () => {
            seen.push(clock.now());
            throw new Error(`payment API rejected key ${secret} for jane.doe@example.com`);
          },
        }),
      ],
      {},
      undefined,
      clock,
    );
    assert.ok(h, 'backend');
    try {
      const input = order(7);
      await h.send([input]);
      const parked = h.keys.retryDelayed('confirmer');
      for (const [attempt, delay] of [
        [1, 40],
        [2, 80],
        [3, 160],
      ] as const) {
        await waitFor(`attempt ${attempt} failed and its retry parked`, async () => seen.length === attempt && (await h.backend.delayedCount(parked)) === 1);
        // The clock stands still: nothing can promote the retry until the test moves it, and 1 ms early is not due.
        assert.is(
          await h.backend.promoteDue(parked, h.keys.retry('confirmer'), clock.now() + delay - 1, 10),
          0,
          `attempt ${attempt + 1} not due before ${delay} ms`,
        );
        clock.advance(delay);
      }
      const [dead] = await waitFor('dead letter', async () => ((await h.dlq('order.placed')).length === 1 ? h.dlq('order.placed') : null), 10_000);
      assert.is(seen.length, 4);
      assert.equal(
        seen.slice(1).map((t, i) => t - seen[i]!),
        [40, 80, 160],
        'each retry waits its backoff, doubling',
      );
      assert.is(dead!.reason, 'handler-error');
      assert.is(dead!.attempts, 4);
      assert.is(dead!.actor, 'confirmer');
      assert.is(dead!.envelope?.id, input.id);
      assert.is(dead!.envelope?.idempotencyKey, input.idempotencyKey);
      assert.ok(dead!.source === h.keys.retry('confirmer') || dead!.source === h.keys.topic('order.placed'));
      assert.ok(dead!.sourceId.length > 0);
      assert.ok(!Number.isNaN(Date.parse(dead!.failedAt)));
      assert.not.match(dead!.error, secret);
      assert.not.match(dead!.error, 'jane.doe@');
      assert.match(dead!.error, 'payment API rejected');
      assert.is((await h.outputs('order.confirmed')).length, 0);
      for (const l of h.lines()) assert.not.match(JSON.stringify(l), secret);
    } finally {
      await h.done();
    }
  });

  s('bad entries written raw go to the DLQ with their reason; good ones keep flowing', async () => {
    const h = await setup(factory, [confirmer({ maxEntryBytes: 2_000 })]);
    assert.ok(h, 'backend');
    try {
      const stream = h.keys.topic('order.placed');
      const good = [order(1), order(2)];
      const wrongType = createEnvelope({ type: 'order.cancelled', payload: {} });
      await h.backend.appendMany([
        { stream, fields: ['envelope', '{not json'] },
        { stream, fields: ['something', 'else'] },
        { stream, fields: ['envelope', JSON.stringify({ ...order(3), attempt: 'one' })] },
        { stream, fields: ['envelope', JSON.stringify(order(4, { payload: 'x'.repeat(5_000) }))] },
        { stream, fields: encodeEnvelope(wrongType) },
        { stream, fields: ['envelope', '\u0000\uffff\ud800'] },
        ...good.map((e) => ({ stream, fields: encodeEnvelope(e) })),
      ]);
      const dead = await waitFor('6 dead letters', async () => ((await h.dlq('order.placed')).length === 6 ? h.dlq('order.placed') : null));
      assert.equal(dead.map((d) => d.reason).sort(), ['invalid-envelope', 'invalid-envelope', 'missing-field', 'not-json', 'not-json', 'oversized']);
      const schema = dead.find((d) => d.error.includes('$.attempt'));
      assert.ok(schema, 'schema error names the JSON path');
      assert.ok(
        dead.every((d) => d.raw || d.envelope),
        'original kept',
      );
      await waitFor('good outputs', async () => (await h.outputs('order.confirmed')).length === 2);
      await h.send([order(5)]);
      await waitFor('still consuming', async () => (await h.outputs('order.confirmed')).length === 3);
      assert.ok(h.runtime.running);
      assert.is(await h.pending('order.placed', 'confirmer'), 0);
    } finally {
      await h.done();
    }
  });

  s('emit with delayMs parks the envelope until due, then it appears once', async () => {
    const clock = new ManualClock();
    const h = await setup(factory, [confirmer({ handle: (env, ctx) => ctx.emit(ctx.derive('order.confirmed', {}), { delayMs: 300 }) })], {}, undefined, clock);
    assert.ok(h, 'backend');
    try {
      await h.send([order(1)]);
      await waitFor('parked', async () => (await h.backend.delayedCount(h.keys.delayed('order.confirmed'))) === 1);
      assert.is((await h.outputs('order.confirmed')).length, 0);
      // Nobody consumes order.confirmed here, so promote it by hand the way a consumer's runtime would, on the runtime's clock.
      const promote = (at: number) => h.backend.promoteDue(h.keys.delayed('order.confirmed'), h.keys.topic('order.confirmed'), at, 100);
      assert.is(await promote(clock.now() + 299), 0, 'not due 1 ms early');
      clock.advance(300);
      assert.is(await promote(clock.now()), 1);
      assert.is((await h.outputs('order.confirmed')).length, 1);
    } finally {
      await h.done();
    }
  });

  s('entries idle in a dead consumer are claimed and processed; deleted ones are recorded', async () => {
    const made = await factory();
    assert.ok(made, 'backend');
    const keys = createKeys(made.prefix);
    const stream = keys.topic('order.placed');
    await made.backend.ensureGroup(stream, 'confirmer', '0');
    await made.backend.appendMany([order(1), order(2), order(3)].map((e) => ({ stream, fields: encodeEnvelope(e) })));
    const stolen = await made.backend.readGroup({ group: 'confirmer', consumer: 'dead-1', streams: [stream], count: 10 });
    assert.is(stolen.length, 3);
    await made.backend.deleteEntries(stream, [stolen[2]!.id]);
    const { logger } = capturingLogger();
    const runtime = new ActorRuntime([defineActor(confirmer({ claimIdleMs: 100 }))], {
      backend: made.backend,
      keys,
      consumer: 'live-1',
      logger,
      options: FAST,
    });
    await runtime.start();
    try {
      await waitFor('2 outputs', async () => (await made.backend.range(keys.topic('order.confirmed'), '-', '+')).length === 2, 5_000);
      const dead = await waitFor('deleted recorded', async () => {
        const d = (await made.backend.range(keys.dlq('order.placed'), '-', '+')).map((e) => parseDeadLetter(e.id, e.fields));
        return d.length === 1 ? d : null;
      });
      assert.is(dead[0]!.reason, 'deleted-before-processing');
      assert.is(dead[0]!.sourceId, stolen[2]!.id);
      await waitFor('empty PEL', async () => (await made.backend.pendingSummary(stream, 'confirmer')).count === 0);
    } finally {
      await runtime.stop();
      await made.cleanup();
    }
  });

  s('poison that keeps crashing consumers (delivery count past the limit) goes to the DLQ', async () => {
    const made = await factory();
    assert.ok(made, 'backend');
    const keys = createKeys(made.prefix);
    const stream = keys.topic('order.placed');
    await made.backend.ensureGroup(stream, 'confirmer', '0');
    await made.backend.append(stream, encodeEnvelope(order(9)));
    await made.backend.readGroup({ group: 'confirmer', consumer: 'crash-0', streams: [stream], count: 1 });
    // Each claim by a consumer that then "crashes" adds a delivery.
    for (let i = 1; i <= 3; i++) assert.is((await made.backend.claimIdle(stream, 'confirmer', `crash-${i}`, 0, '0-0', 10)).entries.length, 1);
    const { logger } = capturingLogger();
    const runtime = new ActorRuntime([defineActor(confirmer({ claimIdleMs: 10, maxDeliveries: 3 }))], {
      backend: made.backend,
      keys,
      consumer: 'live-1',
      logger,
      options: FAST,
    });
    await runtime.start();
    try {
      const dead = await waitFor('poison dead-lettered', async () => {
        const d = (await made.backend.range(keys.dlq('order.placed'), '-', '+')).map((e) => parseDeadLetter(e.id, e.fields));
        return d.length === 1 ? d : null;
      });
      assert.is(dead[0]!.reason, 'poison');
      assert.match(dead[0]!.error, 'delivered 5 times');
      assert.is((await made.backend.range(keys.topic('order.confirmed'), '-', '+')).length, 0);
    } finally {
      await runtime.stop();
      await made.cleanup();
    }
  });

  s('stop during a batch commits in-flight work, leaves nothing pending and removes the consumer and heartbeat', async () => {
    const h = await setup(factory, [
      confirmer({
        concurrency: 4,
        batchSize: 8,
        handle: async (env, ctx) => {
          await sleep(40);
          return [ctx.derive('order.confirmed', env.payload)];
        },
      }),
    ]);
    assert.ok(h, 'backend');
    try {
      await waitFor('heartbeat', async () => (await h.backend.ttlMs(h.keys.heartbeat('confirmer', 'test-0'))) > 0);
      await h.send(Array.from({ length: 8 }, (_, i) => order(i)));
      await waitFor('batch in flight', async () => (await h.pending('order.placed', 'confirmer')) > 0, 5_000, 5);
      await h.runtime.stop();
      const outs = (await h.outputs('order.confirmed')).length;
      const pending = await h.pending('order.placed', 'confirmer');
      assert.is(pending, 0, 'nothing left pending');
      assert.ok(outs > 0, 'in-flight work was committed');
      const consumers = await h.backend.consumers(h.keys.topic('order.placed'), 'confirmer');
      assert.not.ok(
        consumers.some((c) => c.name === 'test-0'),
        'consumer removed',
      );
      assert.is(await h.backend.ttlMs(h.keys.heartbeat('confirmer', 'test-0')), -2);
    } finally {
      await h.done();
    }
  });

  s('a group destroyed under a running actor is recreated; what it re-reads is skipped as duplicate', async () => {
    const h = await setup(factory, [confirmer()]);
    assert.ok(h, 'backend');
    try {
      await h.send([order(1), order(2)]);
      await waitFor('first outputs', async () => (await h.outputs('order.confirmed')).length === 2);
      await h.backend.destroyGroup(h.keys.topic('order.placed'), 'confirmer');
      await h.send([order(3)]);
      await waitFor('group back and new input handled', async () => (await h.outputs('order.confirmed')).length === 3, 10_000);
      await waitFor('old inputs skipped as duplicates', async () =>
        /stream_actor_duplicates_skipped_total\{actor="confirmer"\} 2/.test(await h.runtime.registry.metrics()),
      );
      assert.is((await h.outputs('order.confirmed')).length, 3);
    } finally {
      await h.done();
    }
  });

  s('the periodic trim removes acknowledged entries only', async () => {
    const h = await setup(factory, [confirmer()], { trimIntervalMs: 50, retentionMs: 0 });
    assert.ok(h, 'backend');
    try {
      const stream = h.keys.topic('order.placed');
      await h.backend.ensureGroup(stream, 'slow-reader', '0');
      await h.send(Array.from({ length: 10 }, (_, i) => order(i)));
      await waitFor('outputs', async () => (await h.outputs('order.confirmed')).length === 10);
      // Count the periodic trim's passes over this stream, and look only after two more have run.
      let passes = 0;
      const trim = h.backend.trim.bind(h.backend);
      h.backend.trim = async (key, o) => {
        const r = await trim(key, o);
        if (key === stream) passes += 1;
        return r;
      };
      await waitFor('two trim passes', () => passes >= 2);
      assert.is((await h.backend.streamInfo(stream))!.length, 10, 'slow-reader has read nothing: nothing trimmed');
      const read = await h.backend.readGroup({ group: 'slow-reader', consumer: 'x', streams: [stream], count: 6 });
      await h.backend.ack(
        stream,
        'slow-reader',
        read.map((e) => e.id),
      );
      await waitFor('trimmed to the unread 4', async () => (await h.backend.streamInfo(stream))!.length === 4);
    } finally {
      await h.done();
    }
  });

  s.run();
}

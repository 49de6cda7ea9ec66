/**
 * The delivery steps one at a time (src/actors/runtime/steps/), each given a delivery and a
 * `next` that records whether it was called; then the handler specification helper (spec.ts)
 * running all of them with no backend, and user steps (a timeout) per actor and per runtime.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry } from 'prom-client';
import { defineActor } from '../src/actors/define.js';
import { PermanentError } from '../src/actors/errors.js';
import { batchContext } from '../src/actors/runtime/batch.js';
import { given, runSpec } from '../src/actors/runtime/spec.js';
import {
  batchedMarkerLookup,
  createLanes,
  decodeStep,
  deliveryPipeline,
  dedupStep,
  orderStep,
  poisonStep,
  retryStep,
  topicCheckStep,
  validateOutputsStep,
  type Delivery,
  type DeliveryStep,
  type Outcome,
  type StepContext,
} from '../src/actors/runtime/steps/index.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import type { ActorSpec } from '../src/actors/types.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { createActorMetrics } from '../src/monitoring/metrics.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { systemClock } from '../src/clock.js';
import { capturingLogger } from './support/quiet-logger.js';
import { waitFor } from './support/wait.js';

const keys = createKeys('st');
const spec: ActorSpec = {
  name: 'confirmer',
  consumes: ['order.placed'],
  emits: ['order.confirmed'],
  maxAttempts: 3,
  maxDeliveries: 2,
  handle: (env, ctx) => [ctx.derive('order.confirmed', env.payload)],
};
const order = (n: number, extra: Partial<Parameters<typeof createEnvelope>[0]> = {}): Envelope =>
  createEnvelope({ type: 'order.placed', payload: { n }, idempotencyKey: `o-${n}`, ...extra });

function ctxFor(over: Partial<ActorSpec> = {}, seen: string[] = []): StepContext {
  const metrics = createActorMetrics(new Registry());
  const def = defineActor({ ...spec, ...over });
  return batchContext(
    {
      def,
      backend: null as never,
      keys,
      consumer: 'c-0',
      clock: systemClock,
      logger: capturingLogger().logger,
      metrics: metrics.forActor(def.name),
      custom: metrics.custom(def.name),
      persistence: null as never,
      random: () => 0.5,
    },
    async (markers) => markers.map((m) => seen.includes(m)),
  );
}
const delivery = (env: Envelope | null, extra: Partial<Delivery['entry']> = {}, fields?: string[]): Delivery => ({
  entry: { stream: keys.topic('order.placed'), id: '5-0', fields: fields ?? (env ? encodeEnvelope(env) : []), ...extra },
  partition: 0,
  streamTopic: 'order.placed',
});
/** Runs one step with a `next` that records its call and answers "processed". */
async function step(s: DeliveryStep, d: Delivery, ctx: StepContext): Promise<{ out: Outcome; passed: boolean }> {
  let passed = false;
  const out = await s(d, ctx, async () => {
    passed = true;
    return { kind: 'processed', item: { outputs: [] } };
  });
  return { out, passed };
}

/** Resolves when the promise rejects with a message matching re; fails otherwise. */
async function rejects(p: unknown, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.match(String((err as Error).message), re);
    return;
  }
  assert.unreachable(`expected a rejection matching ${re}`);
}

const steps = suite('delivery steps, each alone');

steps('decode: a good entry passes with its envelope and marker; a deleted one and non-JSON are dead letters', async () => {
  const ctx = ctxFor();
  const d = delivery(order(1));
  assert.ok((await step(decodeStep, d, ctx)).passed);
  assert.is(d.envelope?.idempotencyKey, 'o-1');
  assert.is(d.marker, keys.idempotency('confirmer', 'o-1'));
  const deleted = await step(decodeStep, delivery(null), ctx);
  assert.equal(
    [deleted.passed, deleted.out.kind, deleted.out.kind === 'dead-letter' && deleted.out.reason],
    [false, 'dead-letter', 'deleted-before-processing'],
  );
  const bad = await step(decodeStep, delivery(null, {}, ['envelope', '{nope']), ctx);
  assert.equal([bad.out.kind, bad.out.kind === 'dead-letter' && bad.out.reason], ['dead-letter', 'not-json']);
  // The dead letter is the whole commit item: acked, one DLQ entry, under the entry's own marker.
  if (bad.out.kind === 'dead-letter') {
    assert.is(bad.out.item.ack?.id, '5-0');
    assert.is(bad.out.item.markerKey, keys.deadLetterMarker('confirmer', keys.topic('order.placed'), '5-0'));
    assert.is(bad.out.item.outputs[0]?.stream, keys.dlq('order.placed'));
  }
});

steps('topic check: an envelope of another type on a topic stream is a dead letter', async () => {
  const ctx = ctxFor();
  const d = { ...delivery(null), envelope: createEnvelope({ type: 'other.type', payload: {} }) };
  const r = await step(topicCheckStep, d, ctx);
  assert.equal([r.passed, r.out.kind === 'dead-letter' && r.out.reason], [false, 'invalid-envelope']);
  assert.ok((await step(topicCheckStep, { ...delivery(null), envelope: order(1) }, ctx)).passed);
});

steps('poison: past maxDeliveries it is a dead letter, at the limit it passes', async () => {
  const ctx = ctxFor();
  assert.ok((await step(poisonStep, { ...delivery(null, { deliveries: 2 }), envelope: order(1) }, ctx)).passed);
  const r = await step(poisonStep, { ...delivery(null, { deliveries: 3 }), envelope: order(1) }, ctx);
  assert.equal([r.passed, r.out.kind === 'dead-letter' && r.out.reason], [false, 'poison']);
});

steps('dedup: a committed marker or an earlier copy in the batch is a duplicate ack; lookups of a batch are one call', async () => {
  const calls: string[][] = [];
  const seen = batchedMarkerLookup(async (m) => (calls.push(m), m.map((x) => x === 'committed')));
  const ctx = { ...ctxFor(), markerExists: seen, claimed: new Set<string>() };
  const ds = ['committed', 'fresh', 'fresh'].map((marker) => ({ ...delivery(order(1)), marker }));
  const results = await Promise.all(ds.map((d) => step(dedupStep, d, ctx)));
  assert.equal(
    results.map((r) => (r.passed ? 'passed' : r.out.kind)),
    ['duplicate', 'passed', 'duplicate'],
  );
  assert.equal(calls, [['committed', 'fresh']], 'one lookup for the batch (the in-batch copy needs none)');
  assert.equal(results[0]!.out.kind === 'duplicate' && results[0]!.out.item.ack?.id, '5-0');
});

steps('order: one partitionKey in entry order, different keys concurrently, at most `concurrency` at once', async () => {
  const lane = createLanes(2);
  const log: string[] = [];
  let running = 0;
  let most = 0;
  const work = (name: string, ms: number) =>
    lane(name[0]!, async () => {
      running += 1;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      running -= 1;
    });
  await Promise.all([work('a1', 20), work('a2', 1), work('b1', 1), work('c1', 1)]);
  assert.ok(log.indexOf('end a1') < log.indexOf('start a2'), 'a2 waits for a1');
  assert.ok(log.indexOf('start b1') < log.indexOf('end a1'), 'b runs beside a');
  assert.is(most, 2);
  const ctx = ctxFor();
  assert.ok((await step(orderStep, { ...delivery(null), envelope: order(1) }, ctx)).passed);
});

steps("dedup: with the batch's markers already looked up it answers at once, with no promise", () => {
  const ctx = { ...ctxFor(), markerExists: (m: string) => m === 'committed', claimed: new Set<string>() };
  const next = (): Outcome => ({ kind: 'processed', item: { outputs: [] } });
  const outs = ['committed', 'fresh', 'fresh'].map((marker) => dedupStep({ ...delivery(order(1)), marker }, ctx, next));
  assert.equal(
    outs.map((o) => (o instanceof Promise ? 'promise' : o.kind)),
    ['duplicate', 'processed', 'duplicate'],
  );
});

steps('order: a run that ends at once frees its key and slot; a later async run of that key still goes first', async () => {
  const lane = createLanes(1);
  assert.is(
    lane('a', () => 1),
    1,
    'a synchronous run returns its value, not a promise',
  );
  assert.throws(
    () =>
      lane('a', () => {
        throw new Error('sync boom');
      }),
    /sync boom/,
  );
  const log: string[] = [];
  let release!: () => void;
  const slow = lane('a', () => new Promise<void>((r) => (release = r)).then(() => void log.push('a1')));
  const after = lane('a', () => void log.push('a2'));
  const other = lane('b', () => void log.push('b1'));
  assert.equal(log, [], 'a2 waits for a1, b1 for the only slot');
  release();
  await Promise.all([slow, after, other]);
  assert.equal([...log].sort(), ['a1', 'a2', 'b1']);
  assert.ok(log.indexOf('a1') < log.indexOf('a2'), 'per key in order');
});

steps('pipeline: a synchronous handler and synchronous steps give the outcome with no promise; async user steps still compose', async () => {
  const ctx = ctxFor();
  ctx.markerExists = () => false;
  const seen: string[] = [];
  const syncStep: DeliveryStep = (d, _ctx, next) => (seen.push('sync'), next(d));
  const out = deliveryPipeline([syncStep]).run(delivery(order(1)), ctx);
  assert.ok(!(out instanceof Promise), 'no promise on the synchronous path');
  assert.is((out as Outcome).kind, 'processed');
  const asyncStep: DeliveryStep = async (d, _ctx, next) => (seen.push('async'), next(d));
  const later = await deliveryPipeline([asyncStep, syncStep]).run(delivery(order(2)), ctxFor());
  assert.is(later.kind, 'processed');
  assert.equal(seen, ['sync', 'async', 'sync']);
});

steps('retry: an error is retried with backoff below maxAttempts, then dead-lettered; PermanentError at once', async () => {
  const ctx = ctxFor();
  const failing = (err: Error) => async (): Promise<Outcome> => {
    throw err;
  };
  const first = await retryStep({ ...delivery(null), envelope: order(1) }, ctx, failing(new Error('boom')));
  assert.is(first.kind, 'retry');
  if (first.kind === 'retry') {
    assert.is(first.item.delayed?.[0]?.delayedKey, keys.retryDelayed('confirmer'));
    assert.is(JSON.parse(first.item.delayed![0]!.fields[1]!).attempt, 2);
  }
  const last = await retryStep({ ...delivery(null), envelope: { ...order(1), attempt: 3 } }, ctx, failing(new Error('boom')));
  assert.equal([last.kind, last.kind === 'dead-letter' && last.reason], ['dead-letter', 'handler-error']);
  const permanent = await retryStep({ ...delivery(null), envelope: order(1) }, ctx, failing(new PermanentError('no')));
  assert.is(permanent.kind, 'dead-letter');
});

steps('validate outputs: emissions become the commit item; a type outside emits or an invalid envelope throws', async () => {
  const ctx = ctxFor();
  const d = { ...delivery(null), envelope: order(1), marker: 'm' };
  const out = createEnvelope({ type: 'order.confirmed', payload: {} });
  const later = createEnvelope({ type: 'order.confirmed', payload: { later: true } });
  const emitted = (envs: { envelope: Envelope; opts?: { delayMs: number } }[]) => async (): Promise<Outcome> => ({
    kind: 'emitted',
    emissions: envs.map((e) => ({ envelope: e.envelope, opts: e.opts })),
    returned: undefined,
    trusted: new WeakSet(),
  });
  const r = await validateOutputsStep(d, ctx, emitted([{ envelope: out }, { envelope: later, opts: { delayMs: 60_000 } }]));
  assert.is(r.kind, 'processed');
  if (r.kind === 'processed') {
    assert.equal(
      r.item.outputs.map((o) => o.stream),
      [keys.topic('order.confirmed')],
    );
    assert.equal(
      r.item.delayed?.map((x) => x.delayedKey),
      [keys.delayed('order.confirmed')],
    );
    assert.is(r.item.markerKey, 'm');
  }
  await rejects(validateOutputsStep(d, ctx, emitted([{ envelope: createEnvelope({ type: 'not.allowed', payload: {} }) }])), /not in emits/);
  await rejects(validateOutputsStep(d, ctx, emitted([{ envelope: { ...out, attempt: 0 } }])), /invalid envelope/);
});

steps.run();

const specs = suite('handler specifications: given(envelope).when(actor).then(...)');

specs('outputs, retry, dead letter, duplicate and poison, with no backend', async () => {
  await given(order(1))
    .when(spec)
    .then({ outputs: [{ type: 'order.confirmed', payload: { n: 1 } }] });
  await given(order(1), { committed: ['o-1'] })
    .when(spec)
    .then('duplicate');
  await given(order(1), { deliveries: 3 }).when(spec).then({ deadLetter: 'poison' });
  const failing: ActorSpec = {
    ...spec,
    handle: () => {
      throw new Error('payments down');
    },
  };
  await given(order(1)).when(failing).then('retry');
  await given({ ...order(1), attempt: 3 })
    .when(failing)
    .then({ deadLetter: 'handler-error', error: /payments down/ });
  await given({ fields: ['envelope', 'not json'] })
    .when(spec)
    .then({ deadLetter: 'not-json' });
  const r = await given(order(2)).when(spec).run();
  assert.is(r.outputs[0]?.causationId !== undefined, true, 'run() gives the result');
});

specs('a mismatch throws an AssertionError that says what happened', async () => {
  await rejects(given(order(1)).when(spec).then('retry'), /expected retry, got processed/);
  await rejects(
    given(order(1))
      .when(spec)
      .then({ outputs: [{ type: 'order.confirmed', payload: { n: 2 } }] }),
    /outputs/,
  );
});

specs('user steps: a per-actor timeout turns a hung handler into a retry', async () => {
  const timeout =
    (ms: number): DeliveryStep =>
    (d, _ctx, next) =>
      Promise.race([next(d), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))]);
  const hung: ActorSpec = { ...spec, steps: [timeout(20)], handle: () => new Promise(() => undefined) };
  const r = await runSpec(order(1), hung);
  assert.is(r.kind, 'retry');
  await given({ ...order(1), attempt: 3 })
    .when(hung)
    .then({ deadLetter: 'handler-error', error: /timed out after 20 ms/ });
});

specs("user steps: runtime-wide steps run for every actor in a real runtime (memory backend), before the actor's own", async () => {
  const seen: string[] = [];
  const tag =
    (name: string): DeliveryStep =>
    async (d, _ctx, next) => {
      seen.push(`${name}:${d.envelope!.idempotencyKey}`);
      return next(d);
    };
  const backend = new MemoryStreamBackend();
  const rt = new ActorRuntime([defineActor({ ...spec, steps: [tag('actor')] })], {
    backend,
    keys,
    consumer: 'c-0',
    logger: capturingLogger().logger,
    steps: [tag('runtime')],
    options: { blockMs: 20, promoteIntervalMs: 20, trimIntervalMs: 0 },
  });
  await rt.start();
  try {
    await backend.append(keys.topic('order.placed'), encodeEnvelope(order(7)));
    await waitFor('output', async () => (await backend.range(keys.topic('order.confirmed'), '-', '+')).length === 1);
    assert.equal(seen, ['runtime:o-7', 'actor:o-7']);
  } finally {
    await rt.stop();
  }
});

specs.run();

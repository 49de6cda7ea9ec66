/**
 * What DLQ replay rests on: moveEntries (append to the target + delete from the DLQ as one step,
 * on Redis and on the shim) and planReplay (where each dead letter goes, which are refused).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterFields } from '../src/actors/runtime/dead-letter.js';
import { executeReplay, planReplay } from '../src/cli/dlq/replay.js';
import { toItem } from '../src/cli/dlq/select.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import type { StreamBackend } from '../src/streams/backend.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { moveEntries } from '../src/streams/move.js';
import { deletePrefix, redisBackend, redisSkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';

type Make = () => Promise<{ backend: StreamBackend; prefix: string; done: () => Promise<void> } | null>;

const noRedis = await redisSkipReason();

const makers: [string, Make, string | null][] = [
  ['memory', async () => ({ backend: new MemoryStreamBackend(), prefix: 'mv', done: async () => {} }), null],
  [
    'redis',
    async () => {
      const backend = await redisBackend();
      if (!backend) return null;
      const prefix = uniquePrefix('mv');
      return { backend, prefix, done: async () => (await deletePrefix(backend, prefix), await backend.close()) };
    },
    noRedis,
  ],
];

for (const [name, make, skipReason] of makers) {
  const s = gated(suite(`moveEntries (${name})`), skipReason);

  s('moves an entry: new id on the target, gone from the source; a second move of it moves nothing', async () => {
    const ctx = await make();
    assert.ok(ctx, 'backend');
    const { backend, prefix } = ctx;
    try {
      const from = `${prefix}:{${prefix}:p0}:dlq:t`;
      const to = `${prefix}:{${prefix}:p0}:topic:t`;
      const id = await backend.append(from, ['a', '1']);
      const keep = await backend.append(from, ['b', '2']);
      const [first] = await moveEntries(backend, [{ from, id, to, fields: ['x', 'y'] }]);
      assert.ok(first!.newId, 'moved');
      assert.equal(await backend.range(to, '-', '+'), [{ id: first!.newId!, fields: ['x', 'y'] }]);
      assert.equal(
        (await backend.range(from, '-', '+')).map((e) => e.id),
        [keep],
      );
      const [again] = await moveEntries(backend, [{ from, id, to, fields: ['x', 'y'] }]);
      assert.is(again!.newId, null, 'already moved: nothing appended');
      assert.is((await backend.range(to, '-', '+')).length, 1);
    } finally {
      await ctx.done();
    }
  });

  s('a target that cannot take the entry (wrong type) fails that move (an error in its result, not a throw) and leaves the entry in the source', async () => {
    const ctx = await make();
    assert.ok(ctx, 'backend');
    const { backend, prefix } = ctx;
    try {
      const from = `${prefix}:{${prefix}:p0}:dlq:t`;
      const to = `${prefix}:{${prefix}:p0}:hb-not-a-stream`;
      await backend.setWithTtl(to, 'x', 60_000);
      const id = await backend.append(from, ['a', '1']);
      const [r] = await moveEntries(backend, [{ from, id, to, fields: ['x', 'y'] }]);
      assert.is(r!.newId, null);
      assert.match(r!.error!, /WRONGTYPE/, 'the move reports the failure, for this entry');
      const left = await backend.range(from, '-', '+');
      assert.is(left.length, 1, 'the entry is not lost');
      assert.equal(left[0]!.fields, ['a', '1']);
    } finally {
      await ctx.done();
    }
  });

  s.run();
}

const race = gated(suite('moveEntries (redis): concurrent movers'), noRedis);

race('two tools replaying the same entries at once replay each exactly once', async () => {
  const backend = await redisBackend();
  const other = await redisBackend();
  assert.ok(backend && other, 'Redis');
  const prefix = uniquePrefix('mr');
  try {
    const from = `${prefix}:{${prefix}:p0}:dlq:t`;
    const to = `${prefix}:{${prefix}:p0}:topic:t`;
    const ids = await backend.appendMany(Array.from({ length: 50 }, (_, i) => ({ stream: from, fields: ['n', String(i)] })));
    const moves = ids.map((id) => ({ from, id, to, fields: ['n', id] }));
    const [a, b] = await Promise.all([moveEntries(backend, moves), moveEntries(other, moves)]);
    const winners = ids.map((_, i) => Number(a[i]!.newId !== null) + Number(b[i]!.newId !== null));
    assert.ok(
      winners.every((w) => w === 1),
      'each entry moved by exactly one of them',
    );
    assert.is((await backend.range(to, '-', '+')).length, 50);
    assert.is((await backend.streamInfo(from))!.length, 0);
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
    await other.close();
  }
});

race.run();

const plan = suite('planReplay');
const keys = createKeys('pr');

const env = (type: string, attempt: number): Envelope => ({ ...createEnvelope({ type, payload: {} }), attempt });
const item = (topic: string, partition: number, d: Parameters<typeof deadLetterFields>[0]) =>
  toItem(keys, keys.dlq(topic, partition), '5-0', deadLetterFields(d));
const base = { reason: 'handler-error' as const, error: 'x', attempts: 4, actor: 'billing', sourceId: '1-0', failedAtMs: 0 };

plan(
  "source target: recomputed from the DLQ's topic and partition (or the actor's retry stream); raw entries refused; actor target: the actor's retry stream",
  () => {
    const onTopic = item('a.b', 1, { ...base, source: keys.topic('a.b', 1), envelope: env('a.b', 4) });
    const onRetry = item('a.b', 0, { ...base, source: keys.retry('billing'), envelope: env('a.b', 3) });
    const noSource = item('a.b', 2, { ...base, source: '', envelope: env('a.b', 2) });
    const raw = item('a.b', 0, { ...base, source: keys.topic('a.b'), raw: ['bad', 'fields'] });
    const steps = planReplay([onTopic, onRetry, noSource, raw], keys);
    assert.equal(
      steps.map((p) => p.target),
      [keys.topic('a.b', 1), keys.retry('billing'), keys.topic('a.b', 2), null],
    );
    assert.match(steps[3]!.refuseReason!, /no envelope/);
    assert.equal(
      planReplay([onTopic], keys, 'actor').map((p) => p.target),
      [keys.retry('billing', 1)],
      'the same partition, so the move stays in one cluster slot',
    );
  },
);

plan('executeReplay on the shim: attempt reset to 1, envelope otherwise unchanged, outcomes in plan order', async () => {
  const backend = new MemoryStreamBackend();
  const e = env('a.b', 4);
  const raw = await backend.append(keys.dlq('a.b'), deadLetterFields({ ...base, source: keys.topic('a.b'), raw: ['x', 'y'] }));
  const good = await backend.append(keys.dlq('a.b'), deadLetterFields({ ...base, source: keys.topic('a.b'), envelope: e }));
  const items = (await backend.range(keys.dlq('a.b'), '-', '+')).map((x) => toItem(keys, keys.dlq('a.b'), x.id, x.fields));
  const out = await executeReplay(backend, planReplay(items, keys));
  assert.equal(
    out.map((o) => [o.item.entry.id, o.status]),
    [
      [raw, 'refused'],
      [good, 'moved'],
    ],
  );
  const [back] = await backend.range(keys.topic('a.b'), '-', '+');
  assert.equal(JSON.parse(back!.fields[1]!), { ...e, attempt: 1 });
});

plan.run();

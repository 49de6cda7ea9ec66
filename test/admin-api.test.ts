/**
 * stream-actors/admin on real Redis: the functions the CLIs wrap, called as a dashboard or a
 * script would: health, dead letters (list, show, dry-run and real replay, purge), group reset
 * (plan, apply) and replay into a new group.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyGroupReset,
  health,
  isCliError,
  listDeadLetters,
  planGroupReset,
  purgeDeadLetters,
  replayDeadLetters,
  replayIntoGroup,
  showDeadLetter,
} from '../src/admin/index.js';
import { deadLetterFields } from '../src/actors/runtime/dead-letter.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { createKeys } from '../src/streams/keys.js';
import { prefixedRedis, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';

const admin = gated(suite('[redis] admin API'), await redisSkipReason());

admin('dead letters: list with filters, show, dry run, replay back onto the source, purge', async () => {
  const r = await prefixedRedis('adm');
  if (!r) throw new Error('the gated suite has a Redis');
  const { backend } = r;
  try {
    const keys = createKeys(r.prefix);
    const source = keys.topic('job.created');
    const dead = (i: number, actor: string) => ({
      stream: keys.dlq('job.created'),
      fields: deadLetterFields({
        reason: 'handler-error',
        error: `boom ${i}`,
        attempts: 5,
        actor,
        source,
        sourceId: `1-${i}`,
        failedAtMs: Date.now(),
        envelope: createEnvelope({ type: 'job.created', payload: { i } }),
      }),
    });
    await backend.appendMany([dead(1, 'worker'), dead(2, 'worker'), dead(3, 'other')]);
    const all = await listDeadLetters(backend, keys);
    assert.is(all.items.length, 3);
    const mine = await listDeadLetters(backend, keys, { actor: 'worker' });
    assert.is(mine.items.length, 2);
    const one = await showDeadLetter(backend, keys, mine.items[0]!.entry.id);
    assert.is(one.entry.error, 'boom 1');
    try {
      await showDeadLetter(backend, keys, '1-999');
      assert.unreachable('should throw');
    } catch (err) {
      assert.ok(isCliError(err, 'NOT_FOUND'));
    }
    const planned = await replayDeadLetters(backend, keys, mine.items, { dryRun: true });
    assert.equal(
      planned.map((o) => o.target),
      [source, source],
    );
    assert.is((await listDeadLetters(backend, keys)).items.length, 3, 'a dry run moves nothing');
    const replayed = await replayDeadLetters(backend, keys, mine.items);
    assert.equal(
      replayed.map((o) => o.status),
      ['moved', 'moved'],
    );
    assert.is((await backend.range(source, '-', '+')).length, 2);
    const left = await listDeadLetters(backend, keys);
    assert.is(left.items.length, 1);
    assert.is(await purgeDeadLetters(backend, left.items), 1);
    assert.is((await listDeadLetters(backend, keys)).items.length, 0);
  } finally {
    await r.cleanup();
  }
});

admin('health, group reset (plan and apply) and replay into a new group', async () => {
  const r = await prefixedRedis('admg');
  if (!r) throw new Error('the gated suite has a Redis');
  const { backend } = r;
  try {
    const keys = createKeys(r.prefix);
    const stream = keys.topic('job.created');
    const ids = await backend.appendMany(
      Array.from({ length: 4 }, (_, i) => ({ stream, fields: encodeEnvelope(createEnvelope({ type: 'job.created', payload: { i } })) })),
    );
    await backend.ensureGroup(stream, 'worker', '$');
    const report = await health(backend, keys, { maxLag: 10 });
    const s = report.streams.find((x) => x.key === stream);
    assert.is(s?.length, 4);
    assert.is(s?.groups[0]?.name, 'worker');
    assert.is(report.problems.length, 0);

    const plan = await planGroupReset(backend, stream, 'worker', '0');
    assert.is(plan.direction, 'back');
    assert.is(plan.entries, 4);
    const after = await applyGroupReset(backend, plan);
    assert.is(after?.lastDeliveredId, '0-0');
    assert.is((await health(backend, keys, { maxLag: 1 })).problems[0]?.check, 'max-lag', 'the group now lags by 4');

    const replay = await replayIntoGroup(backend, keys, { stream: 'job.created', from: ids[2]!, group: 'audit-replay' });
    assert.is(replay.stream, stream);
    const delivered = await backend.readGroup({ group: 'audit-replay', consumer: 'c', streams: [stream], count: 10 });
    assert.equal(
      delivered.map((e) => e.id),
      ids.slice(2),
      'the entry named by from and the ones after it',
    );
    try {
      await replayIntoGroup(backend, keys, { stream: 'job.created', from: '0', group: 'audit-replay' });
      assert.unreachable('an existing group is refused');
    } catch (err) {
      assert.ok(isCliError(err, 'USAGE'));
    }
  } finally {
    await r.cleanup();
  }
});

admin.run();

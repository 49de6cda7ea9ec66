/**
 * streams-group-reset as a real process against real Redis: a dry run (default, or explicit even
 * with --yes) changes nothing and tells what would change; --yes moves the id; an unknown stream
 * or group is exit 2 (malformed ids are checked before connecting: see cli-common).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { GroupResetPlan, GroupState } from '../src/cli/group-reset.js';
import { createKeys } from '../src/streams/keys.js';
import { jsonOf, runCli } from './support/cli.js';
import { deletePrefix, redisBackend, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';

const TOPIC = 'order.placed';

const s = gated(suite('streams-group-reset (child process, real Redis)'), await redisSkipReason());

s('dry run by default, --dry-run wins over --yes, --yes moves the last-delivered id; unknown stream or group is exit 2', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('gr');
  const keys = createKeys(prefix);
  const topic = keys.topic(TOPIC);
  const c = ['--redis-url', url, '--prefix', prefix];
  const billing = async () => (await backend.groups(topic)).find((g) => g.name === 'billing')!;
  try {
    await backend.ensureGroup(topic, 'billing', '0');
    const ids = await backend.appendMany(Array.from({ length: 10 }, (_, i) => ({ stream: topic, fields: ['n', String(i)] })));
    const read = await backend.readGroup({ group: 'billing', consumer: 'c1', streams: [topic], count: 6 });
    await backend.ack(
      topic,
      'billing',
      read.slice(0, 4).map((e) => e.id),
    );
    const before = await billing();
    assert.is(before.lastDeliveredId, ids[5]);

    const [dryText, dryJson, unknownGroup, unknownStream] = await Promise.all([
      runCli('streams-group-reset', [TOPIC, 'billing', '--to', '0', ...c]),
      runCli('streams-group-reset', [topic, 'billing', '--to', '$', '--yes', '--dry-run', '--json', ...c]),
      runCli('streams-group-reset', [TOPIC, 'nobody', '--to', '0', ...c]),
      runCli('streams-group-reset', ['no.such', 'billing', '--to', '0', ...c]),
    ]);

    assert.is(dryText.code, 0, dryText.stderr);
    assert.match(dryText.stdout, new RegExp(`last-delivered ${ids[5]}, lag 4, pending 2`));
    assert.match(dryText.stdout, /--to 0 → last-delivered 0-0: 6 entries will be delivered to the group again/);
    assert.match(dryText.stdout, /warning: entries billing committed within the idempotency marker window .* will be skipped as duplicates/);
    assert.match(dryText.stdout, /2 pending entries stay pending/);
    assert.match(dryText.stdout, /dry run: nothing changed/);

    assert.is(dryJson.code, 0, dryJson.stderr);
    const plan = jsonOf<GroupResetPlan & { applied: boolean }>(dryJson);
    assert.equal([plan.stream, plan.toId, plan.direction, plan.entries, plan.applied], [topic, ids[9], 'forward', 4, false]);
    assert.equal(await billing(), before, 'dry runs change nothing');

    assert.is(unknownGroup.code, 2);
    assert.match(unknownGroup.stderr, /^streams-group-reset: no group "nobody" on .*\(groups: billing\)/);
    assert.is(unknownStream.code, 2);
    assert.match(unknownStream.stderr, /no stream .*:topic:no\.such/);

    const applied = await runCli('streams-group-reset', [TOPIC, 'billing', '--to', ids[2]!, '--yes', '--json', ...c]);
    assert.is(applied.code, 0, applied.stderr);
    const res = jsonOf<GroupResetPlan & { applied: boolean; after: GroupState }>(applied);
    assert.equal([res.applied, res.direction, res.entries], [true, 'back', 3]);
    assert.is(res.after.lastDeliveredId, ids[2]);
    const now = await billing();
    assert.is(now.lastDeliveredId, ids[2], 'the group really moved');
    assert.is(now.pending, 2, 'pending entries untouched');
    const next = await backend.readGroup({ group: 'billing', consumer: 'c1', streams: [topic], count: 100 });
    assert.equal(
      next.map((e) => e.id),
      ids.slice(3),
      'the group reads on from the new id',
    );
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s.run();

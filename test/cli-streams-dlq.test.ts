/**
 * streams-dlq as a real process against real Redis: list with filters, show, replay (entries back
 * on their source stream with attempt 1 and gone from the DLQ; raw entries refused), and purge
 * (refused without --yes, listed with --dry-run).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterFields, type DeadLetter } from '../src/actors/runtime/dead-letter.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import type { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { jsonOf, runCli } from './support/cli.js';
import { deletePrefix, redisBackend, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';

const ORDERS = 'order.placed';
const LEADS = 'lead.enriched';
const MIN = 60_000;

interface Listed {
  items: { id: string; topic: string; actor: string; reason: string; attempts: number; envelope?: Envelope; raw?: string[] }[];
  more: boolean;
}

/** Four dead letters over two topics: ids by name. */
async function seed(backend: RedisStreamBackend, keys: Keys): Promise<Record<'timeout' | 'poison' | 'raw' | 'retry', string>> {
  const now = Date.now();
  const env = (type: string, attempt: number): Envelope => ({ ...createEnvelope({ type, payload: { n: 1 } }), attempt });
  const put = (topic: string, d: DeadLetter): Promise<string> => backend.append(keys.dlq(topic), deadLetterFields(d));
  return {
    timeout: await put(ORDERS, {
      reason: 'handler-error',
      error: 'TimeoutError: payments did not answer',
      attempts: 5,
      actor: 'billing',
      source: keys.topic(ORDERS),
      sourceId: '1-1',
      failedAtMs: now - 120 * MIN,
      envelope: env(ORDERS, 5),
    }),
    poison: await put(ORDERS, {
      reason: 'poison',
      error: 'delivered 6 times',
      attempts: 2,
      actor: 'audit',
      source: keys.topic(ORDERS),
      sourceId: '1-2',
      failedAtMs: now - 5 * MIN,
      envelope: env(ORDERS, 2),
    }),
    raw: await put(ORDERS, {
      reason: 'not-json',
      error: 'Unexpected token o',
      attempts: 0,
      actor: 'billing',
      source: keys.topic(ORDERS),
      sourceId: '1-3',
      failedAtMs: now - 1 * MIN,
      raw: ['envelope', '{oops'],
    }),
    retry: await put(LEADS, {
      reason: 'handler-error',
      error: 'template missing',
      attempts: 3,
      actor: 'copywriter',
      source: keys.retry('copywriter'),
      sourceId: '1-4',
      failedAtMs: now - 30 * MIN,
      envelope: env(LEADS, 3),
    }),
  };
}

const s = gated(suite('streams-dlq (child process, real Redis)'), await redisSkipReason());

s('list, filters and show read without changing anything; unknown topic or id is exit 2', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('dl');
  const keys = createKeys(prefix);
  const c = ['--redis-url', url, '--prefix', prefix];
  try {
    const ids = await seed(backend, keys);
    const [all, filtered, table, show, unknownId, unknownTopic] = await Promise.all([
      runCli('streams-dlq', ['list', ...c, '--json']),
      runCli('streams-dlq', ['list', ...c, '--json', '--actor', 'billing', '--error', 'TIMEOUT', '--older-than', '1h']),
      runCli('streams-dlq', ['list', ...c, '--topic', ORDERS, '--newer-than', '10m', '--count', '1']),
      runCli('streams-dlq', ['show', ids.retry, ...c]),
      runCli('streams-dlq', ['show', '1-1', ...c]),
      runCli('streams-dlq', ['list', ...c, '--topic', 'no.such']),
    ]);

    assert.is(all.code, 0, all.stderr);
    const listed = jsonOf<Listed>(all);
    assert.equal(
      listed.items.map((i) => i.id),
      [ids.timeout, ids.retry, ids.poison, ids.raw],
      'every DLQ of the prefix, oldest failure first',
    );
    assert.is(listed.more, false);

    assert.is(filtered.code, 0, filtered.stderr);
    assert.equal(
      jsonOf<Listed>(filtered).items.map((i) => i.id),
      [ids.timeout],
      'actor + case-insensitive error text + age',
    );

    assert.is(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${ids.poison} .*${ORDERS}.*poison.*audit`));
    assert.not.match(table.stdout, new RegExp(ids.raw), '--count 1 keeps the oldest match only');
    assert.not.match(table.stdout, new RegExp(ids.timeout), 'older than 10m: filtered out');
    assert.match(table.stdout, /more match/);

    assert.is(show.code, 0, show.stderr);
    const shown = jsonOf<{ id: string; stream: string; source: string; envelope: Envelope; attempts: number }>(show);
    assert.equal([shown.id, shown.stream, shown.source, shown.envelope.type, shown.attempts], [ids.retry, keys.dlq(LEADS), keys.retry('copywriter'), LEADS, 3]);

    assert.is(unknownId.code, 2);
    assert.match(unknownId.stderr, /^streams-dlq: no DLQ entry 1-1/);
    assert.is(unknownTopic.code, 2);
    assert.match(unknownTopic.stderr, /no DLQ stream for topic "no\.such"/);
    assert.is((await backend.streamInfo(keys.dlq(ORDERS)))!.length, 3, 'nothing changed');
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s(
  'replay: --dry-run changes nothing; then each envelope is back on its source stream with attempt 1 and gone from the DLQ, raw entries refused (exit 1)',
  async () => {
    const backend = await redisBackend();
    assert.ok(backend, 'Redis');
    const url = (await testRedis())!.url;
    const prefix = uniquePrefix('dr');
    const keys = createKeys(prefix);
    const c = ['--redis-url', url, '--prefix', prefix];
    try {
      const ids = await seed(backend, keys);
      const dry = await runCli('streams-dlq', ['replay', ...c, '--dry-run', '--json']);
      assert.is(dry.code, 0, dry.stderr);
      const plan = jsonOf<{ dryRun: boolean; plan: { id: string; target: string | null; refuseReason?: string }[] }>(dry).plan;
      assert.equal(
        plan.map((p) => [p.id, p.target]),
        [
          [ids.timeout, keys.topic(ORDERS)],
          [ids.retry, keys.retry('copywriter')],
          [ids.poison, keys.topic(ORDERS)],
          [ids.raw, null],
        ],
      );
      assert.match(plan[3]!.refuseReason!, /no envelope/);
      assert.is((await backend.streamInfo(keys.dlq(ORDERS)))!.length, 3, 'dry run: DLQ untouched');
      assert.is(await backend.streamInfo(keys.topic(ORDERS)), null, 'dry run: nothing appended');

      const run = await runCli('streams-dlq', ['replay', ...c, '--json']);
      assert.is(run.code, 1, `a refused entry makes the exit status 1 (stderr: ${run.stderr})`);
      const out = jsonOf<{ moved: number; refused: number; failed: number; gone: number; outcomes: { id: string; status: string; newId?: string }[] }>(run);
      assert.equal([out.moved, out.refused, out.failed, out.gone], [3, 1, 0, 0]);

      const back = await backend.range(keys.topic(ORDERS), '-', '+');
      const envs = back.map((e) => JSON.parse(e.fields[1]!) as Envelope);
      assert.is(envs.length, 2, 'both order envelopes are back on the topic stream');
      assert.ok(
        envs.every((e) => e.attempt === 1 && e.type === ORDERS),
        'attempt reset to 1',
      );
      const retried = await backend.range(keys.retry('copywriter'), '-', '+');
      assert.is(retried.length, 1, "the retry-stream entry is back on the actor's retry stream");
      assert.is((JSON.parse(retried[0]!.fields[1]!) as Envelope).attempt, 1);
      assert.equal(out.outcomes.find((o) => o.id === ids.retry)?.newId, retried[0]!.id);

      assert.equal(
        (await backend.range(keys.dlq(ORDERS), '-', '+')).map((e) => e.id),
        [ids.raw],
        'only the raw entry stays in the DLQ',
      );
      assert.is((await backend.streamInfo(keys.dlq(LEADS)))!.length, 0);
    } finally {
      await deletePrefix(backend, prefix);
      await backend.close();
    }
  },
);

s('purge: refused without --yes (exit 2), listed with --dry-run, deleted with --yes, only the selection', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('dp');
  const keys = createKeys(prefix);
  const c = ['--redis-url', url, '--prefix', prefix, '--topic', ORDERS, '--actor', 'billing'];
  try {
    const ids = await seed(backend, keys);
    const [refused, dry] = await Promise.all([runCli('streams-dlq', ['purge', ...c]), runCli('streams-dlq', ['purge', ...c, '--dry-run'])]);
    assert.is(refused.code, 2);
    assert.match(refused.stderr, /^streams-dlq: purge would delete 2 dead letters: add --yes/);
    assert.is(refused.stderr.trim().split('\n').length, 1);
    assert.is(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(ids.timeout));
    assert.match(dry.stdout, new RegExp(ids.raw));
    assert.match(dry.stdout, /2 would be deleted; nothing changed/);
    assert.is((await backend.streamInfo(keys.dlq(ORDERS)))!.length, 3, 'nothing deleted yet');

    const done = await runCli('streams-dlq', ['purge', ...c, '--yes', '--json']);
    assert.is(done.code, 0, done.stderr);
    assert.is(jsonOf<{ deleted: number }>(done).deleted, 2);
    assert.equal(
      (await backend.range(keys.dlq(ORDERS), '-', '+')).map((e) => e.id),
      [ids.poison],
      "the other actor's entry stays",
    );
    assert.is((await backend.streamInfo(keys.dlq(LEADS)))!.length, 1, 'other topics untouched');
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s('--target is refused on list, show and purge (it only means something for replay): one line, exit 2', async () => {
  const url = (await testRedis())?.url;
  if (!url) return;
  const c = ['--redis-url', url, '--prefix', uniquePrefix('dlt')];
  const runs = await Promise.all([
    runCli('streams-dlq', ['list', '--target', 'actor', ...c]),
    runCli('streams-dlq', ['purge', '--target', 'source', '--yes', ...c]),
  ]);
  for (const run of runs) {
    assert.is(run.code, 2, run.stderr);
    assert.match(run.stderr, /^streams-dlq: --target only applies to replay/);
    assert.is(run.stderr.trim().split('\n').length, 1);
  }
});

s.run();

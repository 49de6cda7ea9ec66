/**
 * Actors as real child processes against real Redis: SIGKILL mid-batch, a Redis restart under a
 * running actor, and SIGTERM during a batch. Inputs and outputs are compared one by one.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { deletePrefix, redisBackend, redisBinarySkipReason, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { RedisServer } from './support/redis-server.js';
import { gated } from './support/skip.js';
import { sleep, waitFor } from './support/wait.js';
import { startFixture, type Child } from './support/child.js';

const FIXTURE = new URL('./fixtures/relay-actor.ts', import.meta.url).pathname;

const startActor = (env: Record<string, string>): Promise<Child> => startFixture(FIXTURE, env, 'actor');

const job = (i: number): Envelope => createEnvelope({ type: 'job.created', payload: { i }, idempotencyKey: `job-${i}` });

async function outputsByInput(backend: RedisStreamBackend, keys: Keys): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await backend.range(keys.topic('job.done'), '-', '+')) {
    const env = JSON.parse(e.fields[1]!) as Envelope;
    const input = env.idempotencyKey.split('>')[0]!;
    counts.set(input, (counts.get(input) ?? 0) + 1);
  }
  return counts;
}

function assertExactlyOnce(counts: Map<string, number>, n: number): void {
  assert.is(counts.size, n, `every input has an output (${counts.size}/${n})`);
  const dupes = [...counts].filter(([, c]) => c !== 1);
  assert.equal(dupes, [], 'no input has two outputs');
}

const s = gated(suite('actor processes on real Redis'), await redisSkipReason());
const ownServer = gated(s, redisBinarySkipReason());

s('SIGKILL in the middle of a batch: another consumer finishes, each input has exactly one output, PEL empty', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const r = (await testRedis())!;
  const prefix = uniquePrefix('kill');
  const keys = createKeys(prefix);
  const children: Child[] = [];
  try {
    await backend.ensureGroup(keys.topic('job.created'), 'relay', '0');
    const n = 300;
    await backend.appendMany(Array.from({ length: n }, (_, i) => ({ stream: keys.topic('job.created'), fields: encodeEnvelope(job(i)) })));
    const a = await startActor({ REDIS_URL: r.url, PREFIX: prefix, CONSUMER: 'host-a', DELAY_MS: '15', BATCH: '16', CLAIM_IDLE_MS: '500' });
    children.push(a);
    await waitFor('some outputs', async () => ((await backend.streamInfo(keys.topic('job.done')))?.length ?? 0) >= 40, 20_000);
    await waitFor('a batch in flight', async () => (await backend.pendingSummary(keys.topic('job.created'), 'relay')).count > 0, 5_000, 2);
    a.proc.kill('SIGKILL');
    await a.exit;
    const stranded = (await backend.pendingSummary(keys.topic('job.created'), 'relay')).count;
    assert.ok(stranded > 0, 'the kill left entries pending in the dead consumer');
    const b = await startActor({ REDIS_URL: r.url, PREFIX: prefix, CONSUMER: 'host-b', DELAY_MS: '0', CLAIM_IDLE_MS: '500' });
    children.push(b);
    await waitFor('all outputs', async () => (await outputsByInput(backend, keys)).size === n, 30_000, 100);
    await waitFor('PEL empty', async () => (await backend.pendingSummary(keys.topic('job.created'), 'relay')).count === 0, 10_000);
    assertExactlyOnce(await outputsByInput(backend, keys), n);
    b.proc.kill('SIGTERM');
    assert.is(await b.exit, 0);
  } finally {
    for (const c of children) c.proc.kill('SIGKILL');
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s('SIGTERM during a batch: exit 0, in-flight work committed, nothing pending', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const r = (await testRedis())!;
  const prefix = uniquePrefix('term');
  const keys = createKeys(prefix);
  try {
    const n = 64;
    await backend.ensureGroup(keys.topic('job.created'), 'relay', '0');
    await backend.appendMany(Array.from({ length: n }, (_, i) => ({ stream: keys.topic('job.created'), fields: encodeEnvelope(job(i)) })));
    const a = await startActor({ REDIS_URL: r.url, PREFIX: prefix, CONSUMER: 'host-a', DELAY_MS: '150', BATCH: '16' });
    await waitFor('a batch in flight', async () => (await backend.pendingSummary(keys.topic('job.created'), 'relay')).count > 0, 5_000, 2);
    a.proc.kill('SIGTERM');
    assert.is(await a.exit, 0, 'graceful exit');
    assert.is((await backend.pendingSummary(keys.topic('job.created'), 'relay')).count, 0, 'nothing pending');
    const done = await outputsByInput(backend, keys);
    assert.ok(done.size > 0, 'in-flight batch committed');
    assert.ok([...done.values()].every((c) => c === 1));
    const group = (await backend.groups(keys.topic('job.created'))).find((g) => g.name === 'relay')!;
    assert.is(done.size + (group.lag ?? 0), n, 'every input is either done or still unread');
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

ownServer('Redis restarted (AOF, appendfsync always) under a running actor: it resumes, outputs complete and unique', async () => {
  const server = await RedisServer.start({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  const backend = new RedisStreamBackend({ url: server.url, maxRetriesPerRequest: null });
  await backend.connect();
  const keys = createKeys(uniquePrefix('restart'));
  let child: Child | null = null;
  try {
    await backend.ensureGroup(keys.topic('job.created'), 'relay', '0');
    child = await startActor({ REDIS_URL: server.url, PREFIX: keys.prefix, CONSUMER: 'host-a', DELAY_MS: '2' });
    const n = 400;
    // The producer keeps writing through the outage; its writes wait for the reconnect.
    const producer = (async () => {
      for (let i = 0; i < n; i += 20) {
        await backend.appendMany(Array.from({ length: 20 }, (_, k) => ({ stream: keys.topic('job.created'), fields: encodeEnvelope(job(i + k)) })));
        await sleep(10);
      }
    })();
    await waitFor('some outputs', async () => ((await backend.streamInfo(keys.topic('job.done')))?.length ?? 0) >= 50, 20_000);
    await server.restart('SIGKILL', 300);
    await producer;
    await waitFor('all outputs after the restart', async () => (await outputsByInput(backend, keys)).size === n, 30_000, 100);
    await waitFor('PEL empty', async () => (await backend.pendingSummary(keys.topic('job.created'), 'relay')).count === 0, 10_000);
    assertExactlyOnce(await outputsByInput(backend, keys), n);
    child.proc.kill('SIGTERM');
    assert.is(await child.exit, 0);
  } finally {
    child?.proc.kill('SIGKILL');
    await backend.close();
    await server.dispose();
  }
});

s.run();

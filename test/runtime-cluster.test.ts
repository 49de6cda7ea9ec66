/**
 * The actor runtime on a 3-master Redis Cluster: the delivery rules unchanged, then partitioned
 * topics (P = 6) shared by two runtimes, with a master restarted mid-run.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { createKeys, partitionOf } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { actorRuntimeContract } from './contract/actor-runtime.contract.js';
import { capturingLogger } from './support/quiet-logger.js';
import { RedisTestCluster } from './support/redis-cluster.js';
import { clusterForTests, clusterSkipReason, redisBinarySkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

const shared = await clusterForTests();
actorRuntimeContract(
  'cluster',
  async () => {
    const backend = new RedisStreamBackend({ clusterNodes: shared!.nodes, maxRetriesPerRequest: 5 });
    await backend.connect();
    const prefix = uniquePrefix('rtc');
    return {
      backend,
      prefix,
      cleanup: async () => {
        const keys = await backend.scanKeys(`${prefix}:*`);
        if (keys.length) await backend.deleteKeys(keys);
        await backend.close();
      },
    };
  },
  await clusterSkipReason(),
);

const s = gated(suite('[cluster] partitioned topics'), redisBinarySkipReason());

s('two runtimes share P=6 partitions; outputs stay in their input partition; a master restart loses and duplicates nothing', async () => {
  const cluster = await RedisTestCluster.start();
  const P = 6;
  const keys = createKeys(uniquePrefix('part'));
  const backends = [0, 1, 2].map(() => new RedisStreamBackend({ clusterNodes: cluster.nodes, maxRetriesPerRequest: null }));
  const handledBy = new Map<string, string>();
  const relay = (who: string) =>
    defineActor({
      name: 'relay',
      consumes: ['job.created'],
      emits: ['job.done'],
      claimIdleMs: 1_000,
      handle: (env, ctx) => {
        handledBy.set(env.idempotencyKey, who);
        return [ctx.derive('job.done', env.payload)];
      },
    });
  const options = { blockMs: 100, promoteIntervalMs: 50, trimIntervalMs: 0, errorBackoffMs: 50 };
  const runtimes = ['a', 'b'].map(
    (who, i) =>
      new ActorRuntime([relay(who)], { backend: backends[i]!, keys, consumer: `host-${who}`, partitions: P, logger: capturingLogger().logger, options }),
  );
  const producer = backends[2]!;
  try {
    await producer.connect();
    for (const r of runtimes) await r.start();
    const n = 600;
    const jobs: Envelope[] = Array.from({ length: n }, (_, i) =>
      createEnvelope({ type: 'job.created', payload: { i }, idempotencyKey: `job-${i}`, partitionKey: `customer-${i % 37}` }),
    );
    const send = (batch: Envelope[]) =>
      producer.appendMany(batch.map((e) => ({ stream: keys.topic(e.type, partitionOf(e.partitionKey, P)), fields: encodeEnvelope(e) })));
    await send(jobs.slice(0, 300));
    await waitFor('first half done', async () => handledBy.size >= 300, 20_000);
    await cluster.restartMaster(1);
    await send(jobs.slice(300));
    const outputs = async () => {
      const all: { partition: number; env: Envelope }[] = [];
      for (let p = 0; p < P; p++)
        for (const e of await producer.range(keys.topic('job.done', p), '-', '+')) all.push({ partition: p, env: JSON.parse(e.fields[1]!) as Envelope });
      return all;
    };
    const done = await waitFor(
      'all outputs',
      async () => {
        const o = await outputs();
        return new Set(o.map((x) => x.env.idempotencyKey)).size === n ? o : null;
      },
      30_000,
      200,
    );
    assert.is(done.length, n, 'no duplicate outputs');
    for (const { partition, env } of done) assert.is(partition, partitionOf(env.partitionKey, P), 'output in its input partition');
    assert.equal(new Set(handledBy.values()), new Set(['a', 'b']), 'both runtimes took a share');
    for (let p = 0; p < P; p++) assert.is((await producer.pendingSummary(keys.topic('job.created', p), 'relay')).count, 0);
  } finally {
    for (const r of runtimes) await r.stop();
    for (const b of backends) await b.close();
    await cluster.dispose();
  }
});

s('a runtime started while the cluster is down (cluster_state:fail) starts once the master is back, and consumes', async () => {
  const cluster = await RedisTestCluster.start();
  // As a chaos stage process or `actors run --retry-forever`: wait for Redis, never fail a command.
  const backend = new RedisStreamBackend({ clusterNodes: cluster.nodes, maxRetriesPerRequest: null });
  const keys = createKeys(uniquePrefix('down'));
  const handled: string[] = [];
  const actor = defineActor({
    name: 'relay',
    consumes: ['job.created'],
    emits: [],
    handle: (env) => {
      handled.push(env.idempotencyKey);
      return [];
    },
  });
  const runtime = new ActorRuntime([actor], {
    backend,
    keys,
    consumer: 'late',
    logger: capturingLogger().logger,
    options: { blockMs: 100, promoteIntervalMs: 50, trimIntervalMs: 0, errorBackoffMs: 50 },
  });
  let started = false;
  let failed: unknown = null;
  try {
    await cluster.killMaster(0);
    await cluster.waitUntilState('fail');
    const closed = new Promise((resolve) => backend.connection.once('close', resolve));
    const start = runtime.start().then(
      () => (started = true),
      (err: unknown) => (failed = err),
    );
    // The client reached the cluster, found it down and closed to retry: only then bring the master back.
    await closed;
    await cluster.startMaster(0);
    await cluster.waitUntilOk();
    await waitFor('the runtime started (or failed)', () => started || failed, 20_000, 50);
    await start;
    assert.is(failed, null, `start() did not fail (${String(failed)})`);
    await backend.append(keys.topic('job.created'), encodeEnvelope(createEnvelope({ type: 'job.created', payload: {}, idempotencyKey: 'after-outage' })));
    await waitFor('the entry handled', () => handled.includes('after-outage'), 20_000);
  } finally {
    if (started) await runtime.stop();
    await backend.close();
    await cluster.dispose();
  }
});

s.run();

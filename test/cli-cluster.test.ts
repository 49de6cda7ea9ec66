/**
 * The stream tools on a Redis Cluster (REDIS_CLUSTER_NODES): streams of every partition are found
 * on every master, MEMORY USAGE is routed per key, and DLQ replay moves entries within their slot.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterFields } from '../src/actors/runtime/dead-letter.js';
import type { HealthReport } from '../src/cli/health/collect.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { createKeys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { jsonOf, runCli } from './support/cli.js';
import { clusterForTests, clusterSkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';

const TOPIC = 'order.placed';
const PARTITIONS = [0, 1, 2, 3, 4, 5];

const s = gated(suite('operator tools on a Redis Cluster (child processes)'), await clusterSkipReason());

s('streams-health sees every partition on every master; streams-dlq replays each entry onto its own partition', async () => {
  const cluster = await clusterForTests();
  assert.ok(cluster, 'Redis Cluster');
  const backend = new RedisStreamBackend({ clusterNodes: cluster.nodes, maxRetriesPerRequest: 5 });
  await backend.connect();
  const prefix = uniquePrefix('cc');
  const keys = createKeys(prefix);
  const env = { REDIS_CLUSTER_NODES: cluster.nodes.join(','), STREAMS_PREFIX: prefix };
  try {
    for (const p of PARTITIONS) {
      await backend.ensureGroup(keys.topic(TOPIC, p), 'billing', '0');
      await backend.append(keys.topic(TOPIC, p), encodeEnvelope(createEnvelope({ type: TOPIC, payload: { p } })));
      const e = { ...createEnvelope({ type: TOPIC, payload: { p, dead: true } }), attempt: 4 };
      await backend.append(
        keys.dlq(TOPIC, p),
        deadLetterFields({
          reason: 'handler-error',
          error: 'x',
          attempts: 4,
          actor: 'billing',
          source: keys.topic(TOPIC, p),
          sourceId: '1-0',
          failedAtMs: Date.now(),
          envelope: e,
        }),
      );
    }

    const health = await runCli('streams-health', ['--json', '--max-dlq', '5'], { env });
    assert.is(health.code, 1, `DLQ depth 6 > 5 (stderr: ${health.stderr})`);
    const r = jsonOf<HealthReport>(health);
    assert.equal(
      r.streams
        .filter((x) => x.kind === 'topic')
        .map((x) => x.partition)
        .sort(),
      PARTITIONS,
    );
    assert.ok(
      r.streams.every((x) => (x.memoryBytes ?? 0) > 0),
      'MEMORY USAGE on every stream, whichever master holds it',
    );
    assert.ok(r.streams.filter((x) => x.kind === 'topic').every((x) => x.groups[0]?.lag === 1));
    assert.equal(r.dlq, [{ topic: TOPIC, depth: 6, streams: PARTITIONS.map((p) => keys.dlq(TOPIC, p)).sort() }]);

    const replay = await runCli('streams-dlq', ['replay', '--json'], { env });
    assert.is(replay.code, 0, replay.stderr);
    assert.is(jsonOf<{ moved: number }>(replay).moved, 6);
    for (const p of PARTITIONS) {
      const back = await backend.range(keys.topic(TOPIC, p), '-', '+');
      const last = JSON.parse(back[back.length - 1]!.fields[1]!) as Envelope<{ p: number; dead?: boolean }>;
      assert.equal([back.length, last.payload, last.attempt], [2, { p, dead: true }, 1], `partition ${p}`);
      assert.is((await backend.streamInfo(keys.dlq(TOPIC, p)))!.length, 0);
    }
  } finally {
    const left = await backend.scanKeys(`${prefix}:*`);
    if (left.length) await backend.deleteKeys(left);
    await backend.close();
  }
});

s.run();

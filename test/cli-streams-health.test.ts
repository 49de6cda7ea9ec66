/**
 * streams-health as a real process against real Redis: the report (tables and --json), and the
 * exit status as a probe uses it (0 healthy, 1 when lag, DLQ depth or a dead consumer breaches a
 * threshold), with --watch redrawing until Ctrl-C.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterFields } from '../src/actors/runtime/dead-letter.js';
import type { HealthReport } from '../src/cli/health/collect.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { createKeys } from '../src/streams/keys.js';
import { jsonOf, runCli } from './support/cli.js';
import { deletePrefix, redisBackend, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';

const TOPIC = 'order.placed';

const s = gated(suite('streams-health (child process, real Redis)'), await redisSkipReason());

s('healthy without thresholds; lag, a dead consumer with pending and DLQ depth over the limits make it exit 1, in JSON and in tables', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('hl');
  const keys = createKeys(prefix);
  const topic = keys.topic(TOPIC);
  try {
    await backend.ensureGroup(topic, 'billing', '0');
    await backend.ensureGroup(topic, 'audit', '0');
    await backend.appendMany(
      Array.from({ length: 10 }, (_, i) => ({ stream: topic, fields: encodeEnvelope(createEnvelope({ type: TOPIC, payload: { i } })) })),
    );
    // billing: 4 delivered to a consumer whose process is gone (no heartbeat key), 6 never delivered.
    await backend.readGroup({ group: 'billing', consumer: 'host-dead', streams: [topic], count: 4 });
    // audit: all read and acknowledged by a live consumer.
    const read = await backend.readGroup({ group: 'audit', consumer: 'host-live', streams: [topic], count: 10 });
    await backend.ack(
      topic,
      'audit',
      read.map((e) => e.id),
    );
    await backend.setWithTtl(keys.heartbeat('audit', 'host-live'), 'alive', 60_000);
    for (let i = 0; i < 3; i += 1) {
      await backend.append(
        keys.dlq(TOPIC),
        deadLetterFields({
          reason: 'handler-error',
          error: `boom ${i}`,
          attempts: 5,
          actor: 'billing',
          source: topic,
          sourceId: `${i + 1}-0`,
          failedAtMs: Date.now(),
        }),
      );
    }

    const thresholds = ['--max-lag', '5', '--max-dlq', '2', '--fail-on-dead-consumers'];
    const [plain, breached, tables, lenient] = await Promise.all([
      runCli('streams-health', ['--redis-url', url, '--prefix', prefix, '--json']),
      runCli('streams-health', ['--redis-url', url, '--prefix', prefix, '--json', ...thresholds]),
      // Connection settings from the environment this time.
      runCli('streams-health', thresholds, { env: { REDIS_URL: url, STREAMS_PREFIX: prefix } }),
      runCli('streams-health', ['--max-lag', '6', '--max-pending', '4', '--max-dlq', '3'], { env: { REDIS_URL: url, STREAMS_PREFIX: prefix } }),
    ]);

    assert.is(plain.code, 0, `no thresholds: exit 0 (stderr: ${plain.stderr})`);
    const r = jsonOf<HealthReport>(plain);
    assert.is(r.healthy, true);
    assert.is(r.prefix, prefix);
    assert.equal(r.streams.map((x) => x.kind).sort(), ['dlq', 'topic']);
    const t = r.streams.find((x) => x.key === topic)!;
    assert.is(t.length, 10);
    assert.ok(t.firstId && t.lastId, 'first and last id');
    assert.ok((t.memoryBytes ?? 0) > 0, 'MEMORY USAGE reported');
    const billing = t.groups.find((g) => g.name === 'billing')!;
    assert.equal([billing.lag, billing.pending], [6, 4]);
    assert.equal(
      billing.consumers.map((c) => [c.name, c.pending, c.alive]),
      [['host-dead', 4, false]],
    );
    const audit = t.groups.find((g) => g.name === 'audit')!;
    assert.equal([audit.lag, audit.pending, audit.lastDeliveredId], [0, 0, t.lastId]);
    assert.equal(
      audit.consumers.map((c) => [c.name, c.alive]),
      [['host-live', true]],
    );
    assert.equal(
      r.dlq.map((d) => [d.topic, d.depth]),
      [[TOPIC, 3]],
    );
    assert.equal(
      r.warnings.map((w) => w.check),
      ['dead-consumer'],
      'the dead consumer is a warning when not asked to fail on it',
    );

    assert.is(breached.code, 1, `thresholds breached: exit 1 (stderr: ${breached.stderr})`);
    const b = jsonOf<HealthReport>(breached);
    assert.is(b.healthy, false);
    assert.equal(
      b.problems.map((p) => [p.check, p.group ?? p.topic, p.value, p.limit ?? null]),
      [
        ['max-lag', 'billing', 6, 5],
        ['dead-consumer', 'billing', 4, null],
        ['max-dlq', TOPIC, 3, 2],
      ],
    );

    assert.is(tables.code, 1, `tables: same verdict (stderr: ${tables.stderr})`);
    assert.match(tables.stdout, /topic:order\.placed/);
    assert.match(tables.stdout, /host-dead .*DEAD/);
    assert.match(tables.stdout, /host-live .*alive/);
    assert.match(tables.stdout, /PROBLEM: group billing on .* lag 6 > 5/);
    assert.match(tables.stdout, /PROBLEM: DLQ of order\.placed: 3 entries > 2/);
    assert.match(tables.stdout, /UNHEALTHY: 3 problems\s*$/);

    assert.is(lenient.code, 0, `values at the limits: exit 0 (stdout: ${lenient.stdout})`);
    assert.match(lenient.stdout, /\nhealthy\s*$/);
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s('--watch --json writes one report per interval until interrupted, then exits with the last verdict', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('hw');
  const keys = createKeys(prefix);
  try {
    await backend.append(
      keys.dlq(TOPIC),
      deadLetterFields({ reason: 'poison', error: 'x', attempts: 1, actor: 'a', source: keys.topic(TOPIC), sourceId: '1-0', failedAtMs: Date.now() }),
    );
    const run = await runCli('streams-health', ['--redis-url', url, '--prefix', prefix, '--json', '--watch', '0.2', '--max-dlq', '0'], {
      onStdout: (out) => out.split('\n').filter(Boolean).length >= 2,
    });
    const reports = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as HealthReport);
    assert.ok(reports.length >= 2, 'at least two reports');
    assert.ok(reports.every((rep) => rep.healthy === false && rep.dlq[0]?.depth === 1));
    assert.is(run.code, 1, `exit with the last verdict after SIGINT (stderr: ${run.stderr})`);
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s.run();

/** collectHealth (what streams-health reports and judges) over the memory shim, with a manual clock. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterFields } from '../src/actors/runtime/dead-letter.js';
import { collectHealth, type HealthReport } from '../src/cli/health/collect.js';
import { renderHealth } from '../src/cli/health/render.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { ManualClock } from '../src/clock.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';

const keys = createKeys('hc');
const TOPIC = 'order.placed';

function setup(): { backend: MemoryStreamBackend; clock: ManualClock } {
  const clock = new ManualClock();
  return { backend: new MemoryStreamBackend({ clock }), clock };
}

const event = (i: number): string[] => encodeEnvelope(createEnvelope({ type: TOPIC, payload: { i } }));

async function append(backend: MemoryStreamBackend, stream: string, n: number): Promise<void> {
  await backend.appendMany(Array.from({ length: n }, (_, i) => ({ stream, fields: event(i) })));
}

function group(report: HealthReport, stream: string, name: string) {
  const g = report.streams.find((s) => s.key === stream)?.groups.find((x) => x.name === name);
  assert.ok(g, `group ${name} on ${stream} is reported`);
  return g;
}

const s = suite('collectHealth');

s('reports every stream of the prefix with its kind, length, ids, groups, consumers and heartbeat liveness', async () => {
  const { backend, clock } = setup();
  const topic = keys.topic(TOPIC);
  await backend.ensureGroup(topic, 'billing', '0');
  await append(backend, topic, 5);
  await backend.readGroup({ group: 'billing', consumer: 'host-1', streams: [topic], count: 2 });
  await backend.setWithTtl(keys.heartbeat('billing', 'host-1'), 'x', 60_000);
  await backend.readGroup({ group: 'billing', consumer: 'host-2', streams: [topic], count: 1 });
  await backend.ensureGroup(keys.retry('billing'), 'billing', '$');
  await backend.append(
    keys.dlq(TOPIC),
    deadLetterFields({ reason: 'handler-error', error: 'boom', attempts: 5, actor: 'billing', source: topic, sourceId: '1-0', failedAtMs: clock.now() }),
  );
  await backend.append('other:{x}:topic:y', ['a', '1']); // another prefix: not reported
  clock.advance(1_500);

  const r = await collectHealth({ backend, keys, now: () => clock.now() });
  assert.equal(r.streams.map((x) => [x.kind, x.topic, x.partition]).sort(), [
    ['dlq', TOPIC, 0],
    ['retry', 'billing', 0],
    ['topic', TOPIC, 0],
  ]);
  const t = r.streams.find((x) => x.key === topic)!;
  assert.is(t.length, 5);
  assert.ok(t.firstId && t.lastId && t.firstId !== t.lastId);
  assert.is(t.memoryBytes, null, 'no MEMORY USAGE on the shim');
  const g = group(r, topic, 'billing');
  assert.is(g.lag, 2);
  assert.is(g.pending, 3);
  const byName = Object.fromEntries(g.consumers.map((c) => [c.name, c]));
  assert.is(byName['host-1']!.alive, true, 'heartbeat key present');
  assert.is(byName['host-1']!.pending, 2);
  assert.is(byName['host-2']!.alive, false, 'no heartbeat key');
  assert.is(byName['host-2']!.idleMs, 1_500);
  assert.equal(r.dlq, [{ topic: TOPIC, depth: 1, streams: [keys.dlq(TOPIC)] }]);
  assert.is(r.healthy, true, 'no thresholds given: healthy');
  assert.equal(r.problems, []);
  assert.equal(
    r.warnings.map((w) => [w.check, w.consumer]),
    [['dead-consumer', 'host-2']],
    'a dead consumer holding entries is a warning by default',
  );
});

s('thresholds: lag, pending and DLQ depth over the limit are problems naming the stream, group and values', async () => {
  const { backend, clock } = setup();
  const topic = keys.topic(TOPIC);
  await backend.ensureGroup(topic, 'billing', '0');
  await append(backend, topic, 10);
  await backend.readGroup({ group: 'billing', consumer: 'c1', streams: [topic], count: 4 });
  await backend.setWithTtl(keys.heartbeat('billing', 'c1'), 'x', 60_000);
  for (const p of [0, 1]) {
    for (let i = 0; i < 2; i += 1) {
      await backend.append(
        keys.dlq(TOPIC, p),
        deadLetterFields({
          reason: 'poison',
          error: 'x',
          attempts: 1,
          actor: 'billing',
          source: keys.topic(TOPIC, p),
          sourceId: '1-0',
          failedAtMs: clock.now(),
        }),
      );
    }
  }

  const at = await collectHealth({ backend, keys }, { maxLag: 6, maxPending: 4, maxDlq: 4 });
  assert.is(at.healthy, true, 'values equal to the limits are healthy');
  assert.equal(at.dlq[0]!.depth, 4, 'DLQ depth is summed over partitions');

  const over = await collectHealth({ backend, keys }, { maxLag: 5, maxPending: 3, maxDlq: 3 });
  assert.is(over.healthy, false);
  const found = over.problems.map((p) => ({ check: p.check, value: p.value, limit: p.limit, stream: p.stream, group: p.group, topic: p.topic }));
  assert.equal(found, [
    { check: 'max-lag', value: 6, limit: 5, stream: topic, group: 'billing', topic: undefined },
    { check: 'max-pending', value: 4, limit: 3, stream: topic, group: 'billing', topic: undefined },
    { check: 'max-dlq', value: 4, limit: 3, stream: undefined, group: undefined, topic: TOPIC },
  ]);
  const text = renderHealth(over);
  assert.match(text, /PROBLEM: group billing .* lag 6 > 5/);
  assert.match(text, /UNHEALTHY: 3 problems/);
});

s('dead consumers: with pending and no heartbeat they fail only with failOnDeadConsumers; dead with nothing pending never', async () => {
  const { backend } = setup();
  const topic = keys.topic(TOPIC);
  await backend.ensureGroup(topic, 'billing', '0');
  await append(backend, topic, 3);
  await backend.readGroup({ group: 'billing', consumer: 'gone', streams: [topic], count: 2 });
  await backend.readGroup({ group: 'billing', consumer: 'idle', streams: [topic], count: 1 });
  await backend.ack(
    topic,
    'billing',
    (await backend.pendingEntries(topic, 'billing', { consumer: 'idle' })).map((p) => p.id),
  );

  const r = await collectHealth({ backend, keys }, { failOnDeadConsumers: true });
  assert.is(r.healthy, false);
  assert.equal(
    r.problems.map((p) => [p.check, p.consumer, p.value]),
    [['dead-consumer', 'gone', 2]],
  );

  await backend.setWithTtl(keys.heartbeat('billing', 'gone'), 'x', 60_000);
  assert.is((await collectHealth({ backend, keys }, { failOnDeadConsumers: true })).healthy, true, 'a heartbeat makes it alive again');
});

s('stale groups: work, every consumer dead and idle past the window (or none at all); a live or recent consumer keeps it fresh', async () => {
  const { backend, clock } = setup();
  const topic = keys.topic(TOPIC);
  await backend.ensureGroup(topic, 'billing', '0');
  await backend.ensureGroup(topic, 'audit', '0');
  await append(backend, topic, 4);
  await backend.ensureGroup(topic, 'done', '$');
  await backend.readGroup({ group: 'billing', consumer: 'b1', streams: [topic], count: 1 });
  await backend.readGroup({ group: 'done', consumer: 'd1', streams: [topic], count: 1 }); // nothing new for it: no work
  const opts = { staleAfterMs: 60_000, failOnStale: true };

  clock.advance(30_000);
  const now = () => clock.now();
  let r = await collectHealth({ backend, keys, now }, opts);
  assert.is(group(r, topic, 'billing').stale, false, 'dead, but idle for less than the window');
  assert.is(group(r, topic, 'audit').stale, false, 'no consumer (a graceful stop removes them), but its work has waited less than the window');
  assert.is(group(r, topic, 'done').stale, false, 'no pending, no lag: it holds nothing back');

  clock.advance(31_000);
  r = await collectHealth({ backend, keys, now }, opts);
  assert.is(group(r, topic, 'audit').stale, true, 'lag waiting past the window and no consumer: nothing is reading it');
  assert.is(group(r, topic, 'billing').stale, true);
  assert.equal(
    r.problems
      .filter((p) => p.check === 'stale-group')
      .map((p) => p.group)
      .sort(),
    ['audit', 'billing'],
  );

  await backend.setWithTtl(keys.heartbeat('billing', 'b1'), 'x', 60_000);
  r = await collectHealth({ backend, keys }, { staleAfterMs: 60_000 });
  assert.is(group(r, topic, 'billing').stale, false, 'a live consumer: not stale however idle');
  assert.is(r.healthy, true, 'stale groups are only warnings without failOnStale');
  assert.equal(
    r.warnings.map((w) => w.check),
    ['stale-group'],
  );
});

s('memory usage comes from the injected probe, in stream order', async () => {
  const { backend } = setup();
  await append(backend, keys.topic('a.b'), 1);
  await append(backend, keys.topic('c.d'), 1);
  const r = await collectHealth({ backend, keys, memoryUsage: async (ks) => ks.map((k) => k.length) });
  assert.equal(
    r.streams.map((x) => x.memoryBytes),
    r.streams.map((x) => x.key.length),
  );
});

s.run();

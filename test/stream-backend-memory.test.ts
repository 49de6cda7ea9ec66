/**
 * The memory shim: the StreamBackend contract suite, plus what only the shim can show (a clock
 * under test control: ids when time goes backwards, idle times without sleeping; close()).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareIds, isStreamBackendError } from '../src/streams/backend.js';
import { ManualClock, type Clock } from '../src/clock.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { globMatch } from '../src/streams/memory/glob.js';
import { streamBackendContract } from './contract/stream-backend.contract.js';

let harnesses = 0;
streamBackendContract('memory', async () => {
  const backend = new MemoryStreamBackend();
  await backend.connect();
  return { backend, keys: createKeys(`mem${++harnesses}`), blockedReaders: async () => backend.blockedReaders(), cleanup: () => backend.close() };
});

/** A clock a test can also move backwards. */
class SettableClock implements Clock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

const keys = createKeys('shim');
const shim = suite('[memory] shim only');

shim('connect reports what the shim models', async () => {
  const b = new MemoryStreamBackend();
  assert.equal(await b.connect(), { groupLag: true, claimReportsDeleted: true, trimAcked: false, version: 'memory' });
  assert.is(b.kind, 'memory');
});

shim('ids keep growing when the clock goes backwards or stands still', async () => {
  const clock = new SettableClock(5_000);
  const b = new MemoryStreamBackend({ clock });
  const s = keys.topic('clock');
  const first = await b.append(s, ['n', '1']);
  const same = await b.append(s, ['n', '2']);
  clock.ms = 1_000;
  const back = await b.append(s, ['n', '3']);
  clock.ms = 6_000;
  const ahead = await b.append(s, ['n', '4']);
  assert.equal([first, same, back, ahead], ['5000-0', '5000-1', '5000-2', '6000-0']);
  for (const [a, c] of [
    [first, same],
    [same, back],
    [back, ahead],
  ] as const)
    assert.ok(compareIds(a, c) < 0);
});

shim('idle times, claims and expiry follow the injected clock', async () => {
  const clock = new ManualClock();
  const b = new MemoryStreamBackend({ clock });
  const s = keys.topic('idle');
  await b.ensureGroup(s, 'g', '0');
  const [id] = await b.appendMany([{ stream: s, fields: ['n', '1'] }]);
  await b.readGroup({ group: 'g', consumer: 'dead', streams: [s], count: 10 });
  clock.advance(30_000);
  assert.equal(
    (await b.pendingEntries(s, 'g')).map((p) => [p.id, p.idleMs]),
    [[id, 30_000]],
  );
  assert.equal(
    (await b.consumers(s, 'g')).map((c) => [c.name, c.idleMs, c.inactiveMs]),
    [['dead', 30_000, null]],
  );
  assert.equal((await b.claimIdle(s, 'g', 'live', 30_001, '0-0', 10)).entries, []);
  const claimed = await b.claimIdle(s, 'g', 'live', 30_000, '0-0', 10);
  assert.equal(
    claimed.entries.map((e) => [e.id, e.deliveries]),
    [[id, 2]],
  );
  assert.equal(
    (await b.pendingEntries(s, 'g')).map((p) => [p.consumer, p.idleMs]),
    [['live', 0]],
  );
  const hb = keys.heartbeat('g', 'live');
  await b.setWithTtl(hb, 'x', 1_000);
  clock.advance(1_000);
  assert.is(await b.ttlMs(hb), 0, 'still there at its expiry instant, as in Redis');
  clock.advance(1);
  assert.equal(await b.getMany([hb]), [null]);
  assert.equal(await b.scanKeys(keys.heartbeatPattern()), []);
});

shim('retainMs is measured against the injected clock', async () => {
  const clock = new ManualClock();
  const b = new MemoryStreamBackend({ clock });
  const s = keys.topic('retain');
  await b.ensureGroup(s, 'g', '0');
  await b.append(s, ['n', 'old']);
  clock.advance(10_000);
  await b.append(s, ['n', 'new']);
  const got = await b.readGroup({ group: 'g', consumer: 'c', streams: [s], count: 10 });
  await b.ack(
    s,
    'g',
    got.map((e) => e.id),
  );
  assert.equal(await b.trim(s, { retainMs: 5_000 }), { removed: 1, removedUnacked: 0 });
});

shim('close wakes blocked readers with [] and later calls fail with CONNECTION', async () => {
  const b = new MemoryStreamBackend();
  const s = keys.topic('close');
  await b.ensureGroup(s, 'g', '$');
  const reads = [1, 2].map((i) => b.readGroup({ group: 'g', consumer: `c${i}`, streams: [s], count: 10, blockMs: 60_000 }));
  await b.close();
  await b.close();
  assert.equal(await Promise.all(reads), [[], []]);
  try {
    await b.append(s, ['n', '1']);
    assert.unreachable('append after close');
  } catch (err) {
    assert.ok(isStreamBackendError(err, 'CONNECTION'));
  }
});

shim('a reader blocked on a group that is destroyed fails with NOGROUP', async () => {
  const b = new MemoryStreamBackend();
  const s = keys.topic('destroyed');
  await b.ensureGroup(s, 'g', '$');
  const read = b.readGroup({ group: 'g', consumer: 'c', streams: [s], count: 10, blockMs: 60_000 });
  await b.destroyGroup(s, 'g');
  try {
    await read;
    assert.unreachable('read after destroy');
  } catch (err) {
    assert.ok(isStreamBackendError(err, 'NOGROUP'));
  }
  await b.close();
});

shim('glob matching follows Redis, escapes and brackets included', () => {
  const cases: [string, string, boolean][] = [
    ['a*', 'abc', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbbd', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a[bx]c', 'axc', true],
    ['a[^bx]c', 'abc', false],
    ['a[z-a]c', 'amc', true],
    ['a\\*c', 'a*c', true],
    ['a\\*c', 'abc', false],
    ['a[\\]]c', 'a]c', true],
    ['a[bc', 'ab', true],
    ['*:{x:p*}:topic:*', 'x:{x:p0}:topic:t', true],
    ['**', '', false],
    ['*', '', false],
  ];
  for (const [pattern, key, want] of cases) assert.is(globMatch(pattern, key), want, `${pattern} ~ ${key}`);
});

shim.run();

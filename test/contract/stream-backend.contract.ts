/**
 * The StreamBackend contract: one suite, run unchanged against every backend (the memory shim
 * offline, Redis in the integration tests), in the manner of Watermill's pubsub/tests and
 * Emmett's testAggregateStream. Each test gets a fresh harness from the factory (fresh key names),
 * idle-time cases use short real sleeps and only lower bounds, never a fake clock, and what a
 * backend cannot do is read from `backend.features`, never skipped silently. Its sections follow
 * the seam's split: first what an actor's loop uses (RuntimeStreamBackend), then the admin surface
 * (AdminStreamBackend).
 */
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  compareIds,
  fieldValue,
  isStreamBackendError,
  StreamBackendError,
  type StreamBackend,
  type StreamBackendErrorCode,
  type StreamEntry,
} from '../../src/streams/backend.js';
import type { Keys } from '../../src/streams/keys.js';
import { parseSnapshot } from '../../src/streams/snapshot.js';
import { gated } from '../support/skip.js';
import { waitFor } from '../support/wait.js';

/** What the factory hands each test; cleanup removes its keys and closes what it opened. */
export interface StreamBackendHarness {
  backend: StreamBackend;
  keys: Keys;
  /** Reads blocked on the server right now (Redis: INFO clients `blocked_clients`; the shim: its own count). */
  blockedReaders(): Promise<number>;
  cleanup(): Promise<void>;
}

/** Builds a connected backend and a key module with a prefix no other test uses. */
export type StreamBackendFactory = () => Promise<StreamBackendHarness>;

interface Ctx {
  h: StreamBackendHarness;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `reads` (blocking reads) and resolves once `n` more readers are blocked on the server
 * than before: the state, not a guess of time. The reads come back boxed, so awaiting this does
 * not await them.
 */
async function blockedThen<T>(h: StreamBackendHarness, n: number, reads: () => T): Promise<{ reads: T }> {
  const before = await h.blockedReaders();
  const started = reads();
  await waitFor(`${n} reader(s) blocked`, async () => (await h.blockedReaders()) >= before + n, 5_000, 2);
  return { reads: started };
}

/** Idle-time cases sleep this long and assert at least IDLE_FLOOR_MS (timers may fire a little early). */
const IDLE_SLEEP_MS = 80;
const IDLE_FLOOR_MS = 60;

function f(n: number | string): string[] {
  return ['n', String(n)];
}

function ids(entries: readonly { id: string }[]): string[] {
  return entries.map((e) => e.id);
}

function values(entries: readonly StreamEntry[]): (string | undefined)[] {
  return entries.map((e) => fieldValue(e.fields, 'n'));
}

async function appendN(b: StreamBackend, stream: string, n: number, from = 1): Promise<string[]> {
  return b.appendMany(Array.from({ length: n }, (_, i) => ({ stream, fields: f(from + i) })));
}

async function read(b: StreamBackend, stream: string, group: string, consumer: string, count = 100) {
  return b.readGroup({ group, consumer, streams: [stream], count });
}

async function rejectsWith(p: Promise<unknown>, code: StreamBackendErrorCode): Promise<StreamBackendError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isStreamBackendError(err, code), `expected StreamBackendError ${code}, got ${String(err)}`);
    return err as StreamBackendError;
  }
  assert.unreachable(`expected a ${code} error, the call succeeded`);
  throw new Error('unreachable');
}

/** Defines and runs the contract suites for one backend; `name` prefixes every suite title; with a skipReason every test is counted as skipped. */
export function streamBackendContract(name: string, factory: StreamBackendFactory, skipReason: string | null = null): void {
  const define = (title: string, body: (test: Test<Ctx>) => void): void => {
    const test = gated(suite<Ctx>(`[${name}] ${title}`, {} as Ctx), skipReason);
    test.before.each(async (ctx) => {
      ctx.h = await factory();
    });
    test.after.each(async (ctx) => {
      await ctx.h?.cleanup();
    });
    body(test);
    test.run();
  };
  // What an actor's loop and a producer use (RuntimeStreamBackend).
  define('runtime: appends', appends);
  define('runtime: consumer groups', consumerGroups);
  define('runtime: pending entries and acks', pendingAndAcks);
  define('runtime: claim idle', claimIdle);
  define('runtime: leases (XCLAIM JUSTID of own ids)', leases);
  define('runtime: blocking reads', blockingReads);
  define('runtime: commit', commit);
  define('runtime: commit with an entity snapshot', snapshotCommit);
  define('runtime: delayed delivery', delayed);
  define('runtime: keys and TTLs', keyValue);
  // What operators and tools use (AdminStreamBackend).
  define('admin: range and delete', rangeAndDelete);
  define('admin: stream, group and consumer info', info);
  define('admin: group maintenance', groupMaintenance);
  define('admin: safe trim', safeTrim);
  define('admin: moving entries', moves);
  define('admin: scans', scans);
}

function appends(test: Test<Ctx>): void {
  test('ids grow strictly, even many in one millisecond, and range returns them in order', async ({ h }) => {
    const s = h.keys.topic('ids');
    const got: string[] = [];
    for (let i = 0; i < 50; i++) got.push(await h.backend.append(s, f(i)));
    for (let i = 1; i < got.length; i++) assert.ok(compareIds(got[i - 1]!, got[i]!) < 0, `${got[i - 1]} < ${got[i]}`);
    const all = await h.backend.range(s, '-', '+');
    assert.equal(ids(all), got);
    assert.equal(
      values(all),
      got.map((_, i) => String(i)),
    );
    assert.equal(ids(await h.backend.revRange(s, '+', '-')), [...got].reverse());
  });

  test('appendMany returns ids in request order across streams', async ({ h }) => {
    const a = h.keys.topic('many-a');
    const b = h.keys.topic('many-b');
    const got = await h.backend.appendMany([
      { stream: a, fields: f(1) },
      { stream: b, fields: f(2) },
      { stream: a, fields: f(3) },
    ]);
    assert.is(got.length, 3);
    assert.equal(ids(await h.backend.range(a, '-', '+')), [got[0], got[2]]);
    assert.equal(values(await h.backend.range(b, '-', '+')), ['2']);
    assert.equal(await h.backend.appendMany([]), []);
  });

  test('appending to a key of another type fails with a StreamBackendError', async ({ h }) => {
    const k = h.keys.heartbeat('wrongtype', 'c1');
    await h.backend.setWithTtl(k, 'x', 60_000);
    await rejectsWith(h.backend.append(k, f(1)), 'SERVER');
  });
}

function consumerGroups(test: Test<Ctx>): void {
  test('ensureGroup creates the stream (MKSTREAM) and is idempotent', async ({ h }) => {
    const s = h.keys.topic('mk');
    await h.backend.ensureGroup(s, 'g', '0');
    await h.backend.ensureGroup(s, 'g', '0');
    const info = await h.backend.streamInfo(s);
    assert.is(info?.length, 0);
    assert.is(info?.groups, 1);
    assert.equal(
      (await h.backend.groups(s)).map((g) => g.name),
      ['g'],
    );
  });

  test("a group at '$' sees only new entries, a group at '0' sees everything", async ({ h }) => {
    const s = h.keys.topic('start');
    await appendN(h.backend, s, 2);
    await h.backend.ensureGroup(s, 'new', '$');
    await h.backend.ensureGroup(s, 'all', '0');
    assert.equal(await read(h.backend, s, 'new', 'c'), []);
    await appendN(h.backend, s, 1, 3);
    assert.equal(values(await read(h.backend, s, 'new', 'c')), ['3']);
    assert.equal(values(await read(h.backend, s, 'all', 'c')), ['1', '2', '3']);
  });

  test("'>' delivers each entry once per group; every group sees every entry", async ({ h }) => {
    const s = h.keys.topic('once');
    await h.backend.ensureGroup(s, 'g1', '0');
    await h.backend.ensureGroup(s, 'g2', '0');
    const all = await appendN(h.backend, s, 6);
    const seen: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (const c of ['a', 'b']) {
        for (const e of await read(h.backend, s, 'g1', c, 1)) {
          assert.is(e.stream, s);
          seen.push(e.id);
        }
      }
    }
    assert.equal(seen, all);
    assert.equal(ids(await read(h.backend, s, 'g2', 'x')), all);
  });

  test('COUNT limits a read, per stream when several are read at once', async ({ h }) => {
    const a = h.keys.topic('count-a');
    const b = h.keys.topic('count-b');
    await h.backend.ensureGroup(a, 'g', '0');
    await h.backend.ensureGroup(b, 'g', '0');
    await appendN(h.backend, a, 5);
    await appendN(h.backend, b, 5, 11);
    assert.equal(values(await read(h.backend, a, 'g', 'c', 2)), ['1', '2']);
    assert.equal(values(await read(h.backend, a, 'g', 'c', 2)), ['3', '4']);
    const both = await h.backend.readGroup({ group: 'g', consumer: 'c', streams: [a, b], count: 2 });
    assert.equal(
      both.map((e) => [e.stream, fieldValue(e.fields, 'n')]),
      [
        [a, '5'],
        [b, '11'],
        [b, '12'],
      ],
    );
  });

  test('a missing group or stream is a StreamBackendError with code NOGROUP', async ({ h }) => {
    const s = h.keys.topic('nogroup');
    await h.backend.ensureGroup(s, 'g', '0');
    await appendN(h.backend, s, 1);
    const err = await rejectsWith(read(h.backend, s, 'missing', 'c'), 'NOGROUP');
    assert.instance(err, StreamBackendError);
    await rejectsWith(read(h.backend, h.keys.topic('nogroup-none'), 'g', 'c'), 'NOGROUP');
    await rejectsWith(h.backend.readOwnPending(s, 'missing', 'c', 10), 'NOGROUP');
    await rejectsWith(h.backend.pendingSummary(s, 'missing'), 'NOGROUP');
    await rejectsWith(h.backend.pendingEntries(s, 'missing'), 'NOGROUP');
    await rejectsWith(h.backend.claimIdle(s, 'missing', 'c', 0, '0-0', 10), 'NOGROUP');
    await rejectsWith(h.backend.consumers(s, 'missing'), 'NOGROUP');
    await rejectsWith(h.backend.setGroupId(s, 'missing', '0'), 'NOGROUP');
    await rejectsWith(h.backend.deleteConsumer(s, 'missing', 'c'), 'NOGROUP');
  });
}

function pendingAndAcks(test: Test<Ctx>): void {
  test('a read fills the PEL; ack shrinks it and counts only pending ids', async ({ h }) => {
    const s = h.keys.topic('pel');
    await h.backend.ensureGroup(s, 'g', '0');
    const [i1, i2, i3] = await appendN(h.backend, s, 3);
    await read(h.backend, s, 'g', 'a', 2);
    await read(h.backend, s, 'g', 'b', 1);
    const summary = await h.backend.pendingSummary(s, 'g');
    assert.equal(summary, {
      count: 3,
      minId: i1,
      maxId: i3,
      consumers: [
        { name: 'a', pending: 2 },
        { name: 'b', pending: 1 },
      ],
    });
    assert.is(await h.backend.ack(s, 'g', [i1!, i2!]), 2);
    assert.is(await h.backend.ack(s, 'g', [i1!]), 0);
    assert.is(await h.backend.ack(s, 'g', ['1-1']), 0);
    assert.is(await h.backend.ack(s, 'missing-group', [i3!]), 0);
    assert.equal(await h.backend.pendingSummary(s, 'g'), { count: 1, minId: i3, maxId: i3, consumers: [{ name: 'b', pending: 1 }] });
    assert.is(await h.backend.ack(s, 'g', [i3!]), 1);
    assert.equal(await h.backend.pendingSummary(s, 'g'), { count: 0, minId: null, maxId: null, consumers: [] });
  });

  test('readOwnPending returns only the consumer’s own entries and counts each delivery', async ({ h }) => {
    const s = h.keys.topic('own');
    await h.backend.ensureGroup(s, 'g', '0');
    const [i1, i2, i3] = await appendN(h.backend, s, 3);
    await read(h.backend, s, 'g', 'me', 2);
    await read(h.backend, s, 'g', 'other', 1);
    assert.equal(values(await h.backend.readOwnPending(s, 'g', 'me', 10)), ['1', '2']);
    assert.equal(ids(await h.backend.readOwnPending(s, 'g', 'me', 1)), [i1]);
    const pending = await h.backend.pendingEntries(s, 'g', { count: 10 });
    assert.equal(
      pending.map((p) => [p.id, p.consumer, p.deliveries]),
      [
        [i1, 'me', 3],
        [i2, 'me', 2],
        [i3, 'other', 1],
      ],
    );
    assert.equal(await h.backend.readOwnPending(s, 'g', 'nobody', 10), []);
  });

  test('a pending entry deleted from the stream comes back from readOwnPending without fields', async ({ h }) => {
    const s = h.keys.topic('own-del');
    await h.backend.ensureGroup(s, 'g', '0');
    const [i1, i2] = await appendN(h.backend, s, 2);
    await read(h.backend, s, 'g', 'me');
    await h.backend.deleteEntries(s, [i1!]);
    const again = await h.backend.readOwnPending(s, 'g', 'me', 10);
    assert.equal(again, [
      { id: i1!, fields: [] },
      { id: i2!, fields: f(2) },
    ]);
    assert.is((await h.backend.pendingSummary(s, 'g')).count, 2);
  });

  test('pendingEntries filters by range, count, consumer and idle time', async ({ h }) => {
    const s = h.keys.topic('xpending');
    await h.backend.ensureGroup(s, 'g', '0');
    const [i1, i2, i3, i4] = await appendN(h.backend, s, 4);
    await read(h.backend, s, 'g', 'old', 2);
    await sleep(IDLE_SLEEP_MS);
    await read(h.backend, s, 'g', 'new', 2);
    assert.equal(ids(await h.backend.pendingEntries(s, 'g')), [i1, i2, i3, i4]);
    assert.equal(ids(await h.backend.pendingEntries(s, 'g', { start: `(${i1}`, end: i3, count: 10 })), [i2, i3]);
    assert.equal(ids(await h.backend.pendingEntries(s, 'g', { count: 3 })), [i1, i2, i3]);
    assert.equal(ids(await h.backend.pendingEntries(s, 'g', { consumer: 'new' })), [i3, i4]);
    const idle = await h.backend.pendingEntries(s, 'g', { minIdleMs: IDLE_FLOOR_MS });
    assert.equal(ids(idle), [i1, i2]);
    for (const p of idle) {
      assert.is(p.consumer, 'old');
      assert.is(p.deliveries, 1);
      assert.ok(p.idleMs >= IDLE_FLOOR_MS, `idle ${p.idleMs}`);
    }
    assert.equal(await h.backend.pendingEntries(s, 'g', { consumer: 'nobody' }), []);
  });
}

function claimIdle(test: Test<Ctx>): void {
  test('claims only entries idle long enough, counts the delivery and moves ownership', async ({ h }) => {
    const s = h.keys.topic('claim');
    await h.backend.ensureGroup(s, 'g', '0');
    const [i1, i2] = await appendN(h.backend, s, 2);
    await read(h.backend, s, 'g', 'dead', 1);
    await sleep(IDLE_SLEEP_MS);
    await read(h.backend, s, 'g', 'busy', 1);
    const r = await h.backend.claimIdle(s, 'g', 'live', IDLE_FLOOR_MS, '0-0', 10);
    assert.equal(r.entries, [{ id: i1!, fields: f(1), deliveries: 2 }]);
    assert.equal(r.deletedIds, []);
    assert.is(r.next, '0-0');
    const pending = await h.backend.pendingEntries(s, 'g');
    assert.equal(
      pending.map((p) => [p.id, p.consumer, p.deliveries]),
      [
        [i1, 'live', 2],
        [i2, 'busy', 1],
      ],
    );
    // The claim restarted the idle clock: the entry is no longer claimable.
    assert.equal((await h.backend.claimIdle(s, 'g', 'other', IDLE_FLOOR_MS, '0-0', 10)).entries, []);
    assert.equal(await h.backend.readOwnPending(s, 'g', 'dead', 10), []);
  });

  test('the cursor walks the whole PEL in COUNT-sized passes', async ({ h }) => {
    const s = h.keys.topic('cursor');
    await h.backend.ensureGroup(s, 'g', '0');
    const all = await appendN(h.backend, s, 5);
    await read(h.backend, s, 'g', 'dead');
    const claimed: string[] = [];
    let cursor = '0-0';
    let passes = 0;
    do {
      const r = await h.backend.claimIdle(s, 'g', 'live', 0, cursor, 2);
      assert.ok(r.entries.length <= 2);
      claimed.push(...ids(r.entries));
      cursor = r.next;
      passes++;
    } while (cursor !== '0-0' && passes < 10);
    assert.equal(claimed, all);
    assert.is(passes, 3);
  });

  test('entries deleted while pending are reported with their owner and stay pending until the caller acks them', async ({ h }) => {
    const s = h.keys.topic('claim-del');
    await h.backend.ensureGroup(s, 'g', '0');
    const [i1, i2, i3] = await appendN(h.backend, s, 3);
    await read(h.backend, s, 'g', 'dead');
    await h.backend.deleteEntries(s, [i1!, i3!]);
    const r = await h.backend.claimIdle(s, 'g', 'live', 0, '0-0', 10);
    assert.equal(ids(r.entries), [i2]);
    if (h.backend.features.claimReportsDeleted) {
      assert.equal(r.deletedIds, [i1, i3]);
      assert.equal(r.deletedOwners, ['dead', 'dead']);
      // Their owner may still be committing them: only the caller's decision (a dead letter's ack) ends them.
      assert.equal(
        (await h.backend.pendingEntries(s, 'g')).map((p) => [p.id, p.consumer]),
        [
          [i1, 'dead'],
          [i2, 'live'],
          [i3, 'dead'],
        ],
      );
      await h.backend.ack(s, 'g', [i1!, i3!]);
      assert.equal(ids(await h.backend.pendingEntries(s, 'g')), [i2]);
    } else {
      // Without the feature a backend must still never hand out a deleted entry as live.
      assert.not.ok(r.entries.some((e) => e.fields.length === 0));
    }
  });
}

function leases(test: Test<Ctx>): void {
  test("lease: own in-flight ids get a fresh idle time, delivery count unchanged; others' and deleted ids are left alone", async ({ h }) => {
    const s = h.keys.topic('lease');
    await h.backend.ensureGroup(s, 'g', '0');
    const [i1, i2, i3] = await appendN(h.backend, s, 3);
    await read(h.backend, s, 'g', 'me', 2);
    await read(h.backend, s, 'g', 'peer', 1);
    await h.backend.deleteEntries(s, [i2!]);
    await sleep(IDLE_SLEEP_MS);
    const leased = await h.backend.lease(s, 'g', 'me', [i1!, i2!, i3!]);
    assert.equal(leased, [i1]);
    const pending = await h.backend.pendingEntries(s, 'g');
    assert.equal(
      pending.map((p) => [p.id, p.consumer, p.deliveries]),
      [
        [i1, 'me', 1],
        [i2, 'me', 1],
        [i3, 'peer', 1],
      ],
    );
    assert.ok(pending[0]!.idleMs < IDLE_FLOOR_MS, `leased entry idle ${pending[0]!.idleMs} ms`);
    assert.ok(pending[1]!.idleMs >= IDLE_FLOOR_MS && pending[2]!.idleMs >= IDLE_FLOOR_MS, "the deleted and the peer's entries keep aging");
    // So a claim pass takes the peer's idle entry, reports the deleted one, and leaves the leased one.
    const r = await h.backend.claimIdle(s, 'g', 'other', IDLE_FLOOR_MS, '0-0', 10);
    assert.equal(ids(r.entries), [i3]);
    assert.equal([r.deletedIds, r.deletedOwners], [[i2], ['me']]);
    assert.equal(await h.backend.lease(s, 'g', 'me', []), []);
  });
}

function blockingReads(test: Test<Ctx>): void {
  test('a blocked read is woken by an entry another caller appends', async ({ h }) => {
    const s = h.keys.topic('block');
    await h.backend.ensureGroup(s, 'g', '$');
    const { reads: pending } = await blockedThen(h, 1, () => h.backend.readGroup({ group: 'g', consumer: 'c', streams: [s], count: 10, blockMs: 5_000 }));
    const id = await h.backend.append(s, f('late'));
    const got = await pending;
    assert.equal(got, [{ stream: s, id, fields: f('late') }]);
  });

  test('a blocked read without new data returns [] after blockMs; blockMs 0 does not wait', async ({ h }) => {
    const s = h.keys.topic('timeout');
    await h.backend.ensureGroup(s, 'g', '$');
    assert.equal(await h.backend.readGroup({ group: 'g', consumer: 'c', streams: [s], count: 10, blockMs: 50 }), []);
    assert.equal(await h.backend.readGroup({ group: 'g', consumer: 'c', streams: [s], count: 10, blockMs: 0 }), []);
  });

  test('an abort signal ends a blocked read early with []', async ({ h }) => {
    const s = h.keys.topic('abort');
    await h.backend.ensureGroup(s, 'g', '$');
    const ac = new AbortController();
    const { reads: pending } = await blockedThen(h, 1, () =>
      h.backend.readGroup({ group: 'g', consumer: 'c', streams: [s], count: 10, blockMs: 30_000, signal: ac.signal }),
    );
    ac.abort();
    const outcome = await Promise.race([pending, sleep(5_000).then(() => 'still blocked' as const)]);
    assert.equal(outcome, []);
  });

  test('concurrent blocked readers: one group shares the entries, another group gets them too', async ({ h }) => {
    const s = h.keys.topic('many-readers');
    await h.backend.ensureGroup(s, 'g', '$');
    await h.backend.ensureGroup(s, 'audit', '$');
    const req = (group: string, consumer: string) => h.backend.readGroup({ group, consumer, streams: [s], count: 10, blockMs: 5_000 });
    const {
      reads: [r1, r2, audit],
    } = await blockedThen(h, 3, () => [req('g', 'c1'), req('g', 'c2'), req('audit', 'c1')] as const);
    const x = await h.backend.append(s, f('x'));
    const y = await h.backend.append(s, f('y'));
    const [got1, got2, gotAudit] = await Promise.all([r1, r2, audit]);
    // Each append serves the next blocked reader of the group; the other group is served too.
    assert.is(got1.length, 1);
    assert.is(got2.length, 1);
    assert.equal([...ids(got1), ...ids(got2)].sort(compareIds), [x, y]);
    assert.is(gotAudit[0]?.id, x);
  });
}

function info(test: Test<Ctx>): void {
  test('streamInfo reports length, first, last and last generated ids; null when missing', async ({ h }) => {
    const s = h.keys.topic('info');
    await h.backend.ensureGroup(s, 'g', '0');
    const [i1, i2, i3] = await appendN(h.backend, s, 3);
    await h.backend.deleteEntries(s, [i3!]);
    assert.equal(await h.backend.streamInfo(s), {
      length: 2,
      firstId: i1!,
      lastId: i2!,
      lastGeneratedId: i3!,
      groups: 1,
      entriesAdded: h.backend.features.groupLag ? 3 : null,
    });
    assert.is(await h.backend.streamInfo(h.keys.topic('info-none')), null);
  });

  test('groups report pending, last delivered id, entries read and lag', async ({ h }) => {
    const s = h.keys.topic('lag');
    await appendN(h.backend, s, 3);
    await h.backend.ensureGroup(s, 'g', '0');
    const [, i2] = ids(await h.backend.range(s, '-', '+'));
    await read(h.backend, s, 'g', 'c', 2);
    const [g] = await h.backend.groups(s);
    assert.equal([g?.name, g?.consumers, g?.pending, g?.lastDeliveredId], ['g', 1, 2, i2]);
    if (h.backend.features.groupLag) {
      assert.is(g?.entriesRead, 2);
      assert.is(g?.lag, 1);
      await read(h.backend, s, 'g', 'c');
      assert.is((await h.backend.groups(s))[0]?.lag, 0);
      await appendN(h.backend, s, 2, 4);
      assert.is((await h.backend.groups(s))[0]?.lag, 2);
    } else {
      assert.is(g?.lag, null);
    }
    assert.equal(await h.backend.groups(h.keys.topic('lag-none')), []);
  });

  test('consumers report their pending count and idle time since their last read', async ({ h }) => {
    const s = h.keys.topic('consumers');
    await h.backend.ensureGroup(s, 'g', '0');
    await appendN(h.backend, s, 3);
    await read(h.backend, s, 'g', 'quiet', 2);
    await sleep(IDLE_SLEEP_MS);
    await read(h.backend, s, 'g', 'recent', 1);
    const cs = await h.backend.consumers(s, 'g');
    assert.equal(
      cs.map((c) => [c.name, c.pending]),
      [
        ['quiet', 2],
        ['recent', 1],
      ],
    );
    assert.ok(cs[0]!.idleMs >= IDLE_FLOOR_MS, `quiet idle ${cs[0]!.idleMs}`);
    assert.ok(cs[1]!.idleMs < cs[0]!.idleMs, 'a read resets only the reader’s idle time');
    for (const c of cs) assert.ok(c.inactiveMs === null || typeof c.inactiveMs === 'number');
  });
}

function safeTrim(test: Test<Ctx>): void {
  test('trim keeps pending and undelivered entries and removes acknowledged ones', async ({ h }) => {
    const s = h.keys.topic('trim');
    await h.backend.ensureGroup(s, 'g', '0');
    const all = await appendN(h.backend, s, 5);
    await read(h.backend, s, 'g', 'c', 3);
    await h.backend.ack(s, 'g', [all[0]!, all[2]!]);
    assert.equal(await h.backend.trim(s), { removed: 1, removedUnacked: 0 });
    assert.equal(ids(await h.backend.range(s, '-', '+')), all.slice(1));
    await h.backend.ack(s, 'g', [all[1]!]);
    assert.equal(await h.backend.trim(s), { removed: 2, removedUnacked: 0 });
    assert.equal(ids(await h.backend.range(s, '-', '+')), all.slice(3));
  });

  test('the slowest group holds the floor; a stream without groups is never trimmed', async ({ h }) => {
    const s = h.keys.topic('trim-groups');
    await h.backend.ensureGroup(s, 'fast', '0');
    await h.backend.ensureGroup(s, 'slow', '0');
    const all = await appendN(h.backend, s, 4);
    await h.backend.ack(s, 'fast', ids(await read(h.backend, s, 'fast', 'c')));
    await h.backend.ack(s, 'slow', ids(await read(h.backend, s, 'slow', 'c', 1)));
    assert.equal(await h.backend.trim(s), { removed: 1, removedUnacked: 0 });
    assert.equal(ids(await h.backend.range(s, '-', '+')), all.slice(1));
    const lonely = h.keys.topic('trim-nogroup');
    await appendN(h.backend, lonely, 3);
    assert.equal(await h.backend.trim(lonely), { removed: 0, removedUnacked: 0 });
    assert.is((await h.backend.streamInfo(lonely))?.length, 3);
    assert.equal(await h.backend.trim(h.keys.topic('trim-none')), { removed: 0, removedUnacked: 0 });
  });

  test('retainMs keeps recent acknowledged entries for replay', async ({ h }) => {
    const s = h.keys.topic('retain');
    await h.backend.ensureGroup(s, 'g', '0');
    await appendN(h.backend, s, 3);
    await h.backend.ack(s, 'g', ids(await read(h.backend, s, 'g', 'c')));
    assert.equal(await h.backend.trim(s, { retainMs: 60_000 }), { removed: 0, removedUnacked: 0 });
    assert.equal(await h.backend.trim(s), { removed: 3, removedUnacked: 0 });
  });

  test('a group moved back with setGroupId keeps what it will re-read, even with entries pending', async ({ h }) => {
    const s = h.keys.topic('trim-replay');
    await h.backend.ensureGroup(s, 'g', '0');
    const all = await appendN(h.backend, s, 4);
    await h.backend.ack(s, 'g', ids(await read(h.backend, s, 'g', 'c', 2)));
    await read(h.backend, s, 'g', 'c', 1); // all[2] pending
    await h.backend.setGroupId(s, 'g', '0');
    assert.equal(await h.backend.trim(s), { removed: 0, removedUnacked: 0 });
    assert.equal(ids(await read(h.backend, s, 'g', 'c')), all);
  });

  test('maxLenCap trims past the floor and counts what nobody acknowledged', async ({ h }) => {
    const s = h.keys.topic('cap');
    await h.backend.ensureGroup(s, 'g', '0');
    const all = await appendN(h.backend, s, 6);
    await h.backend.ack(s, 'g', ids(await read(h.backend, s, 'g', 'c', 1)));
    assert.equal(await h.backend.trim(s, { maxLenCap: 2 }), { removed: 4, removedUnacked: 3 });
    assert.equal(ids(await h.backend.range(s, '-', '+')), all.slice(4));
    const lonely = h.keys.topic('cap-nogroup');
    await appendN(h.backend, lonely, 3);
    assert.equal(await h.backend.trim(lonely, { maxLenCap: 1 }), { removed: 2, removedUnacked: 2 });
  });
}

function commit(test: Test<Ctx>): void {
  const marker = (h: StreamBackendHarness, key: string): string => h.keys.idempotency('g', key);

  test('one commit appends every output, acks every input and sets every marker', async ({ h }) => {
    const input = h.keys.topic('in');
    const out = h.keys.topic('out');
    await h.backend.ensureGroup(input, 'g', '0');
    await appendN(h.backend, input, 3);
    const got = await read(h.backend, input, 'g', 'c');
    const res = await h.backend.commit({
      markerTtlMs: 60_000,
      items: got.map((e, i) => ({
        ack: { stream: input, group: 'g', id: e.id },
        markerKey: marker(h, `k${i}`),
        outputs: [{ stream: out, fields: f(`o${i}`) }],
      })),
    });
    assert.equal(
      res.items.map((r) => r.status),
      ['committed', 'committed', 'committed'],
    );
    const written = await h.backend.range(out, '-', '+');
    assert.equal(values(written), ['o0', 'o1', 'o2']);
    assert.equal(
      res.items.map((r) => r.outputIds[0]),
      ids(written),
    );
    assert.is((await h.backend.pendingSummary(input, 'g')).count, 0);
    assert.equal(await h.backend.markersExist([marker(h, 'k0'), marker(h, 'k1'), marker(h, 'k2'), marker(h, 'nope')]), [true, true, true, false]);
  });

  test('envelope outputs keep their field; outputIds false commits the same and leaves the ids out', async ({ h }) => {
    const input = h.keys.topic('in-noids');
    const out = h.keys.topic('out-noids');
    await h.backend.ensureGroup(input, 'g', '0');
    await appendN(h.backend, input, 2);
    const got = await read(h.backend, input, 'g', 'c');
    const res = await h.backend.commit({
      markerTtlMs: 60_000,
      outputIds: false,
      items: [
        { ack: { stream: input, group: 'g', id: got[0]!.id }, markerKey: marker(h, 'n0'), outputs: [{ stream: out, fields: ['envelope', '{"a":1}'] }] },
        { ack: { stream: input, group: 'g', id: got[1]!.id }, markerKey: marker(h, 'n0'), outputs: [{ stream: out, fields: ['envelope', '{"a":2}'] }] },
      ],
    });
    assert.equal(
      res.items.map((r) => r.status),
      ['committed', 'duplicate'],
    );
    for (const r of res.items) assert.ok(r.outputIds.length === 0 || r.outputIds.length === 1);
    const written = await h.backend.range(out, '-', '+');
    assert.equal(
      written.map((e) => e.fields),
      [['envelope', '{"a":1}']],
    );
    assert.is((await h.backend.pendingSummary(input, 'g')).count, 0);
  });

  test('a batch with one bad ack fails as a whole and writes nothing', async ({ h }) => {
    const input = h.keys.topic('in-bad');
    const out = h.keys.topic('out-bad');
    await h.backend.ensureGroup(input, 'g', '0');
    await appendN(h.backend, input, 1);
    const [e] = await read(h.backend, input, 'g', 'c');
    const batch = {
      markerTtlMs: 60_000,
      items: [
        { ack: { stream: input, group: 'g', id: e!.id }, markerKey: marker(h, 'ok'), outputs: [{ stream: out, fields: f(1) }] },
        { ack: { stream: input, group: 'no-such-group', id: e!.id }, markerKey: marker(h, 'bad'), outputs: [{ stream: out, fields: f(2) }] },
      ],
    };
    await rejectsWith(h.backend.commit(batch), 'NOGROUP');
    assert.is(await h.backend.streamInfo(out), null);
    assert.equal(await h.backend.markersExist([marker(h, 'ok'), marker(h, 'bad')]), [false, false]);
    assert.is((await h.backend.pendingSummary(input, 'g')).count, 1);
  });

  test('an input whose marker exists is acked, its outputs skipped, its status duplicate', async ({ h }) => {
    const input = h.keys.topic('in-dup');
    const out = h.keys.topic('out-dup');
    await h.backend.ensureGroup(input, 'g', '0');
    await appendN(h.backend, input, 1);
    const [e] = await read(h.backend, input, 'g', 'c');
    await h.backend.commit({ markerTtlMs: 60_000, items: [{ markerKey: marker(h, 'dup'), outputs: [{ stream: out, fields: f('first') }] }] });
    const res = await h.backend.commit({
      markerTtlMs: 60_000,
      items: [{ ack: { stream: input, group: 'g', id: e!.id }, markerKey: marker(h, 'dup'), outputs: [{ stream: out, fields: f('again') }] }],
    });
    assert.equal(res.items, [{ status: 'duplicate', outputIds: [] }]);
    assert.equal(values(await h.backend.range(out, '-', '+')), ['first']);
    assert.is((await h.backend.pendingSummary(input, 'g')).count, 0);
  });

  test('two items with the same marker in one batch commit once', async ({ h }) => {
    const out = h.keys.topic('out-twice');
    const item = (n: string) => ({ markerKey: marker(h, 'same'), outputs: [{ stream: out, fields: f(n) }] });
    const res = await h.backend.commit({ markerTtlMs: 60_000, items: [item('a'), item('b')] });
    assert.equal(
      res.items.map((r) => r.status),
      ['committed', 'duplicate'],
    );
    assert.equal(values(await h.backend.range(out, '-', '+')), ['a']);
  });

  test('markers live for markerTtlMs', async ({ h }) => {
    const key = marker(h, 'ttl');
    await h.backend.commit({ markerTtlMs: 1_000, items: [{ markerKey: key, outputs: [] }] });
    const ttl = await h.backend.ttlMs(key);
    assert.ok(ttl > 0 && ttl <= 1_000, `ttl ${ttl}`);
    const short = marker(h, 'short');
    await h.backend.commit({ markerTtlMs: 40, items: [{ markerKey: short, outputs: [] }] });
    await waitFor('the 40 ms marker expired', async () => (await h.backend.markersExist([short]))[0] === false);
    assert.is(await h.backend.ttlMs(short), -2);
  });

  test('delayed entries of a commit are parked, except for duplicates', async ({ h }) => {
    const dk = h.keys.delayed('later');
    const park = (uid: string) => ({ markerKey: marker(h, 'delayed'), outputs: [], delayed: [{ delayedKey: dk, dueMs: 1_000, uid, fields: f(uid) }] });
    const res = await h.backend.commit({ markerTtlMs: 60_000, items: [park('u1'), park('u2')] });
    assert.equal(
      res.items.map((r) => r.status),
      ['committed', 'duplicate'],
    );
    assert.is(await h.backend.delayedCount(dk), 1);
  });

  test('a commit wakes a reader blocked on one of its output streams', async ({ h }) => {
    const out = h.keys.topic('out-wake');
    await h.backend.ensureGroup(out, 'next', '$');
    const { reads: pending } = await blockedThen(h, 1, () => h.backend.readGroup({ group: 'next', consumer: 'c', streams: [out], count: 10, blockMs: 5_000 }));
    const res = await h.backend.commit({
      markerTtlMs: 60_000,
      items: [
        {
          outputs: [
            { stream: out, fields: f(1) },
            { stream: out, fields: f(2) },
          ],
        },
      ],
    });
    assert.equal(ids(await pending), res.items[0]!.outputIds);
  });
}

function snapshotCommit(test: Test<Ctx>): void {
  const marker = (h: StreamBackendHarness, key: string): string => h.keys.idempotency('g', key);
  const snapOf = async (h: StreamBackendHarness, key: string) => parseSnapshot((await h.backend.getMany([key]))[0] ?? null);
  /** An entity item: event on the log (and downstream), snapshot guarded by the revision it was decided on, input acked. */
  const entityItem = (
    h: StreamBackendHarness,
    opts: { id?: string; input?: string; mk: string; expected: string | null; revision: string; version: number; state: string },
  ) => ({
    ...(opts.id && opts.input ? { ack: { stream: opts.input, group: 'g', id: opts.id } } : {}),
    markerKey: marker(h, opts.mk),
    outputs: [
      { stream: h.keys.topic('ev'), fields: f(opts.state) },
      { stream: h.keys.entityLog('acct'), fields: ['entity', 'a1', ...f(opts.state)] },
    ],
    snapshot: {
      key: h.keys.snapshot('acct', 'a1'),
      expectedRevision: opts.expected,
      revision: opts.revision,
      version: opts.version,
      lastEventOutput: 1,
      value: `1 ${opts.state}`,
    },
  });

  test('the snapshot is written with the outputs; its last event id is the log entry the same commit appended', async ({ h }) => {
    const res = await h.backend.commit({ markerTtlMs: 60_000, items: [entityItem(h, { mk: 'e1', expected: null, revision: 'r1', version: 1, state: 's1' })] });
    assert.is(res.items[0]!.status, 'committed');
    const log = await h.backend.range(h.keys.entityLog('acct'), '-', '+');
    assert.equal(await snapOf(h, h.keys.snapshot('acct', 'a1')), { version: 1, revision: 'r1', lastEventId: log[0]!.id, value: '1 s1' });
    assert.is(res.items[0]!.outputIds[1], log[0]!.id);
  });

  test('without output ids in the reply the snapshot still names the log entry the commit appended', async ({ h }) => {
    const res = await h.backend.commit({
      markerTtlMs: 60_000,
      outputIds: false,
      items: [entityItem(h, { mk: 'e1-noids', expected: null, revision: 'r1', version: 1, state: 's1' })],
    });
    assert.is(res.items[0]!.status, 'committed');
    const log = await h.backend.range(h.keys.entityLog('acct'), '-', '+');
    assert.is((await snapOf(h, h.keys.snapshot('acct', 'a1')))?.lastEventId, log[0]!.id);
  });

  test('a stale expected revision is a conflict: no output, no log entry, no marker, no snapshot change, input still pending', async ({ h }) => {
    const input = h.keys.topic('in-snap');
    await h.backend.ensureGroup(input, 'g', '0');
    await appendN(h.backend, input, 2);
    const [a, b] = await read(h.backend, input, 'g', 'c');
    await h.backend.commit({
      markerTtlMs: 60_000,
      items: [entityItem(h, { id: a!.id, input, mk: 'a', expected: null, revision: 'r1', version: 1, state: 's1' })],
    });
    // Decided on the state before `a`: a racing consumer's view.
    const res = await h.backend.commit({
      markerTtlMs: 60_000,
      items: [entityItem(h, { id: b!.id, input, mk: 'b', expected: null, revision: 'rx', version: 1, state: 'stale' })],
    });
    assert.equal(res.items, [{ status: 'conflict', outputIds: [] }]);
    assert.equal(values(await h.backend.range(h.keys.entityLog('acct'), '-', '+')), ['s1']);
    assert.equal(values(await h.backend.range(h.keys.topic('ev'), '-', '+')), ['s1']);
    assert.equal(await h.backend.markersExist([marker(h, 'b')]), [false]);
    assert.is((await snapOf(h, h.keys.snapshot('acct', 'a1')))!.value, '1 s1');
    assert.equal(ids(await h.backend.pendingEntries(input, 'g')), [b!.id]);
    // Decided again on fresh state, it applies.
    const again = await h.backend.commit({
      markerTtlMs: 60_000,
      items: [entityItem(h, { id: b!.id, input, mk: 'b', expected: 'r1', revision: 'r2', version: 2, state: 's2' })],
    });
    assert.is(again.items[0]!.status, 'committed');
    assert.is((await snapOf(h, h.keys.snapshot('acct', 'a1')))!.version, 2);
    assert.is((await h.backend.pendingSummary(input, 'g')).count, 0);
  });

  test('items of one batch chain their revisions; one built on a conflicted item conflicts even when its version number matches', async ({ h }) => {
    // Another consumer is at version 1 (revision o1); this one still believes there is no snapshot.
    await h.backend.commit({ markerTtlMs: 60_000, items: [entityItem(h, { mk: 'other', expected: null, revision: 'o1', version: 1, state: 'other' })] });
    const res = await h.backend.commit({
      markerTtlMs: 60_000,
      items: [
        entityItem(h, { mk: 'c1', expected: null, revision: 'm1', version: 1, state: 'stale1' }),
        // Version 1 -> 2 like the stored one, but decided on m1's state: must not apply.
        entityItem(h, { mk: 'c2', expected: 'm1', revision: 'm2', version: 2, state: 'stale2' }),
        entityItem(h, { mk: 'c3', expected: 'o1', revision: 'o2', version: 2, state: 's2' }),
        entityItem(h, { mk: 'c4', expected: 'o2', revision: 'o3', version: 3, state: 's3' }),
        { markerKey: marker(h, 'plain'), outputs: [{ stream: h.keys.topic('plain'), fields: f('p') }] },
      ],
    });
    assert.equal(
      res.items.map((r) => r.status),
      ['conflict', 'conflict', 'committed', 'committed', 'committed'],
    );
    assert.equal(values(await h.backend.range(h.keys.entityLog('acct'), '-', '+')), ['other', 's2', 's3']);
    const snap = await snapOf(h, h.keys.snapshot('acct', 'a1'));
    assert.equal([snap!.version, snap!.revision], [3, 'o3']);
  });

  test('a duplicate input is acked and skipped before the revision is looked at', async ({ h }) => {
    await h.backend.commit({ markerTtlMs: 60_000, items: [entityItem(h, { mk: 'd', expected: null, revision: 'r1', version: 1, state: 's1' })] });
    const res = await h.backend.commit({
      markerTtlMs: 60_000,
      items: [entityItem(h, { mk: 'd', expected: 'nope', revision: 'r9', version: 8, state: 'again' })],
    });
    assert.equal(res.items, [{ status: 'duplicate', outputIds: [] }]);
    assert.is((await snapOf(h, h.keys.snapshot('acct', 'a1')))!.version, 1);
  });

  test('a snapshot-only item (a rebuild) takes a literal last event id; expecting absence fails once one exists', async ({ h }) => {
    const key = h.keys.snapshot('acct', 'a2');
    const write = (expectedRevision: string | null, revision: string, value: string) =>
      h.backend.commit({ markerTtlMs: 60_000, items: [{ outputs: [], snapshot: { key, expectedRevision, revision, version: 3, lastEventId: '5-1', value } }] });
    assert.is((await write(null, 'b1', '2 rebuilt')).items[0]!.status, 'committed');
    assert.equal(await snapOf(h, key), { version: 3, revision: 'b1', lastEventId: '5-1', value: '2 rebuilt' });
    assert.is((await write(null, 'b2', '2 other')).items[0]!.status, 'conflict');
    assert.is((await write('b1', 'b3', '3 again')).items[0]!.status, 'committed');
    assert.is(await h.backend.ttlMs(key), -1);
  });

  test('bad snapshot arguments and a snapshot key of another type fail the whole batch before any write', async ({ h }) => {
    const out = h.keys.topic('snap-bad');
    const key = h.keys.snapshot('acct', 'wrong');
    await h.backend.append(key, f(1));
    const ok = { markerKey: marker(h, 'first'), outputs: [{ stream: out, fields: f(1) }] };
    await rejectsWith(
      h.backend.commit({ markerTtlMs: 60_000, items: [ok, { outputs: [], snapshot: { key, expectedRevision: null, revision: 'r', version: 1, value: 'x' } }] }),
      'SERVER',
    );
    await rejectsWith(
      h.backend.commit({
        markerTtlMs: 60_000,
        items: [
          ok,
          { outputs: [], snapshot: { key: h.keys.snapshot('acct', 'b'), expectedRevision: null, revision: 'r', version: 1, lastEventOutput: 2, value: 'x' } },
        ],
      }),
      'BAD_ARGUMENT',
    );
    await rejectsWith(
      h.backend.commit({
        markerTtlMs: 60_000,
        items: [ok, { outputs: [], snapshot: { key: h.keys.snapshot('acct', 'b'), expectedRevision: null, revision: 'has space', version: 1, value: 'x' } }],
      }),
      'BAD_ARGUMENT',
    );
    assert.is(await h.backend.streamInfo(out), null);
  });
}

function delayed(test: Test<Ctx>): void {
  test('promoteDue moves only due entries, oldest first, up to the limit', async ({ h }) => {
    const dk = h.keys.delayed('jobs');
    const s = h.keys.topic('jobs');
    const t = 1_000_000;
    await h.backend.schedule([
      { delayedKey: dk, dueMs: t + 30, uid: 'c', fields: f('c') },
      { delayedKey: dk, dueMs: t + 10, uid: 'a', fields: f('a') },
      { delayedKey: dk, dueMs: t + 20, uid: 'b', fields: f('b') },
      { delayedKey: dk, dueMs: t + 10_000, uid: 'z', fields: f('z') },
    ]);
    assert.is(await h.backend.delayedCount(dk), 4);
    assert.is(await h.backend.promoteDue(dk, s, t, 10), 0);
    assert.is(await h.backend.streamInfo(s), null);
    assert.is(await h.backend.promoteDue(dk, s, t + 100, 2), 2);
    assert.equal(values(await h.backend.range(s, '-', '+')), ['a', 'b']);
    assert.is(await h.backend.promoteDue(dk, s, t + 100, 10), 1);
    assert.equal(values(await h.backend.range(s, '-', '+')), ['a', 'b', 'c']);
    assert.is(await h.backend.delayedCount(dk), 1);
    assert.is(await h.backend.delayedCount(h.keys.delayed('none')), 0);
  });

  test('promoteDue wakes a reader blocked on the target stream', async ({ h }) => {
    const dk = h.keys.delayed('wake');
    const s = h.keys.topic('wake');
    await h.backend.ensureGroup(s, 'g', '$');
    await h.backend.schedule([{ delayedKey: dk, dueMs: 5, uid: 'u', fields: f('due') }]);
    const { reads: pending } = await blockedThen(h, 1, () => h.backend.readGroup({ group: 'g', consumer: 'c', streams: [s], count: 10, blockMs: 5_000 }));
    assert.is(await h.backend.promoteDue(dk, s, 10, 10), 1);
    assert.equal(values(await pending), ['due']);
  });
}

function keyValue(test: Test<Ctx>): void {
  test('setWithTtl, getMany and ttlMs behave like SET PX, GET and PTTL', async ({ h }) => {
    const a = h.keys.heartbeat('g', 'a');
    const b = h.keys.heartbeat('g', 'b');
    await h.backend.setWithTtl(a, 'alive', 5_000);
    assert.equal(await h.backend.getMany([a, b]), ['alive', null]);
    const ttl = await h.backend.ttlMs(a);
    assert.ok(ttl > 0 && ttl <= 5_000, `ttl ${ttl}`);
    assert.is(await h.backend.ttlMs(b), -2);
    const s = h.keys.topic('no-ttl');
    await h.backend.append(s, f(1));
    assert.is(await h.backend.ttlMs(s), -1);
    await h.backend.setWithTtl(b, 'brief', 40);
    await waitFor('the 40 ms key expired', async () => (await h.backend.getMany([b]))[0] === null);
  });

  test('deleteKeys removes strings, streams and sorted sets and counts them', async ({ h }) => {
    const str = h.keys.heartbeat('g', 'c');
    const s = h.keys.topic('gone');
    const dk = h.keys.delayed('gone');
    await h.backend.setWithTtl(str, 'x', 60_000);
    await h.backend.append(s, f(1));
    await h.backend.schedule([{ delayedKey: dk, dueMs: 1, uid: 'u', fields: f(1) }]);
    assert.is(await h.backend.deleteKeys([str, s, dk, h.keys.topic('never')]), 3);
    assert.equal(await h.backend.getMany([str]), [null]);
    assert.is(await h.backend.streamInfo(s), null);
    assert.is(await h.backend.delayedCount(dk), 0);
    assert.is(await h.backend.deleteKeys([]), 0);
  });
}

function rangeAndDelete(test: Test<Ctx>): void {
  test('range and revRange honour exclusive bounds and COUNT; a missing stream is empty', async ({ h }) => {
    const s = h.keys.topic('range');
    const [i1, i2, i3, i4] = await appendN(h.backend, s, 4);
    assert.equal(ids(await h.backend.range(s, `(${i1}`, '+')), [i2, i3, i4]);
    assert.equal(ids(await h.backend.range(s, '-', `(${i4}`)), [i1, i2, i3]);
    assert.equal(ids(await h.backend.range(s, i2!, i3!)), [i2, i3]);
    assert.equal(ids(await h.backend.range(s, '-', '+', 2)), [i1, i2]);
    assert.equal(ids(await h.backend.revRange(s, '+', '-', 2)), [i4, i3]);
    assert.equal(ids(await h.backend.revRange(s, `(${i4}`, `(${i1}`)), [i3, i2]);
    assert.equal(await h.backend.range(h.keys.topic('range-none'), '-', '+'), []);
  });

  test('deleteEntries removes entries and counts only those that existed', async ({ h }) => {
    const s = h.keys.topic('del');
    const [i1, i2, i3] = await appendN(h.backend, s, 3);
    assert.is(await h.backend.deleteEntries(s, [i2!, '1-1']), 1);
    assert.equal(ids(await h.backend.range(s, '-', '+')), [i1, i3]);
    assert.is(await h.backend.deleteEntries(h.keys.topic('del-none'), [i1!]), 0);
  });
}

function groupMaintenance(test: Test<Ctx>): void {
  test('setGroupId moves the group back (re-delivery) or to the end', async ({ h }) => {
    const s = h.keys.topic('setid');
    await h.backend.ensureGroup(s, 'g', '0');
    const all = await appendN(h.backend, s, 3);
    assert.equal(ids(await read(h.backend, s, 'g', 'c')), all);
    await h.backend.setGroupId(s, 'g', all[0]!);
    assert.equal(ids(await read(h.backend, s, 'g', 'c')), all.slice(1));
    await appendN(h.backend, s, 2, 4);
    await h.backend.setGroupId(s, 'g', '$');
    assert.equal(await read(h.backend, s, 'g', 'c'), []);
  });

  test('destroyGroup removes the group once', async ({ h }) => {
    const s = h.keys.topic('destroy');
    await h.backend.ensureGroup(s, 'g', '0');
    assert.is(await h.backend.destroyGroup(s, 'g'), true);
    assert.is(await h.backend.destroyGroup(s, 'g'), false);
    assert.equal(await h.backend.groups(s), []);
    await rejectsWith(read(h.backend, s, 'g', 'c'), 'NOGROUP');
    assert.is(await h.backend.destroyGroup(h.keys.topic('destroy-none'), 'g'), false);
  });

  test('deleteConsumer returns its pending count and drops its pending entries', async ({ h }) => {
    const s = h.keys.topic('delc');
    await h.backend.ensureGroup(s, 'g', '0');
    await appendN(h.backend, s, 3);
    await read(h.backend, s, 'g', 'gone', 2);
    await read(h.backend, s, 'g', 'stays', 1);
    assert.is(await h.backend.deleteConsumer(s, 'g', 'gone'), 2);
    const summary = await h.backend.pendingSummary(s, 'g');
    assert.is(summary.count, 1);
    assert.equal(summary.consumers, [{ name: 'stays', pending: 1 }]);
    assert.equal(
      (await h.backend.consumers(s, 'g')).map((c) => c.name),
      ['stays'],
    );
    assert.is(await h.backend.deleteConsumer(s, 'g', 'never-seen'), 0);
  });
}

function scans(test: Test<Ctx>): void {
  test('listStreams and scanKeys match Redis glob patterns', async ({ h }) => {
    const k = h.keys;
    const [t1, t2, t3] = [k.topic('ls-a1'), k.topic('ls-a2'), k.topic('ls-b3')];
    const dlq = k.dlq('ls-a1');
    for (const s of [t1, t2, t3, dlq]) await h.backend.append(s, f(1));
    await h.backend.schedule([{ delayedKey: k.delayed('ls-a1'), dueMs: 1, uid: 'u', fields: f(1) }]);
    await h.backend.setWithTtl(k.heartbeat('g1', 'c1'), '1', 60_000);
    await h.backend.setWithTtl(k.heartbeat('g2', 'c1'), '1', 60_000);
    assert.equal(await h.backend.listStreams(k.topicPattern()), [t1, t2, t3].sort());
    assert.equal(await h.backend.listStreams(k.dlqPattern()), [dlq]);
    assert.equal(await h.backend.listStreams(`${t1.slice(0, -1)}?`), [t1, t2].sort());
    assert.equal(await h.backend.listStreams(`${t1.slice(0, -1)}[13]`), [t1]);
    assert.equal(await h.backend.listStreams(`${t1.slice(0, -1)}[^1]`), [t2]);
    assert.equal(await h.backend.scanKeys(k.heartbeatPattern('g1')), [k.heartbeat('g1', 'c1')]);
    assert.is((await h.backend.scanKeys(k.heartbeatPattern())).length, 2);
    assert.equal(await h.backend.listStreams(k.heartbeatPattern()), []);
  });
}

function moves(test: Test<Ctx>): void {
  test('a move appends the new fields to the target and deletes the source entry; moving it again moves nothing', async ({ h }) => {
    const from = h.keys.topic('move-from');
    const to = h.keys.topic('move-to');
    const [i1, i2] = await appendN(h.backend, from, 2);
    const [first] = await h.backend.moveEntries([{ from, id: i1!, to, fields: f('moved') }]);
    assert.ok(first!.newId, 'the entry was moved');
    assert.equal(await h.backend.range(to, '-', '+'), [{ id: first!.newId!, fields: f('moved') }]);
    assert.equal(ids(await h.backend.range(from, '-', '+')), [i2]);
    const [again] = await h.backend.moveEntries([{ from, id: i1!, to, fields: f('moved') }]);
    assert.is(again!.newId, null);
    assert.is((await h.backend.range(to, '-', '+')).length, 1, 'nothing appended the second time');
  });

  test('many moves in one call come back in request order; a missing source entry or stream moves nothing', async ({ h }) => {
    const from = h.keys.topic('moves-from');
    const to = h.keys.topic('moves-to');
    const [i1, i2, i3] = await appendN(h.backend, from, 3);
    await h.backend.deleteEntries(from, [i2!]);
    const res = await h.backend.moveEntries([
      { from, id: i3!, to, fields: f(3) },
      { from, id: i2!, to, fields: f(2) },
      { from, id: i1!, to, fields: f(1) },
      { from: h.keys.topic('moves-none'), id: i1!, to, fields: f(9) },
    ]);
    assert.equal(
      res.map((r) => r.move.id),
      [i3, i2, i1, i1],
    );
    assert.equal(
      res.map((r) => r.newId !== null),
      [true, false, true, false],
    );
    assert.equal(values(await h.backend.range(to, '-', '+')), ['3', '1']);
    assert.equal(await h.backend.range(from, '-', '+'), []);
    assert.equal(await h.backend.moveEntries([]), []);
  });

  test('a move to a key of another type fails alone: its error is its outcome, its source entry stays, the other moves stand', async ({ h }) => {
    const from = h.keys.topic('move-bad');
    const ok = h.keys.topic('move-ok');
    // A string in the source's partition (one slot on a cluster), so the type is what fails.
    const bad = h.keys.idempotency('g', 'move-bad');
    await h.backend.setWithTtl(bad, 'x', 60_000);
    const [i1, i2] = await appendN(h.backend, from, 2);
    const [failed, moved] = await h.backend.moveEntries([
      { from, id: i1!, to: bad, fields: f(1) },
      { from, id: i2!, to: ok, fields: f(2) },
    ]);
    assert.is(failed!.newId, null);
    assert.match(failed!.error ?? '', /WRONGTYPE/);
    assert.ok(moved!.newId && moved!.error === undefined, 'the other move stands');
    assert.equal(ids(await h.backend.range(from, '-', '+')), [i1]);
    assert.equal(values(await h.backend.range(ok, '-', '+')), ['2']);
  });
}

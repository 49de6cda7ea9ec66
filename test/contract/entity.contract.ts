/**
 * The entity contract: an entity actor run by the ActorRuntime keeps, per entity, a snapshot equal
 * to the fold of its committed events, on every backend (memory shim, Redis, cluster).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { gated } from '../support/skip.js';
import { foldLog } from '../../src/actors/entity/store.js';
import { readEntityStates, rebuildEntity } from '../../src/actors/entity/rebuild.js';
import type { EntityDefinition } from '../../src/actors/entity/types.js';
import { ActorRuntime } from '../../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../../src/envelope/codec.js';
import { createEnvelope } from '../../src/envelope/envelope.js';
import type { StreamBackend } from '../../src/streams/backend.js';
import { createKeys, type Keys } from '../../src/streams/keys.js';
import { parseSnapshot } from '../../src/streams/snapshot.js';
import { ledgerEntity, type Ledger } from '../fixtures/ledger-entity.js';
import { capturingLogger } from '../support/quiet-logger.js';
import { waitFor } from '../support/wait.js';

/** A connected backend and a prefix no other test uses. */
export interface EntityHarness {
  backend: StreamBackend;
  prefix: string;
  cleanup(): Promise<void>;
}

const OPTIONS = { blockMs: 100, promoteIntervalMs: 20, trimIntervalMs: 0, errorBackoffMs: 20 };

/** Appends deposits (entity id = partitionKey) to the deposit topic. */
export async function deposit(backend: StreamBackend, keys: Keys, items: { account: string; n: number }[]): Promise<void> {
  await backend.appendMany(
    items.map(({ account, n }) => ({
      stream: keys.topic('ledger.deposit'),
      fields: encodeEnvelope(createEnvelope({ type: 'ledger.deposit', payload: { n }, partitionKey: account, idempotencyKey: `dep-${account}-${n}` })),
    })),
  );
}

/** Every snapshot of the ledger equals the fold of its log (nothing folded twice, nothing skipped); returns the states. */
export async function assertSnapshotsMatchLog(
  backend: StreamBackend,
  keys: Keys,
  def: EntityDefinition<Ledger>,
  accounts: string[],
): Promise<Map<string, Ledger>> {
  const folded = await foldLog(backend, keys, def.model, 0, null);
  const raw = await backend.getMany(accounts.map((a) => keys.snapshot('ledger', a)));
  const out = new Map<string, Ledger>();
  accounts.forEach((a, i) => {
    const snap = parseSnapshot(raw[i] ?? null);
    const f = folded.get(a);
    assert.ok(snap && f, `account ${a} has a snapshot and events`);
    assert.is(snap!.version, f!.version, `${a}: snapshot version = events in the log`);
    assert.is(snap!.lastEventId, f!.lastEventId, `${a}: last event id`);
    assert.equal(JSON.parse(snap!.value.slice(snap!.value.indexOf(' ') + 1)), f!.state, `${a}: snapshot state = fold of the log`);
    assert.equal(new Set(f!.state.seen).size, f!.state.seen.length, `${a}: no deposit folded twice`);
    out.set(a, f!.state);
  });
  return out;
}

/** Defines and runs the entity suite on one backend. */
export function entityContract(name: string, factory: () => Promise<EntityHarness>, skipReason: string | null = null): void {
  const test = gated(suite<{ h: EntityHarness; keys: Keys }>(`[${name}] entities`, {} as never), skipReason);
  test.before.each(async (ctx) => {
    ctx.h = await factory();
    ctx.keys = createKeys(ctx.h.prefix);
  });
  test.after.each(async (ctx) => {
    await ctx.h?.cleanup();
  });
  const runtimeOf = (h: EntityHarness, keys: Keys, def: EntityDefinition<Ledger>, consumer = 'c-0') =>
    new ActorRuntime([def], { backend: h.backend, keys, consumer, logger: capturingLogger().logger, options: OPTIONS });
  const waitLog = (h: EntityHarness, keys: Keys, n: number) =>
    waitFor(`${n} events on the ledger log`, async () => ((await h.backend.streamInfo(keys.entityLog('ledger')))?.length ?? 0) >= n || null, 15_000);

  test('decide and evolve per entity: events on the log and downstream, snapshot = fold, state readable', async ({ h, keys }) => {
    const def = ledgerEntity();
    await deposit(h.backend, keys, [
      { account: 'a', n: 1 },
      { account: 'b', n: 2 },
      { account: 'a', n: 3 },
    ]);
    const rt = runtimeOf(h, keys, def);
    await rt.start();
    try {
      await waitLog(h, keys, 3);
      await waitFor('inputs acked', async () => (await h.backend.pendingSummary(keys.topic('ledger.deposit'), 'ledger')).count === 0 || null);
    } finally {
      await rt.stop();
    }
    const states = await assertSnapshotsMatchLog(h.backend, keys, def, ['a', 'b']);
    assert.equal(states.get('a'), { balance: 4, seen: [1, 3], refused: 0 });
    assert.is((await h.backend.range(keys.topic('ledger.deposited'), '-', '+')).length, 3);
    const [shown] = await readEntityStates(h.backend, keys, def.model, 'a', 1);
    assert.equal(shown && { source: shown.source, version: shown.version, state: shown.state }, { source: 'snapshot', version: 2, state: states.get('a') });
  });

  test('a duplicate input (same idempotency key) is not decided again', async ({ h, keys }) => {
    const def = ledgerEntity();
    await deposit(h.backend, keys, [
      { account: 'a', n: 5 },
      { account: 'a', n: 5 },
      { account: 'a', n: 6 },
    ]);
    const rt = runtimeOf(h, keys, def);
    await rt.start();
    try {
      await waitFor(
        'acked',
        async () =>
          ((await h.backend.groups(keys.topic('ledger.deposit')))[0]?.lastDeliveredId !== '0-0' &&
            (await h.backend.pendingSummary(keys.topic('ledger.deposit'), 'ledger')).count === 0) ||
          null,
      );
    } finally {
      await rt.stop();
    }
    const states = await assertSnapshotsMatchLog(h.backend, keys, def, ['a']);
    assert.equal(states.get('a')!.seen, [5, 6]);
  });

  test('a deleted snapshot is rebuilt from the log to the same state, and the next event builds on it', async ({ h, keys }) => {
    const def = ledgerEntity();
    await deposit(h.backend, keys, [
      { account: 'a', n: 1 },
      { account: 'a', n: 2 },
    ]);
    let rt = runtimeOf(h, keys, def);
    await rt.start();
    await waitLog(h, keys, 2);
    await rt.stop();
    const before = await assertSnapshotsMatchLog(h.backend, keys, def, ['a']);
    await h.backend.deleteKeys([keys.snapshot('ledger', 'a')]);
    const [fromLog] = await readEntityStates(h.backend, keys, def.model, 'a', 1);
    assert.equal(fromLog && { source: fromLog.source, state: fromLog.state }, { source: 'log', state: before.get('a') });
    rt = runtimeOf(h, keys, def);
    await rt.start();
    try {
      await deposit(h.backend, keys, [{ account: 'a', n: 3 }]);
      await waitLog(h, keys, 3);
      await waitFor('acked', async () => (await h.backend.pendingSummary(keys.topic('ledger.deposit'), 'ledger')).count === 0 || null);
    } finally {
      await rt.stop();
    }
    const after = await assertSnapshotsMatchLog(h.backend, keys, def, ['a']);
    assert.equal(after.get('a')!.seen, [1, 2, 3]);
  });

  test('a stateVersion bump rebuilds with the new evolve; actors rebuild reports what changed', async ({ h, keys }) => {
    const v1 = ledgerEntity();
    await deposit(h.backend, keys, [
      { account: 'a', n: 1 },
      { account: 'b', n: 2 },
    ]);
    const rt = runtimeOf(h, keys, v1);
    await rt.start();
    await waitLog(h, keys, 2);
    await waitFor('acked', async () => (await h.backend.pendingSummary(keys.topic('ledger.deposit'), 'ledger')).count === 0 || null);
    await rt.stop();
    // v2 counts in tens: the old snapshots no longer hold what its evolve would fold.
    const v2 = ledgerEntity({
      stateVersion: 2,
      evolve: (s, e) => ({ ...s, balance: s.balance + 10 * (e.payload as { n: number }).n, seen: [...s.seen, (e.payload as { n: number }).n] }),
    });
    const [stale] = await readEntityStates(h.backend, keys, v2.model, 'a', 1);
    assert.equal(stale && { source: stale.source, balance: (stale.state as Ledger).balance }, { source: 'log', balance: 10 });
    const changes = await rebuildEntity(h.backend, keys, v2.model, { partitions: 1 });
    assert.equal(changes.map((c) => [c.id, c.outcome, c.before?.stateVersion, (c.after.state as Ledger).balance]).sort(), [
      ['a', 'written', 1, 10],
      ['b', 'written', 1, 20],
    ]);
    const again = await rebuildEntity(h.backend, keys, v2.model, { partitions: 1, id: 'a' });
    assert.equal(
      again.map((c) => c.outcome),
      ['unchanged'],
    );
    const [fresh] = await readEntityStates(h.backend, keys, v2.model, 'a', 1);
    assert.equal(fresh && { source: fresh.source, version: fresh.version }, { source: 'snapshot', version: 1 });
  });

  test('two consumers racing on one entity: every deposit applied once, snapshot = fold', async ({ h, keys }) => {
    const def = ledgerEntity({ batchSize: 4 });
    const n = 60;
    await deposit(
      h.backend,
      keys,
      Array.from({ length: n }, (_, i) => ({ account: i % 3 === 0 ? 'hot' : 'hot', n: i + 1 })),
    );
    const a = runtimeOf(h, keys, def, 'c-a');
    const b = runtimeOf(h, keys, def, 'c-b');
    await Promise.all([a.start(), b.start()]);
    try {
      await waitLog(h, keys, n);
      await waitFor('acked', async () => (await h.backend.pendingSummary(keys.topic('ledger.deposit'), 'ledger')).count === 0 || null, 15_000);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const states = await assertSnapshotsMatchLog(h.backend, keys, def, ['hot']);
    assert.equal(
      [...states.get('hot')!.seen].sort((x, y) => x - y),
      Array.from({ length: n }, (_, i) => i + 1),
    );
    assert.is((await h.backend.range(keys.topic('ledger.deposited'), '-', '+')).length, n);
  });

  test('a cache of one state still folds each event once (LRU eviction reloads from the snapshot)', async ({ h, keys }) => {
    const def = ledgerEntity({ cacheSize: 1, batchSize: 8 });
    await deposit(
      h.backend,
      keys,
      Array.from({ length: 24 }, (_, i) => ({ account: `acc-${i % 4}`, n: i + 1 })),
    );
    const rt = runtimeOf(h, keys, def);
    await rt.start();
    try {
      await waitLog(h, keys, 24);
      await waitFor('acked', async () => (await h.backend.pendingSummary(keys.topic('ledger.deposit'), 'ledger')).count === 0 || null);
    } finally {
      await rt.stop();
    }
    const states = await assertSnapshotsMatchLog(h.backend, keys, def, ['acc-0', 'acc-1', 'acc-2', 'acc-3']);
    assert.equal(states.get('acc-1')!.seen, [2, 6, 10, 14, 18, 22]);
  });

  test('housekeeping trim never touches the entity log (the event store)', async ({ h, keys }) => {
    const def = ledgerEntity();
    await deposit(h.backend, keys, [
      { account: 'a', n: 1 },
      { account: 'a', n: 2 },
    ]);
    const rt = new ActorRuntime([def], {
      backend: h.backend,
      keys,
      consumer: 'c-0',
      logger: capturingLogger().logger,
      options: { ...OPTIONS, trimIntervalMs: 20, retentionMs: 0 },
    });
    await rt.start();
    try {
      await waitLog(h, keys, 2);
      await waitFor('deposit stream trimmed', async () => ((await h.backend.streamInfo(keys.topic('ledger.deposit')))?.length ?? 0) === 0 || null);
    } finally {
      await rt.stop();
    }
    assert.is((await h.backend.streamInfo(keys.entityLog('ledger')))?.length, 2);
  });

  test.run();
}

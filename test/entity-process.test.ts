/**
 * The ledger entity as a real child process on real Redis, killed with SIGKILL mid-batch many
 * times and restarted under the same consumer name (it re-reads its own pending entries): at the
 * end every account's snapshot is the fold of its log, each deposit was folded exactly once and
 * went downstream exactly once, and nothing is left pending.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createKeys } from '../src/streams/keys.js';
import { assertSnapshotsMatchLog, deposit } from './contract/entity.contract.js';
import { ledgerEntity } from './fixtures/ledger-entity.js';
import { deletePrefix, redisBackend, testRedis, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';
import { startFixture, type Child } from './support/child.js';

const FIXTURE = new URL('./fixtures/ledger-process.ts', import.meta.url).pathname;

const startLedger = (env: Record<string, string>): Promise<Child> => startFixture(FIXTURE, env, 'ledger');

const s = gated(suite('entity processes on real Redis'), await redisSkipReason());

s('SIGKILL mid-batch, 6 times: snapshots = fold of the log, every deposit folded and emitted once', async () => {
  const backend = await redisBackend();
  if (!backend) throw new Error('the gated suite has a Redis');
  const r = (await testRedis())!;
  const prefix = uniquePrefix('ekill');
  const keys = createKeys(prefix);
  const accounts = ['a', 'b', 'c', 'd', 'e'];
  const n = 400;
  let child: Child | null = null;
  try {
    await backend.ensureGroup(keys.topic('ledger.deposit'), 'ledger', '0');
    await deposit(
      backend,
      keys,
      Array.from({ length: n }, (_, i) => ({ account: accounts[i % accounts.length]!, n: i + 1 })),
    );
    const logLength = async (): Promise<number> => (await backend.streamInfo(keys.entityLog('ledger')))?.length ?? 0;
    let kills = 0;
    for (let round = 0; round < 6; round++) {
      child = await startLedger({ REDIS_URL: r.url, PREFIX: prefix, CONSUMER: 'host-0', DELAY_MS: '3', BATCH: '16' });
      const from = await logLength();
      if (from >= n) break;
      // Kill once this life has committed something and holds a batch in flight.
      await waitFor('progress', async () => (await logLength()) > from || null, 20_000, 5);
      await waitFor(
        'a batch in flight',
        async () => (await backend.pendingSummary(keys.topic('ledger.deposit'), 'ledger')).count > 0 || (await logLength()) >= n || null,
        5_000,
        2,
      );
      child.proc.kill('SIGKILL');
      await child.exit;
      child = null;
      kills += 1;
    }
    assert.ok(kills >= 3, `killed ${kills} times mid-run`);
    child = await startLedger({ REDIS_URL: r.url, PREFIX: prefix, CONSUMER: 'host-0', DELAY_MS: '0', BATCH: '16' });
    await waitFor(
      'all deposits acked',
      async () => {
        const g = (await backend.groups(keys.topic('ledger.deposit'))).find((x) => x.name === 'ledger');
        return (g && g.pending === 0 && (await logLength()) >= n && g.lastDeliveredId !== '0-0') || null;
      },
      60_000,
      50,
    );
    const states = await assertSnapshotsMatchLog(backend, keys, ledgerEntity(), accounts);
    for (const [i, a] of accounts.entries()) {
      const want = Array.from({ length: n / accounts.length }, (_, k) => k * accounts.length + i + 1);
      assert.equal(
        [...states.get(a)!.seen].sort((x, y) => x - y),
        want,
        `${a}: every deposit folded exactly once`,
      );
    }
    assert.is(await logLength(), n, 'no event logged twice');
    assert.is((await backend.range(keys.topic('ledger.deposited'), '-', '+')).length, n, 'each event downstream once');
  } finally {
    if (child) {
      child.proc.kill('SIGKILL');
      await child.exit;
    }
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s.run();

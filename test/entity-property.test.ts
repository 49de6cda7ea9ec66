/**
 * Property: whatever the crash schedule, an entity's snapshot is the fold of its committed events,
 * every deposit is folded exactly once, and it went downstream exactly once. Crashes are injected
 * at the commit on the memory shim (same semantics as the Redis script): a commit that fails before
 * it applies, one that applies and then fails (the ambiguous case: the process dies before it
 * hears back), and a runtime that dies mid-run, its work taken over by another consumer.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import type { CommitBatch, CommitResult } from '../src/streams/backend.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { assertSnapshotsMatchLog, deposit } from './contract/entity.contract.js';
import { ledgerEntity } from './fixtures/ledger-entity.js';
import { capturingLogger } from './support/quiet-logger.js';
import { waitFor } from './support/wait.js';

type Step = 'ok' | 'fail-before' | 'fail-after';

/** A shim whose commits follow a schedule: fail before applying, or apply and then fail. */
class CrashingBackend extends MemoryStreamBackend {
  constructor(private readonly steps: Step[]) {
    super();
  }
  override async commit(batch: CommitBatch): Promise<CommitResult> {
    const step = this.steps.shift() ?? 'ok';
    if (step === 'fail-before') throw new Error('injected: crashed before the commit');
    const res = await super.commit(batch);
    if (step === 'fail-after') throw new Error('injected: crashed after the commit, before hearing back');
    return res;
  }
}

const OPTIONS = { blockMs: 50, promoteIntervalMs: 10, trimIntervalMs: 0, errorBackoffMs: 2, heartbeatMs: 20 };

test('snapshot = fold of the log, each deposit once, under random commit crashes and a consumer swap', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom<Step>('ok', 'ok', 'fail-before', 'fail-after'), { minLength: 1, maxLength: 30 }),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 8 }),
      async (schedule, accountsOf, swapAfterBatches, batchSize) => {
        const backend = new CrashingBackend(schedule);
        const keys = createKeys('prop');
        const def = ledgerEntity({ batchSize, maxDeliveries: 1_000, claimIdleMs: 30 });
        const items = accountsOf.map((a, i) => ({ account: `acc-${a}`, n: i + 1 }));
        const accounts = [...new Set(items.map((x) => x.account))];
        const start = (consumer: string) => new ActorRuntime([def], { backend, keys, consumer, logger: capturingLogger('error').logger, options: OPTIONS });
        // The first consumer handles a few batches and is then stopped dead: its pending work is claimed by the second.
        const first = start('first');
        await deposit(backend, keys, items);
        await first.start();
        await waitFor(
          'first batches',
          async () => ((await backend.streamInfo(keys.entityLog('ledger')))?.length ?? 0) >= Math.min(items.length, swapAfterBatches * batchSize) || null,
          5_000,
        );
        await first.stop();
        const second = start('second');
        await second.start();
        try {
          await waitFor(
            'every input acked',
            async () => {
              const g = (await backend.groups(keys.topic('ledger.deposit')))[0];
              return (g && g.pending === 0 && g.entriesRead === items.length) || null;
            },
            10_000,
          );
        } finally {
          await second.stop();
        }
        const states = await assertSnapshotsMatchLog(backend, keys, def, accounts);
        for (const a of accounts) {
          const want = items.filter((x) => x.account === a).map((x) => x.n);
          assert.equal(
            [...states.get(a)!.seen].sort((x, y) => x - y),
            want,
            `${a}: every deposit folded exactly once`,
          );
        }
        assert.is((await backend.range(keys.topic('ledger.deposited'), '-', '+')).length, items.length, 'each event downstream once');
        await backend.close();
      },
    ),
    { numRuns: 40, seed: 14 },
  );
});

test.run();

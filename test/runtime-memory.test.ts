import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { ManualClock } from '../src/clock.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { actorRuntimeContract } from './contract/actor-runtime.contract.js';
import { capturingLogger } from './support/quiet-logger.js';
import { uniquePrefix } from './support/redis.js';
import { waitFor } from './support/wait.js';

actorRuntimeContract('memory', async () => {
  const backend = new MemoryStreamBackend();
  return { backend, prefix: uniquePrefix('rt'), cleanup: () => backend.close() };
});

// Shim-only: a backend that counts how many group reads one runtime has out at once.
const reads = suite('[memory] read overlap');

reads('claims arriving while a prefetch is out never start a second read (no orphaned prefetch)', async () => {
  // The shim's clock is the test's: the dead consumer's entries become claimable when it says so, not after a sleep.
  const clock = new ManualClock();
  const backend = new MemoryStreamBackend({ clock });
  const keys = createKeys(uniquePrefix('ovl'));
  const stream = keys.topic('job.created');
  await backend.ensureGroup(stream, 'relay', '0');
  const job = (i: number) => ({ stream, fields: encodeEnvelope(createEnvelope({ type: 'job.created', payload: { i }, idempotencyKey: `j-${i}` })) });
  await backend.appendMany(Array.from({ length: 6 }, (_, i) => job(i)));
  await backend.readGroup({ group: 'relay', consumer: 'dead-0', streams: [stream], count: 6 });
  clock.advance(20);
  let out = 0;
  let most = 0;
  const readGroup = backend.readGroup.bind(backend);
  backend.readGroup = async (req) => {
    most = Math.max(most, ++out);
    try {
      return await readGroup(req);
    } finally {
      out -= 1;
    }
  };
  const relay = defineActor({
    name: 'relay',
    consumes: ['job.created'],
    emits: ['job.done'],
    claimIdleMs: 20,
    handle: (e, ctx) => [ctx.derive('job.done', e.payload)],
  });
  const runtime = new ActorRuntime([relay], {
    backend,
    keys,
    consumer: 'live-0',
    logger: capturingLogger().logger,
    options: { blockMs: 200, promoteIntervalMs: 20, trimIntervalMs: 0 },
  });
  await runtime.start();
  try {
    await backend.appendMany(Array.from({ length: 6 }, (_, i) => job(100 + i)));
    await waitFor('12 outputs', async () => (await backend.range(keys.topic('job.done'), '-', '+')).length === 12, 5_000);
    assert.is(most, 1, 'one read out at a time per worker');
  } finally {
    await runtime.stop();
    await backend.close();
  }
});

reads.run();

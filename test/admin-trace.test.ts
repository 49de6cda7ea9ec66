/**
 * The causal trace reader (src/admin/trace.ts) on the memory shim and on a real Redis, over a real
 * runtime running a 3-stage pipeline on 2 partitions: one item retried then processed, one
 * dead-lettered, and a second flow that must stay out of the first one's tree.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertTraceQuery, isTraceQueryError, renderTrace, traceFlow, type TraceNode } from '../src/admin/trace.js';
import { waitUntilDrained } from '../src/actors/runtime/drain.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import type { StreamBackend } from '../src/streams/backend.js';
import { createKeys, partitionOf, type Keys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { orderEnvelope, tracePipeline } from './fixtures/trace-pipeline.js';
import { capturingLogger } from './support/quiet-logger.js';
import { deletePrefix, redisBackend, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { FAST_RUNTIME } from './lead-harness.js';

const P = 2;

async function runPipeline(backend: StreamBackend, keys: Keys) {
  const actors = tracePipeline();
  const runtime = new ActorRuntime(actors, {
    backend,
    keys,
    consumer: 'trace-0',
    logger: capturingLogger('error').logger,
    options: FAST_RUNTIME,
    partitions: P,
  });
  await runtime.start();
  const first = orderEnvelope('o-1');
  const second = orderEnvelope('o-2');
  try {
    await backend.appendMany([first, second].map((e) => ({ stream: keys.topic(e.type, partitionOf(e.partitionKey, P)), fields: encodeEnvelope(e) })));
    await waitUntilDrained(backend, keys, actors, { timeoutMs: 20_000, pollMs: 10, partitions: P });
  } finally {
    await runtime.stop();
  }
  return { first, second };
}

const find = (nodes: TraceNode[], pred: (n: TraceNode) => boolean): TraceNode | undefined => {
  const stack = [...nodes];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (pred(n)) return n;
    stack.push(...n.children);
  }
  return undefined;
};
const item = (roots: TraceNode[], name: string) => find(roots, (n) => n.type === 'item.ready' && n.idempotencyKey.endsWith(`#${name}`));

function traceSuite(
  name: string,
  open: () => Promise<{ backend: StreamBackend; cleanup: (prefix: string) => Promise<void> } | null>,
  skipReason: string | null = null,
) {
  const s = gated(suite(`${name} actors trace reader`), skipReason);

  s('envelope id -> the whole causal tree: hops, actors, outcomes, retry and dead letter', async () => {
    const opened = await open();
    if (!opened) throw new Error('the gated suite has a backend');
    const { backend } = opened;
    const prefix = uniquePrefix('trace');
    const keys = createKeys(prefix);
    try {
      const { first, second } = await runPipeline(backend, keys);
      const result = await traceFlow(backend, keys, first.id);
      assert.is(result.matchedBy, 'envelope-id');
      assert.equal(result.correlationIds, [first.correlationId]);
      assert.is(result.stats.truncated, false);
      assert.is(result.roots.length, 1);
      const root = result.roots[0]!;
      assert.is(root.envelopeId, first.id);
      assert.ok(root.matched);
      assert.is(root.partition, partitionOf(first.partitionKey, P));
      assert.is(root.stream, keys.topic('order.placed', root.partition));
      assert.equal(
        root.consumers.map((c) => [c.actor, c.outcome]),
        [['checker', 'processed']],
      );
      assert.is(root.sinceCauseMs, null);

      const checked = root.children[0]!;
      assert.is(root.children.length, 1);
      assert.is(checked.type, 'order.checked');
      assert.is(checked.causationId, first.id);
      assert.ok(checked.sinceCauseMs !== null && checked.sinceCauseMs >= 0);
      assert.equal(
        checked.consumers.map((c) => [c.actor, c.outcome]),
        [['splitter', 'processed']],
      );
      assert.is(checked.children.length, 3);

      const fine = item(result.roots, 'fine')!;
      assert.equal(
        fine.consumers.map((c) => [c.actor, c.outcome, c.attempts]),
        [['packer', 'processed', 1]],
      );
      const flaky = item(result.roots, 'flaky')!;
      const flakyPacker = flaky.consumers[0]!;
      assert.equal([flakyPacker.actor, flakyPacker.outcome, flakyPacker.attempts], ['packer', 'processed', 2]);
      assert.is(flakyPacker.retries.length, 1);
      assert.is(flakyPacker.retries[0]!.stream, keys.retry('packer', flaky.partition));
      assert.is(flaky.attempts, 2);
      const broken = item(result.roots, 'broken')!;
      const brokenPacker = broken.consumers[0]!;
      assert.is(brokenPacker.outcome, 'dead-lettered');
      assert.is(brokenPacker.attempts, 2);
      assert.is(brokenPacker.deadLetter?.reason, 'handler-error');
      assert.match(brokenPacker.deadLetter?.error ?? '', 'cannot pack broken');
      assert.is(brokenPacker.deadLetter?.stream, keys.dlq('item.ready', broken.partition));
      assert.is(result.stats.envelopes, 5);
      assert.is(result.stats.deadLetters, 1);
      // The other order's flow is not part of this tree.
      assert.not.ok(find(result.roots, (n) => n.correlationId === second.correlationId));

      const text = renderTrace(result);
      assert.match(text, 'matched by envelope id');
      assert.match(text, 'packer: processed after 2 attempts');
      assert.match(text, /packer: dead-lettered after 2 attempts \(handler-error: .*cannot pack broken/);
      assert.match(text, /└─ .*item\.ready/);
    } finally {
      await opened.cleanup(prefix);
    }
  });

  s('correlation id and idempotency key find the same flow; unknown and glob queries find nothing', async () => {
    const opened = await open();
    if (!opened) throw new Error('the gated suite has a backend');
    const { backend } = opened;
    const prefix = uniquePrefix('trace');
    const keys = createKeys(prefix);
    try {
      const { first } = await runPipeline(backend, keys);
      const byCorrelation = await traceFlow(backend, keys, first.correlationId);
      // createEnvelope uses the id as the correlation id: an envelope-id match wins.
      assert.is(byCorrelation.matchedBy, 'envelope-id');
      const byKey = await traceFlow(backend, keys, 'order:o-1>order.checked>item.ready#broken');
      assert.is(byKey.matchedBy, 'idempotency-key');
      assert.is(byKey.stats.envelopes, 5);
      const broken = item(byKey.roots, 'broken')!;
      assert.ok(broken.matched);
      assert.not.ok(byKey.roots[0]!.matched);

      for (const q of ['no-such-id', '*', 'order:o-1*', '[a-z]*']) {
        const none = await traceFlow(backend, keys, q);
        assert.is(none.matchedBy, null, q);
        assert.equal(none.roots, []);
      }
      assert.match(renderTrace(await traceFlow(backend, keys, 'nope')), 'no envelope with id');

      const capped = await traceFlow(backend, keys, first.id, { maxEntries: 3, pageSize: 2 });
      assert.ok(capped.stats.truncated);
      assert.ok(capped.stats.entriesScanned <= 3);
    } finally {
      await opened.cleanup(prefix);
    }
  });

  return s;
}

const memory = traceSuite('[memory]', async () => {
  const backend = new MemoryStreamBackend();
  return { backend, cleanup: async () => void (await backend.close()) };
});
const redis = traceSuite(
  '[redis]',
  async () => {
    const backend = await redisBackend();
    if (!backend) return null;
    return {
      backend,
      cleanup: async (prefix) => {
        await deletePrefix(backend, prefix);
        await backend.close();
      },
    };
  },
  await redisSkipReason(),
);

const hostile = suite('trace query validation');
hostile('empty, over-long and control-character queries are refused with a typed error; glob characters are not', () => {
  for (const q of ['', 'x'.repeat(10_000), 'a\u0000b', 'id\u001b[31m', 'line\nbreak']) {
    try {
      assertTraceQuery(q);
      assert.unreachable(`accepted ${JSON.stringify(q.slice(0, 20))}`);
    } catch (err) {
      assert.ok(isTraceQueryError(err), String(err));
    }
  }
  assertTraceQuery('order:*?[x]');
  assertTraceQuery('é'.repeat(512));
});

const hostileData = suite('[memory] trace reader on hostile stream data');
hostileData('causation cycles, junk entries and terminal escapes neither hang nor throw', async () => {
  const backend = new MemoryStreamBackend();
  const keys = createKeys(uniquePrefix('trace'));
  const a = orderEnvelope('c', {
    id: '00000000-0000-4000-8000-00000000000a',
    correlationId: 'flow-x',
    causationId: '00000000-0000-4000-8000-00000000000b',
    type: 'order.placed',
  });
  const b = { ...a, id: '00000000-0000-4000-8000-00000000000b', causationId: a.id, idempotencyKey: 'k\u001b[2J' };
  await backend.append(keys.topic('order.placed'), encodeEnvelope(a));
  await backend.append(keys.topic('order.placed'), encodeEnvelope(b));
  await backend.append(keys.topic('order.placed'), ['envelope', '{"id": "flow-x", not json']);
  await backend.append(keys.topic('order.placed'), ['envelope', JSON.stringify({ id: 1, correlationId: 'flow-x' })]);
  await backend.append(keys.dlq('order.placed'), ['reason', 'not-json', 'raw', JSON.stringify(['envelope', 'flow-x junk'])]);
  // A group made by hand with a name no actor could have (no retry stream, no marker key).
  await backend.ensureGroup(keys.topic('order.placed'), 'odd group:{x}', '0');
  const result = await traceFlow(backend, keys, 'flow-x');
  assert.is(result.matchedBy, 'correlation-id');
  assert.is(result.stats.envelopes, 2);
  assert.is(result.roots.length, 1);
  assert.is(result.roots[0]!.children.length, 1);
  assert.equal(
    result.roots[0]!.consumers.map((c) => [c.actor, c.outcome]),
    [['odd group:{x}', 'unread']],
  );
  const text = renderTrace(result);
  assert.not.match(text, '\u001b');
  await backend.close();
});

memory.run();
redis.run();
hostile.run();
hostileData.run();

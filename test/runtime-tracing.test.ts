/**
 * OpenTelemetry spans of the runtime. On real Redis, the 3-stage trace pipeline split over two
 * processes, each with the SDK's InMemorySpanExporter: one trace id from the producer's `send`
 * span through every hop, `process` spans parented on (and linked to) the span that created their
 * envelope: by default the emitting `process` span (process A, no `create` spans), with the
 * opt-in `create` spans that span (process B); and the retry, the duplicate and the dead letter as
 * events. Without an SDK: no spans, and the trace context is carried forward unchanged.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { waitUntilDrained } from '../src/actors/runtime/drain.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { isTracingEnabled } from '../src/actors/tracing/otel.js';
import { traceContextForPublish } from '../src/actors/tracing/publish.js';
import { encodeEnvelope, ENVELOPE_FIELD } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { fieldValue, type StreamBackend } from '../src/streams/backend.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { tracePipeline } from './fixtures/trace-pipeline.js';
import { FAST_RUNTIME } from './lead-harness.js';
import { capturingLogger } from './support/quiet-logger.js';
import { deletePrefix, redisBackend, testRedis, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface SpanJson {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  links: { traceId: string; spanId: string }[];
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: number; message?: string };
}

// SpanKind values of @opentelemetry/api.
const KIND = { CLIENT: 2, PRODUCER: 3, CONSUMER: 4 };

function startStage(env: Record<string, string>): { ready: Promise<string>; exit: Promise<number | null>; stop: () => void } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/traced-stage.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  const ready = new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) resolve(out);
    });
    void exit.then((code) => reject(new Error(`stage exited ${code} before ready: ${err}`)));
  });
  return { ready, exit, stop: () => void proc.kill('SIGTERM') };
}

async function envelopesOf(backend: StreamBackend, keys: Keys, topic: string): Promise<Envelope[]> {
  return (await backend.range(keys.topic(topic), '-', '+')).map((e) => JSON.parse(fieldValue(e.fields, ENVELOPE_FIELD)!) as Envelope);
}

const sdk = gated(suite('[redis] OpenTelemetry spans across two processes'), await redisSkipReason());

sdk('one trace id over every hop; parent and link to the creating span; retry, duplicate and dead letter as events', async () => {
  const redis = await testRedis();
  const backend = await redisBackend();
  assert.ok(redis && backend, 'the gated suite has a Redis');
  const prefix = uniquePrefix('otel');
  const keys = createKeys(prefix);
  const dir = mkdtempSync(join(tmpdir(), 'sa-otel-'));
  const base = { REDIS_URL: redis.url, PREFIX: prefix };
  // A: checker with the default spans (no create span per output). B: splitter and packer with create spans on.
  const a = startStage({ ...base, STAGES: 'checker', SPANS_FILE: join(dir, 'a.json'), CONSUMER: 'proc-a', PRODUCE: 'o-1' });
  const b = startStage({ ...base, STAGES: 'splitter,packer', SPANS_FILE: join(dir, 'b.json'), CONSUMER: 'proc-b', CREATE_SPANS: '1' });
  try {
    const [producedLine] = await Promise.all([a.ready, b.ready]);
    const [, firstId, againId] = /produced (\S+) (\S+)/.exec(producedLine)!;
    await waitUntilDrained(backend, keys, tracePipeline(), { timeoutMs: 30_000, pollMs: 20, partitions: 1 });
    a.stop();
    b.stop();
    assert.equal(await Promise.all([a.exit, b.exit]), [0, 0]);
    const spansA = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as SpanJson[];
    const spansB = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as SpanJson[];
    const all = [...spansA, ...spansB];
    const byId = new Map(all.map((s) => [s.spanId, s]));
    const named = (name: string) => all.filter((s) => s.name === name);

    // The producer's send span starts the trace; every hop after it is in the same trace.
    const [send] = named('send order.placed');
    assert.ok(send, 'send span');
    assert.is(send!.kind, KIND.PRODUCER);
    assert.is(send!.attributes['messaging.batch.message_count'], 2);
    const traceId = send!.traceId;
    const flow = all.filter((s) => s.name !== 'settle');
    // send, 2 x process order.placed, process order.checked, 3 x create item.ready, 5 x process item.ready (2 retried), 5 x pack.
    assert.ok(flow.length >= 1 + 2 + 1 + 3 + 5 + 5, `spans: ${flow.map((s) => s.name).join(', ')}`);
    assert.equal([...new Set(flow.map((s) => s.traceId))], [traceId], 'one trace id across both processes');
    assert.ok(
      spansB.some((s) => s.name === 'process order.checked' && s.traceId === traceId),
      'process B continues the trace',
    );

    // process order.placed: child of (and linked to) the send span, with the conventions' attributes.
    const placed = named('process order.placed');
    const processedFirst = placed.find((s) => s.attributes['messaging.message.id'] === firstId)!;
    assert.is(processedFirst.kind, KIND.CONSUMER);
    assert.is(processedFirst.parentSpanId, send!.spanId);
    assert.equal(processedFirst.links, [{ traceId, spanId: send!.spanId }]);
    assert.equal(
      [
        'messaging.system',
        'messaging.operation.type',
        'messaging.destination.name',
        'messaging.consumer.group.name',
        'messaging.destination.partition.id',
        'stream_actors.attempt',
      ].map((k) => processedFirst.attributes[k]),
      ['redis', 'process', 'order.placed', 'checker', '0', 1],
    );
    // The second copy of the order is skipped as a duplicate: an event, no create span under it.
    const dup = placed.find((s) => s.attributes['messaging.message.id'] === againId)!;
    assert.equal(
      dup.events.map((e) => e.name),
      ['duplicate'],
    );
    assert.not.ok(all.some((s) => s.parentSpanId === dup.spanId));

    // Default (A): no create spans; the output carries the checker's process span, which is the
    // parent of (and linked from) the next hop's process span, in the other process.
    assert.not.ok(
      all.some((s) => s.name === 'create order.checked'),
      'no create span by default',
    );
    const [checked] = await envelopesOf(backend, keys, 'order.checked');
    assert.is(checked!.traceparent, `00-${traceId}-${processedFirst.spanId}-01`);
    const [processChecked] = named('process order.checked');
    assert.is(processChecked!.parentSpanId, processedFirst.spanId);
    assert.equal(processChecked!.links, [{ traceId, spanId: processedFirst.spanId }]);

    // create spans on (B): every process item.ready is the child of the create span that made its envelope,
    // itself the child of the process span that emitted it.
    for (const p of named('process item.ready')) {
      const parent = byId.get(p.parentSpanId ?? '');
      assert.ok(parent && parent.name === 'create item.ready', `${p.name} parent ${parent?.name}`);
      assert.is(parent!.kind, KIND.PRODUCER);
      assert.equal(p.links, [{ traceId, spanId: parent!.spanId }]);
      assert.is(parent!.attributes['messaging.message.id'], p.attributes['messaging.message.id']);
      assert.is(parent!.parentSpanId, processChecked!.spanId);
    }

    // The application's own span in the handler nests under the process span.
    const packs = all.filter((s) => s.name.startsWith('pack '));
    assert.is(packs.length, 5);
    for (const pack of packs) {
      assert.is(byId.get(pack.parentSpanId ?? '')?.name, 'process item.ready');
      assert.is(pack.traceId, traceId);
    }

    // Outputs carry their create span's traceparent.
    const items = await envelopesOf(backend, keys, 'item.ready');
    assert.is(items.length, 3);
    for (const item of items) {
      const create = named('create item.ready').find((s) => s.attributes['messaging.message.id'] === item.id)!;
      assert.is(item.traceparent, `00-${traceId}-${create.spanId}-01`);
    }

    // Retry then success for "flaky"; retry then dead letter for "broken": events with reasons.
    const itemSpans = (name: string) => {
      const id = items.find((i) => (i.payload as { item: string }).item === name)!.id;
      return named('process item.ready')
        .filter((s) => s.attributes['messaging.message.id'] === id)
        .sort((x, y) => Number(x.attributes['stream_actors.attempt']) - Number(y.attributes['stream_actors.attempt']));
    };
    const flaky = itemSpans('flaky');
    assert.equal(
      flaky.map((s) => [s.attributes['stream_actors.attempt'], s.events.map((e) => e.name)]),
      [
        [1, ['retry']],
        [2, []],
      ],
    );
    assert.match(String(flaky[0]!.events[0]!.attributes['stream_actors.error']), 'packing table busy');
    assert.is(flaky[0]!.events[0]!.attributes['stream_actors.attempt'], 2);
    assert.is(flaky[0]!.parentSpanId, flaky[1]!.parentSpanId, 'both attempts are children of the same create span');
    const broken = itemSpans('broken');
    assert.equal(
      broken.map((s) => s.events.map((e) => e.name)),
      [['retry'], ['dead-lettered']],
    );
    assert.is(broken[1]!.events[0]!.attributes['stream_actors.reason'], 'handler-error');
    assert.match(String(broken[1]!.events[0]!.attributes['stream_actors.error']), 'cannot pack broken');
    assert.is(broken[1]!.status.code, 2, 'status ERROR');

    // One settle span per committed batch, linking the creation context of what it settled.
    const settles = all.filter((s) => s.name === 'settle');
    assert.ok(settles.length >= 3);
    for (const s of settles) {
      assert.is(s.kind, KIND.CLIENT);
      assert.is(s.parentSpanId, null);
      assert.ok(Number(s.attributes['messaging.batch.message_count']) >= 1);
    }
    assert.ok(
      settles.some((s) => s.links.some((l) => l.spanId === send!.spanId)),
      'the checker batch settle links the send span',
    );
  } finally {
    a.stop();
    b.stop();
    await Promise.all([a.exit, b.exit]);
    rmSync(dir, { recursive: true, force: true });
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

const noSdk = suite('[memory] trace context without an SDK');
const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

noSdk('no spans; derived and emitted outputs carry the input trace context unchanged; a broken one is dropped with a warning', async () => {
  assert.not.ok(isTracingEnabled());
  assert.equal(traceContextForPublish(), {});
  const backend = new MemoryStreamBackend();
  const keys = createKeys(uniquePrefix('notrace'));
  const relay = defineActor({
    name: 'relay',
    consumes: ['job.created'],
    emits: ['job.done', 'job.side'],
    handle: (e, ctx) => {
      ctx.emit(createEnvelope({ type: 'job.side', payload: null, correlationId: e.correlationId }));
      return [ctx.derive('job.done', e.payload)];
    },
  });
  const { logger, lines } = capturingLogger('warn');
  const runtime = new ActorRuntime([relay], { backend, keys, consumer: 'c-0', logger, options: FAST_RUNTIME });
  await runtime.start();
  try {
    const traced = createEnvelope({ type: 'job.created', payload: 1, traceparent: TP, tracestate: 'vendor=abc' });
    const broken = { ...createEnvelope({ type: 'job.created', payload: 2 }), traceparent: 'not-a-traceparent', tracestate: 'x=1' };
    await backend.append(keys.topic('job.created'), encodeEnvelope(traced));
    await backend.append(keys.topic('job.created'), encodeEnvelope(broken as Envelope));
    await waitUntilDrained(backend, keys, [relay], { timeoutMs: 10_000, pollMs: 10, partitions: 1 });
    const done = await envelopesOf(backend, keys, 'job.done');
    const side = await envelopesOf(backend, keys, 'job.side');
    assert.equal(
      done.map((e) => [e.payload, e.traceparent, e.tracestate]),
      [
        [1, TP, 'vendor=abc'],
        [2, undefined, undefined],
      ],
    );
    assert.equal(
      side.map((e) => [e.traceparent, e.tracestate]),
      [
        [TP, 'vendor=abc'],
        [undefined, undefined],
      ],
    );
    assert.equal(await backend.range(keys.dlq('job.created'), '-', '+'), [], 'a broken trace context is never a dead letter');
    const warning = lines().find((l) => l.message === 'dropped invalid trace context');
    assert.ok(warning, 'warned');
    assert.match(JSON.stringify(warning!.dropped), 'traceparent');
  } finally {
    await runtime.stop();
    await backend.close();
  }
});

sdk.run();
noSdk.run();

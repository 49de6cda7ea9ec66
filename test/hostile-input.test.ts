/**
 * Hostile input: thousands of raw entries generated with fast-check and written straight to a
 * topic stream (not through our encoder): non-JSON, wrong types, missing and extra properties,
 * deep nesting, oversized fields, invalid UTF-8 bytes, duplicate keys, no envelope field, another
 * topic's type; interleaved with good envelopes. Every bad entry must land in the DLQ with its
 * reason, the actor must stay up and keep going, every good entry must produce its output, and
 * nothing may stay pending. Run on real Redis and on the memory shim. HOSTILE_SEED repeats a run.
 * Last, `actors ingest` gets hostile JSONL lines: each is ingested, dead-lettered or skipped.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { decodeEntry, ENVELOPE_FIELD } from '../src/envelope/codec.js';
import type { Envelope } from '../src/envelope/types.js';
import { fieldValue, type Append, type StreamBackend } from '../src/streams/backend.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { badEntries, goodEntries, HOSTILE_MAX_ENTRY_BYTES, HOSTILE_TOPIC, toStrings, type HostileCase } from './fixtures/chaos-hostile-entries.js';
import { capturingLogger } from './support/quiet-logger.js';
import { prefixedRedis, redisSkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 7_031_977);
const PER_KIND = 120;
const GOOD = 500;
const OUT_TOPIC = 'hostile.out';

/** The cases in a seeded interleaved order: every bad kind PER_KIND times, GOOD good ones. */
function generate(seed: number): HostileCase[] {
  const cases: HostileCase[] = [];
  Object.values(badEntries).forEach((arb, k) => cases.push(...fc.sample(arb, { seed: seed + k, numRuns: PER_KIND })));
  cases.push(...fc.sample(goodEntries, { seed: seed - 1, numRuns: GOOD }));
  const indices = cases.map((_, i) => i);
  const [order] = fc.sample(fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }), { seed, numRuns: 1 });
  return order!.map((i) => cases[i]!);
}

/** Writes the raw entries in order; byte fields go through the raw ioredis connection as Buffers. */
async function writeRaw(backend: StreamBackend, stream: string, cases: HostileCase[]): Promise<string[]> {
  const ids: string[] = [];
  let run: Append[] = [];
  const flush = async (): Promise<void> => {
    if (run.length) ids.push(...(await backend.appendMany(run)));
    run = [];
  };
  for (const c of cases) {
    const binary = c.fields.some((f) => typeof f !== 'string');
    if (binary && backend instanceof RedisStreamBackend) {
      await flush();
      ids.push((await backend.connection.xadd(stream, '*', ...c.fields.map((f) => (typeof f === 'string' ? f : Buffer.from(f))))) as string);
      continue;
    }
    run.push({ stream, fields: toStrings(c.fields) });
    if (run.length >= 200) await flush();
  }
  await flush();
  return ids;
}

type Factory = () => Promise<{ backend: StreamBackend; prefix: string; cleanup(): Promise<void> } | null>;

function hostileSuite(name: string, factory: Factory, skipReason: string | null = null): void {
  const s = gated(suite(`[${name}] hostile input`), skipReason);

  s('every bad entry is dead-lettered with its reason, the actor stays up, every good entry flows', async () => {
    const made = await factory();
    assert.ok(made, 'backend');
    const { backend, prefix } = made;
    const keys: Keys = createKeys(prefix);
    const { logger, lines } = capturingLogger('warn');
    const actor = defineActor({
      name: 'hostile',
      consumes: [HOSTILE_TOPIC],
      emits: [OUT_TOPIC],
      maxEntryBytes: HOSTILE_MAX_ENTRY_BYTES,
      claimIdleMs: 60_000,
      handle: (_env, ctx) => [ctx.derive(OUT_TOPIC, null)],
    });
    const runtime = new ActorRuntime([actor], {
      backend,
      keys,
      consumer: 'hostile-0',
      logger,
      options: { blockMs: 50, promoteIntervalMs: 20, trimIntervalMs: 0, errorBackoffMs: 20 },
    });
    try {
      await runtime.start();
      const cases = generate(SEED);
      const stream = keys.topic(HOSTILE_TOPIC);
      const ids = await writeRaw(backend, stream, cases);
      const badCount = cases.filter((c) => c.expect !== 'good').length;
      const goodCount = cases.length - badCount;
      console.log(`  ${name}: ${cases.length} raw entries (${badCount} bad of ${Object.keys(badEntries).length} kinds, ${goodCount} good), seed ${SEED}`);

      const length = async (key: string): Promise<number> => (await backend.streamInfo(key))?.length ?? 0;
      await waitFor(
        'every entry handled',
        async () => (await length(keys.dlq(HOSTILE_TOPIC))) >= badCount && (await length(keys.topic(OUT_TOPIC))) >= goodCount,
        60_000,
        50,
      );
      await waitFor('nothing pending', async () => (await backend.pendingSummary(stream, 'hostile')).count === 0, 10_000);
      assert.ok(runtime.running, 'the actor is still running');

      const dead = new Map(
        (await backend.range(keys.dlq(HOSTILE_TOPIC), '-', '+')).map((e) => [parseDeadLetter(e.id, e.fields).sourceId, parseDeadLetter(e.id, e.fields)]),
      );
      assert.is(dead.size, badCount, 'one DLQ entry per bad entry, no more');
      const wrong: string[] = [];
      cases.forEach((c, i) => {
        const d = dead.get(ids[i]!);
        if (c.expect === 'good') {
          if (d) wrong.push(`${c.kind}: good entry dead-lettered (${d.reason}: ${d.error.slice(0, 120)})`);
        } else if (!d) wrong.push(`${c.kind}: not dead-lettered`);
        else if (d.reason !== c.expect || d.error === '' || d.actor !== 'hostile' || d.source !== stream || (!d.raw && !d.envelope)) {
          wrong.push(`${c.kind}: expected ${c.expect}, got ${d.reason} (${d.error.slice(0, 120)})`);
        }
      });
      assert.equal(wrong.slice(0, 10), [], `${wrong.length} entries were not handled as expected`);

      const outputs = new Map<string, number>();
      for (const e of await backend.range(keys.topic(OUT_TOPIC), '-', '+')) {
        const env = JSON.parse(fieldValue(e.fields, ENVELOPE_FIELD)!) as Envelope;
        outputs.set(env.correlationId, (outputs.get(env.correlationId) ?? 0) + 1);
      }
      const missing = cases.filter((c) => c.expect === 'good' && outputs.get(c.correlationId!) !== 1).map((c) => c.kind);
      assert.equal(missing.slice(0, 10), [], `${missing.length} good entries without exactly one output`);
      assert.is(outputs.size, goodCount, 'no output for anything but the good entries');

      for (const s of runtime.streams) assert.is((await backend.pendingSummary(s, 'hostile')).count, 0, `PEL of ${s} empty`);
      assert.not.ok(
        lines().some((l) => String(l.message).startsWith('actor loop error')),
        'no batch ever failed as a whole',
      );
      assert.is(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution from __proto__ keys');
    } finally {
      await runtime.stop();
      await made.cleanup();
    }
  });

  s.run();
}

hostileSuite('memory', async () => {
  const backend = new MemoryStreamBackend();
  return { backend, prefix: uniquePrefix('hostile'), cleanup: () => backend.close() };
});

hostileSuite('redis', () => prefixedRedis('hostile'), await redisSkipReason());

const ingest = suite('[memory] hostile input: actors ingest lines');

ingest('every JSONL line is ingested as an envelope, dead-lettered as not-json, or skipped as blank', async () => {
  const line = fc
    .oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((o) => JSON.stringify(o)),
      fc.constantFrom('', '   \r', '{', '[]', 'null', '"mail"', '{"__proto__":{"polluted":true}}', `{"messageId":"${'m'.repeat(20_000)}"}`, 'x'.repeat(40_000)),
    )
    .filter((l) => !l.includes('\n'));
  const lines = fc.sample(line, { seed: SEED, numRuns: 1_500 });
  const expected = { ingested: 0, rejected: 0, blank: 0 };
  for (const raw of lines) {
    const l = raw.replace(/\r$/, '');
    if (l.trim() === '') expected.blank += 1;
    else {
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch {
        v = undefined;
      }
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) expected.ingested += 1;
      else expected.rejected += 1;
    }
  }
  const backend = new MemoryStreamBackend();
  const keys = createKeys('ingest');
  try {
    const result = await ingestEmails(backend, keys, lines, { source: 'hostile.jsonl' });
    assert.equal({ ingested: result.ingested, rejected: result.rejected.length, blank: result.blank }, expected);
    const topic = await backend.range(keys.topic('email.received'), '-', '+');
    assert.is(topic.length, expected.ingested, 'one envelope per JSON object line');
    assert.ok(
      topic.every((e) => decodeEntry(e.fields, { maxBytes: 1 << 24 }).ok),
      'every ingested entry is a valid envelope',
    );
    const dead = (await backend.range(keys.dlq('email.received'), '-', '+')).map((e) => parseDeadLetter(e.id, e.fields));
    assert.is(dead.length, expected.rejected, 'one dead letter per other line');
    assert.ok(
      dead.every((d) => d.reason === 'not-json' && d.error !== '' && (d.raw?.[0]?.length ?? 0) <= 16_384),
      'with the reason and a bounded copy of the line',
    );
    assert.is(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  } finally {
    await backend.close();
  }
});

ingest.run();

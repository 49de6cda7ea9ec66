/**
 * streams-dlq against planted and hostile dead letters on a real Redis (issue 12, findings 4 and 5):
 * replay recomputes its target under the prefix and refuses per entry (outside the prefix, not a
 * stream, not an envelope, too deep); every run ends with a moved/refused/failed report, also when
 * Redis goes away half way; show and replay survive an envelope nested 10,000 deep.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterFields, type DeadLetter } from '../src/actors/runtime/dead-letter.js';
import { executeReplay, planReplay, summarizeReplay } from '../src/cli/dlq/replay.js';
import { selectDeadLetters } from '../src/cli/dlq/select.js';
import { streamsDlq, type StreamsDlqArgs } from '../src/cli/dlq/command.js';
import type { CliIO } from '../src/cli/common.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import type { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { deletePrefix, redisBackend, testRedis, uniquePrefix } from './support/redis.js';

const T = 'order.placed';

interface Ctx {
  backend: RedisStreamBackend;
  keys: Keys;
  url: string;
  put(topic: string, d: Partial<DeadLetter>, extra?: string[]): Promise<string>;
  run(args: Partial<StreamsDlqArgs>): Promise<{ code: number; out: string }>;
}

async function withDlq(fn: (c: Ctx) => Promise<void>): Promise<void> {
  const backend = await redisBackend();
  if (!backend) return;
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('dh');
  const keys = createKeys(prefix);
  const base: DeadLetter = {
    reason: 'handler-error',
    error: 'x',
    attempts: 5,
    actor: 'billing',
    source: keys.topic(T),
    sourceId: '1-0',
    failedAtMs: Date.now(),
  };
  try {
    await fn({
      backend,
      keys,
      url,
      put: (topic, d, extra = []) => backend.append(keys.dlq(topic), [...deadLetterFields({ ...base, ...d }), ...extra]),
      run: async (args) => {
        const lines: string[] = [];
        const io: CliIO = { out: (t) => lines.push(t), err: (t) => lines.push(t), isTTY: false };
        const code = await streamsDlq(
          { action: 'list', filter: {}, dryRun: false, yes: false, redisUrl: url, prefix, json: true, ...args } as StreamsDlqArgs,
          io,
        );
        return { code, out: lines.join('\n') };
      },
    });
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
}

const env = (type = T): Envelope => ({ ...createEnvelope({ type, payload: { n: 1 } }), attempt: 5 });
const deep = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

const s = suite('streams-dlq with hostile dead letters (redis)');

s('finding 4: a dead letter planted with a source outside the prefix is refused; nothing is written outside', async () => {
  await withDlq(async (c) => {
    const outside = `other${Date.now()}:stream`;
    const planted = await c.put(T, { source: outside, envelope: env() });
    const otherPrefix = createKeys(`${c.keys.prefix}x`).topic(T);
    const planted2 = await c.put(T, { source: otherPrefix, envelope: env() });
    const good = await c.put(T, { source: c.keys.topic(T), envelope: env() });
    const { code, out } = await c.run({ action: 'replay' });
    assert.is(code, 1, 'a refused entry makes the exit status 1');
    const report = JSON.parse(out) as { moved: number; refused: number; failed: number; outcomes: { id: string; status: string; detail?: string }[] };
    assert.equal([report.moved, report.refused, report.failed], [1, 2, 0]);
    assert.match(report.outcomes.find((o) => o.id === planted)!.detail!, /not a stream under prefix/);
    assert.match(report.outcomes.find((o) => o.id === planted2)!.detail!, /not a stream under prefix/);
    assert.is(await c.backend.connection.exists(outside, otherPrefix), 0, 'nothing written outside the prefix');
    assert.equal(
      (await c.backend.range(c.keys.dlq(T), '-', '+')).map((e) => e.id),
      [planted, planted2],
      'refused entries stay in the DLQ',
    );
    assert.is((await c.backend.range(c.keys.topic(T), '-', '+')).length, 1);
    assert.ok(good);
  });
});

s('finding 4: non-envelopes are refused per entry ("hello" never comes back as {"0":"h",...})', async () => {
  await withDlq(async (c) => {
    const hello = await c.put(T, { source: c.keys.topic(T) }, ['envelope', '"hello"']);
    const otherType = await c.put(T, { source: c.keys.topic(T), envelope: env('lead.enriched') });
    const { code, out } = await c.run({ action: 'replay' });
    assert.is(code, 1);
    const report = JSON.parse(out) as { refused: number; outcomes: { id: string; detail?: string }[] };
    assert.is(report.refused, 2);
    assert.match(report.outcomes.find((o) => o.id === hello)!.detail!, /not an envelope/);
    assert.match(report.outcomes.find((o) => o.id === otherType)!.detail!, /type lead.enriched in the DLQ of topic order.placed/);
    assert.is(await c.backend.streamInfo(c.keys.topic(T)), null, 'nothing replayed');
  });
});

s('finding 4: a target of the wrong type refuses its entries only; the others move and the report lists all', async () => {
  await withDlq(async (c) => {
    await c.backend.connection.set(c.keys.topic('bad.t'), 'not a stream');
    const bad = [
      await c.put('bad.t', { source: c.keys.topic('bad.t'), envelope: env('bad.t') }),
      await c.put('bad.t', { source: c.keys.topic('bad.t'), envelope: env('bad.t') }),
    ];
    for (let i = 0; i < 7; i++) await c.put(T, { source: c.keys.topic(T), envelope: env() });
    const { code, out } = await c.run({ action: 'replay' });
    assert.is(code, 1);
    const report = JSON.parse(out) as { moved: number; refused: number; failed: number; outcomes: { id: string; status: string; detail?: string }[] };
    assert.equal([report.moved, report.refused, report.failed, report.outcomes.length], [7, 2, 0, 9]);
    for (const id of bad) assert.match(report.outcomes.find((o) => o.id === id)!.detail!, /not a stream/);
    assert.is((await c.backend.range(c.keys.topic(T), '-', '+')).length, 7);
    assert.is((await c.backend.range(c.keys.dlq('bad.t'), '-', '+')).length, 2, 'refused entries stay in their DLQ');
  });
});

s('finding 5: an envelope nested 10,000 deep: show prints the entry without it, replay refuses it', async () => {
  await withDlq(async (c) => {
    const id = await c.put(T, { source: c.keys.topic(T) }, ['envelope', deep(10_000)]);
    const show = await c.run({ action: 'show', id });
    assert.is(show.code, 0, show.out);
    const shown = JSON.parse(show.out) as { envelope?: unknown; undecodable?: string };
    assert.is(shown.envelope, undefined);
    assert.match(shown.undecodable!, /deeper than 128 levels/);
    const redacted = await c.run({ action: 'show', id, raw: true });
    assert.is(redacted.code, 0);
    const replay = await c.run({ action: 'replay' });
    assert.is(replay.code, 1);
    assert.match(replay.out, /envelope not decodable/);
    assert.is((await c.backend.range(c.keys.dlq(T), '-', '+')).length, 1);
  });
});

s('a replay that loses Redis half way still returns a full report; each entry is moved or still in the DLQ, never both', async () => {
  await withDlq(async (c) => {
    await c.backend.appendMany(
      Array.from({ length: 600 }, () => ({
        stream: c.keys.dlq(T),
        fields: deadLetterFields({
          reason: 'handler-error',
          error: 'x',
          attempts: 5,
          actor: 'billing',
          source: c.keys.topic(T),
          sourceId: '1-0',
          failedAtMs: Date.now(),
          envelope: env(),
        }),
      })),
    );
    const sel = await selectDeadLetters(c.backend, c.keys, {}, Date.now());
    const plan = planReplay(sel.items, c.keys);
    const other = await redisBackend();
    try {
      await other!.connect();
      other!.connection.disconnect();
      const outcomes = await executeReplay(other!, plan);
      const sum = summarizeReplay(outcomes);
      assert.equal(sum, { moved: 0, refused: 0, failed: 600, gone: 0 });
      assert.match(outcomes[0]!.detail!, /outcome unknown/);
      assert.match(outcomes[599]!.detail!, /not attempted/);
    } finally {
      await other!.close();
    }
    const left = (await c.backend.streamInfo(c.keys.dlq(T)))!.length;
    const moved = (await c.backend.streamInfo(c.keys.topic(T)))?.length ?? 0;
    assert.is(left + moved, 600, 'every entry in exactly one place');
  });
});

s.run();

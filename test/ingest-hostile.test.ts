/**
 * `actors ingest` against hostile lines on a real Redis (issue 12, finding 5): a line nested 200
 * or 10,000 deep, or too big, goes to the DLQ with its reason and line number; the valid lines
 * before and after it are written, and the run completes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TOPICS } from '../src/actors/lead/topics.js';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { decodeEntry } from '../src/envelope/codec.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { createKeys } from '../src/streams/keys.js';
import { prefixedRedis } from './support/redis.js';

const email = (i: number): string => JSON.stringify({ messageId: `m-${i}@mail.example`, from: `p${i}@acme.example`, subject: 's', body: 'b' });
const nestedMail = (depth: number): string =>
  JSON.stringify({ messageId: 'deep@mail.example', from: 'x@acme.example' }).replace(/}$/, `,"body":${'['.repeat(depth)}${']'.repeat(depth)}}`);

const s = suite('actors ingest with hostile lines (redis)');

s('a 200-deep, a 10,000-deep and an oversized line are dead-lettered with reasons; valid lines before and after are written', async () => {
  const made = await prefixedRedis('ingh');
  if (!made) return;
  const { backend, prefix, cleanup } = made;
  const keys = createKeys(prefix);
  try {
    const lines = [
      email(1),
      nestedMail(200),
      email(2),
      nestedMail(10_000),
      email(3),
      nestedMail(127),
      JSON.stringify({ messageId: 'big', body: 'x'.repeat(40_000) }),
      email(4),
    ];
    const r = await ingestEmails(backend, keys, lines, { source: 'hostile.jsonl', limits: { maxBytes: 30_000 }, batchSize: 2 });
    assert.is(r.ingested, 4, 'the four valid mails');
    assert.equal(
      r.rejected.map((x) => [x.line, x.reason]),
      [
        [2, 'oversized'],
        [4, 'oversized'],
        [6, 'invalid-envelope'],
        [7, 'oversized'],
      ],
    );
    const topic = await backend.range(keys.topic(TOPICS.emailReceived), '-', '+');
    assert.equal(
      topic.map((e) => {
        const d = decodeEntry(e.fields);
        return d.ok ? (d.envelope.payload as { messageId: string }).messageId : 'bad';
      }),
      [1, 2, 3, 4].map((i) => `m-${i}@mail.example`),
      'in order, before and after the bad lines',
    );
    const dead = (await backend.range(keys.dlq(TOPICS.emailReceived), '-', '+')).map((e) => parseDeadLetter(e.id, e.fields));
    assert.equal(
      dead.map((d) => d.sourceId),
      ['2', '4', '6', '7'],
    );
    assert.match(dead[0]!.error, /deeper than 128 levels/);
    assert.match(dead[1]!.error, /deeper than 128 levels/);
    assert.match(dead[2]!.error, /must not nest deeper/);
    assert.match(dead[3]!.error, /limit 30000/);
  } finally {
    await cleanup();
  }
});

s.run();

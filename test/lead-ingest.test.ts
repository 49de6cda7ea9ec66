import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TOPICS } from '../src/actors/lead/topics.js';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { ENVELOPE_FIELD } from '../src/envelope/codec.js';
import type { Envelope } from '../src/envelope/types.js';
import { validateEnvelope } from '../src/envelope/validate.js';
import { emailIdempotencyKey, ingestEmails, jsonlLines } from '../src/actors/lead/pipeline/ingest.js';
import { fieldValue, type Append } from '../src/streams/backend.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { uniquePrefix } from './support/redis.js';

/** The memory shim, counting round trips. */
class CountingBackend extends MemoryStreamBackend {
  appendManyCalls: number[] = [];
  appendCalls = 0;
  override appendMany(entries: Append[]): Promise<string[]> {
    this.appendManyCalls.push(entries.length);
    return super.appendMany(entries);
  }
  override append(stream: string, fields: string[]): Promise<string> {
    this.appendCalls += 1;
    return super.append(stream, fields);
  }
}

const email = (i: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({ messageId: `m-${i}@mail.example`, from: `Person${i}@Acme.example`, to: 'spring@campaigns.example', subject: 's', body: 'b', ...over });

const s = suite('ingestEmails');

s('each JSON line becomes a valid email.received envelope: key = messageId, partition = sender', async () => {
  const backend = new CountingBackend();
  const keys = createKeys(uniquePrefix('ing'));
  const r = await ingestEmails(backend, keys, [email(1), email(2)], { source: 'inbox.jsonl' });
  assert.equal(r, { ingested: 2, duplicates: 0, rejected: [], blank: 0 });
  const entries = await backend.range(keys.topic(TOPICS.emailReceived), '-', '+');
  const envs = entries.map((e) => JSON.parse(fieldValue(e.fields, ENVELOPE_FIELD)!) as Envelope);
  assert.ok(envs.every((e) => validateEnvelope(e).ok));
  assert.equal(
    envs.map((e) => [e.type, e.idempotencyKey, e.partitionKey, e.metadata.source]),
    [
      ['email.received', 'm-1@mail.example', 'person1@acme.example', 'ingest:inbox.jsonl'],
      ['email.received', 'm-2@mail.example', 'person2@acme.example', 'ingest:inbox.jsonl'],
    ],
  );
  assert.not.equal(envs[0]!.correlationId, envs[1]!.correlationId, 'each mail starts its own flow');
});

s('batched: one appendMany per batch, never one round trip per message', async () => {
  const backend = new CountingBackend();
  const keys = createKeys(uniquePrefix('ing'));
  const lines = Array.from({ length: 1_050 }, (_, i) => email(i));
  const r = await ingestEmails(backend, keys, lines, { source: 'x', batchSize: 500 });
  assert.is(r.ingested, 1_050);
  assert.equal(backend.appendManyCalls, [500, 500, 50]);
  assert.is(backend.appendCalls, 0);
});

s('lines that are not JSON objects go to the DLQ with their line number; JSON non-emails are ingested', async () => {
  const backend = new CountingBackend();
  const keys = createKeys(uniquePrefix('ing'));
  const lines = [email(1), '{"messageId": "broken', '', '[1, 2]', JSON.stringify({ from: 'x@y.example' }), 'null'];
  const r = await ingestEmails(backend, keys, lines, { source: 'inbox.jsonl' });
  assert.is(r.ingested, 2, 'the valid mail and the JSON object missing fields');
  assert.is(r.blank, 1);
  assert.equal(
    r.rejected.map((x) => [x.line, x.reason]),
    [
      [2, 'not-json'],
      [4, 'not-json'],
      [6, 'not-json'],
    ],
  );
  assert.match(r.rejected[1]!.error, /line 4: a JSON array, not an email object/);
  const dlq = (await backend.range(keys.dlq(TOPICS.emailReceived), '-', '+')).map((e) => parseDeadLetter(e.id, e.fields));
  assert.equal(
    dlq.map((d) => [d.reason, d.actor, d.sourceId, d.attempts]),
    [
      ['not-json', 'ingest', '2', 0],
      ['not-json', 'ingest', '4', 0],
      ['not-json', 'ingest', '6', 0],
    ],
  );
  assert.equal(dlq[0]!.raw, ['{"messageId": "broken']);
  assert.match(dlq[0]!.error, /^line 2: not JSON/);
  // The object without a messageId still gets a stable idempotency key (a hash of its content).
  assert.match(emailIdempotencyKey({ from: 'x@y.example' }), /^sha256:[0-9a-f]{64}$/);
  assert.is(emailIdempotencyKey({ from: 'x@y.example' }), emailIdempotencyKey({ from: 'x@y.example' }));
});

s('repeated message ids are counted, and still written (the campaign manager skips them)', async () => {
  const backend = new CountingBackend();
  const keys = createKeys(uniquePrefix('ing'));
  const r = await ingestEmails(backend, keys, [email(1), email(2), email(1), email(1)], { source: 'x' });
  assert.equal([r.ingested, r.duplicates], [4, 2]);
});

s('takes async iterables (a file read line by line)', async () => {
  const backend = new CountingBackend();
  const keys = createKeys(uniquePrefix('ing'));
  async function* lines() {
    yield email(1);
    yield `${email(2)}\r`;
  }
  const r = await ingestEmails(backend, keys, lines(), { source: 'stream' });
  assert.is(r.ingested, 2);
  assert.equal(jsonlLines('a\nb\n'), ['a', 'b']);
});

s.run();

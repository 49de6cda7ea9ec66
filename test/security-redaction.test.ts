/**
 * Redaction end to end: a handler fails with an error whose text carries a bearer token, a
 * password inside a connection URL and an email address. After the retries and the DLQ, neither
 * the DLQ entry's `error` field, nor any log line, nor the metrics page holds any of them. Run on
 * the memory shim and on real Redis (the DLQ text goes through the commit script there).
 */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { PermanentError } from '../src/actors/errors.js';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { StreamBackend } from '../src/streams/backend.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { capturingLogger } from './support/quiet-logger.js';
import { prefixedRedis, redisSkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

/** Secrets made at run time (nothing credential-like is written in this file). */
function secrets(): { token: string; password: string; email: string } {
  return {
    token: `${randomBytes(4).toString('hex')}.${randomBytes(18).toString('base64url')}`,
    password: `pw${randomBytes(12).toString('hex')}`,
    email: `jane.${randomBytes(4).toString('hex')}@example.com`,
  };
}

type Factory = () => Promise<{ backend: StreamBackend; prefix: string; cleanup(): Promise<void> } | null>;

function redactionSuite(name: string, factory: Factory, skipReason: string | null = null): void {
  const s = gated(suite(`[${name}] security: redaction of logs and DLQ text`), skipReason);

  s('a failing handler leaks no token, password or email into the DLQ, the logs or the metrics', async () => {
    const made = await factory();
    assert.ok(made, 'backend');
    const { backend, prefix } = made;
    const keys = createKeys(prefix);
    const sec = secrets();
    const { logger, lines } = capturingLogger('debug');
    const leaky = (permanent: boolean): Error => {
      const text = `upstream refused: Authorization: Bearer ${sec.token} calling postgres://app:${sec.password}@db.internal:5432/leads for ${sec.email}`;
      return permanent ? new PermanentError(text) : new Error(text);
    };
    const actor = defineActor({
      name: 'leaky',
      consumes: ['secret.in'],
      emits: [],
      maxAttempts: 3,
      backoff: { initialMs: 10, maxMs: 20, multiplier: 2, jitter: 0 },
      handle: (env, ctx) => {
        ctx.logger.warn(`about to call the API for ${sec.email}`, {
          authorization: `Bearer ${sec.token}`,
          dsn: `postgres://app:${sec.password}@db.internal/leads`,
        });
        throw leaky((env.payload as { permanent: boolean }).permanent);
      },
    });
    const runtime = new ActorRuntime([actor], {
      backend,
      keys,
      consumer: 'redact-0',
      logger,
      options: { blockMs: 50, promoteIntervalMs: 10, trimIntervalMs: 0 },
    });
    try {
      await runtime.start();
      await backend.appendMany(
        [true, false].map((permanent) => ({
          stream: keys.topic('secret.in'),
          fields: encodeEnvelope(createEnvelope({ type: 'secret.in', payload: { permanent } })),
        })),
      );
      const dead = await waitFor('two dead letters', async () => {
        const entries = await backend.range(keys.dlq('secret.in'), '-', '+');
        return entries.length === 2 ? entries.map((e) => parseDeadLetter(e.id, e.fields)) : null;
      });
      await runtime.stop();
      assert.equal(dead.map((d) => d.attempts).sort(), [1, 3], 'one dead-lettered at once, one after its retries');
      const texts = {
        dlq: dead.map((d) => d.error).join('\n'),
        logs: lines()
          .map((l) => JSON.stringify(l))
          .join('\n'),
        metrics: await runtime.registry.metrics(),
      };
      assert.ok(lines().length >= 5, 'the failures were logged');
      for (const [where, text] of Object.entries(texts)) {
        for (const [what, secret] of Object.entries(sec)) assert.not.ok(text.includes(secret), `no ${what} in the ${where}`);
      }
      // Still useful to a reader: the error says what happened, masked where it matters.
      assert.match(texts.dlq, /upstream refused/);
      assert.match(texts.dlq, /\[REDACTED\]/);
      assert.match(texts.dlq, /j\*\*\*@example\.com/);
    } finally {
      await runtime.stop();
      await made.cleanup();
    }
  });

  s.run();
}

redactionSuite('memory', async () => {
  const backend = new MemoryStreamBackend();
  return { backend, prefix: uniquePrefix('redact'), cleanup: () => backend.close() };
});

redactionSuite('redis', () => prefixedRedis('redact'), await redisSkipReason());

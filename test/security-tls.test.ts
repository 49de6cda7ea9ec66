/**
 * rediss:// against a redis-server that listens on TLS only, with a certificate made at test time
 * (test/support/tls.ts). Verification is on by default: with the test CA (`tlsCa`) an actor runs
 * end to end; without it the connection fails with a certificate error. A counted skip when
 * there is no redis-server or openssl; with REQUIRE_REDIS=1 a skip is allowed only when the
 * redis-server build itself lacks TLS.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { createKeys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { capturingLogger } from './support/quiet-logger.js';
import { redisBinarySkipReason } from './support/redis.js';
import { gated, unavailable } from './support/skip.js';
import { hasOpenssl, makeTestCertificates, startTlsRedis, TlsUnavailableError, type TestCertificates, type TlsRedis } from './support/tls.js';
import { waitFor } from './support/wait.js';

/** Certificates and a TLS server, or why there cannot be one (a failure under REQUIRE_REDIS=1, except a build without TLS). */
async function setup(): Promise<{ certs: TestCertificates; server: TlsRedis } | string> {
  const noBinary = redisBinarySkipReason();
  if (noBinary) return noBinary;
  const noOpenssl = unavailable('redis', hasOpenssl(), 'the openssl CLI is needed to make the test certificate (apt-get install openssl)');
  if (noOpenssl) return noOpenssl;
  const certs = makeTestCertificates();
  try {
    return { certs, server: await startTlsRedis(certs) };
  } catch (err) {
    certs.dispose();
    if (err instanceof TlsUnavailableError && err.buildLacksTls) return `this redis-server build has no TLS (${err.message})`;
    throw err;
  }
}

/** Connects and returns the failure, with the socket error ioredis reported (the backend's own message says only "Connection is closed"). */
async function connectError(backend: RedisStreamBackend): Promise<{ error: Error; socketErrors: string[] } | null> {
  const socketErrors: string[] = [];
  backend.connection.on('error', (err: Error & { code?: string }) => socketErrors.push(`${err.code ?? ''} ${err.message}`));
  try {
    await backend.connect();
    return null;
  } catch (err) {
    return { error: err as Error, socketErrors };
  } finally {
    await backend.close();
  }
}

// Known before the tests are registered, so a missing piece is a counted skip; the server lives until the test ends.
const env = await setup();
const s = gated(suite('security: rediss:// with certificate verification'), typeof env === 'string' ? env : null);

s('with the test CA an actor runs end to end over TLS; without it the certificate is refused', async () => {
  assert.ok(typeof env !== 'string', 'a TLS server');
  const { certs, server } = env;
  const keys = createKeys('tls');
  const backend = new RedisStreamBackend({ url: server.url, tlsCa: certs.caPem, maxRetriesPerRequest: 2 });
  const runtime = new ActorRuntime(
    [defineActor({ name: 'relay', consumes: ['tls.in'], emits: ['tls.out'], handle: (e, ctx) => [ctx.derive('tls.out', e.payload)] })],
    { backend, keys, consumer: 'tls-0', logger: capturingLogger().logger, options: { blockMs: 50, trimIntervalMs: 0 } },
  );
  try {
    await runtime.start();
    await backend.appendMany(
      Array.from({ length: 20 }, (_, i) => ({ stream: keys.topic('tls.in'), fields: encodeEnvelope(createEnvelope({ type: 'tls.in', payload: { i } })) })),
    );
    await waitFor('20 outputs over TLS', async () => (await backend.streamInfo(keys.topic('tls.out')))?.length === 20, 10_000);
    assert.is((await backend.pendingSummary(keys.topic('tls.in'), 'relay')).count, 0);
    await runtime.stop();

    // No CA: Node's default trust store does not know the test CA, and verification is on by default.
    const unverified = await connectError(new RedisStreamBackend({ url: server.url, maxRetriesPerRequest: 0, connectTimeoutMs: 2_000 }));
    assert.ok(unverified, 'connecting without the CA fails');
    assert.match(unverified!.socketErrors.join('\n'), /SELF_SIGNED_CERT_IN_CHAIN|self-signed certificate|unable to verify/i, 'it fails on the certificate');

    // A name the certificate does not cover is refused too, even with the CA.
    const wrongName = await connectError(
      new RedisStreamBackend({ url: server.url.replace('127.0.0.1', '127.0.0.2'), tlsCa: certs.caPem, maxRetriesPerRequest: 0, connectTimeoutMs: 2_000 }),
    );
    assert.ok(wrongName, 'a host name outside the certificate fails');
    assert.match(wrongName!.socketErrors.join('\n'), /ERR_TLS_CERT_ALTNAME_INVALID|altnames/i, 'it fails on the name check');

    // Plain redis:// to the TLS port gets nowhere.
    assert.ok(
      await connectError(new RedisStreamBackend({ url: server.url.replace('rediss:', 'redis:'), maxRetriesPerRequest: 0, connectTimeoutMs: 1_000 })),
      'no plaintext',
    );
  } finally {
    await runtime.stop();
    await backend.close();
    await server.stop();
    certs.dispose();
  }
});

s.run();

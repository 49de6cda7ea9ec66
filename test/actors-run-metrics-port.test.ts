/**
 * `actors run --metrics-port`: a port out of range or in use is a usage error found before the
 * runtime starts (exit 2, one line), and nothing is left registered in Redis (no consumer, which
 * would otherwise sit in the group until someone deleted it). Real Redis, real child process.
 */
import { createServer, type Server } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createKeys } from '../src/streams/keys.js';
import { runCli } from './support/cli.js';
import { deletePrefix, redisBackend, testRedis, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';

const s = suite('actors run --metrics-port (real Redis)');

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

gated(s, await redisSkipReason())('out of range or in use: exit 2, one line, and no consumer or group left in Redis', async () => {
  const backend = await redisBackend();
  if (!backend) throw new Error('the gated suite has a Redis');
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('mport');
  const keys = createKeys(prefix);
  const env = { REDIS_URL: url, STREAMS_PREFIX: prefix, DATABASE_URL: '', SUPABASE_URL: '' };
  const busy = await listen();
  try {
    const [range, inUse] = await Promise.all([
      runCli('actors', ['run', 'rag-agent', '--metrics-port', '99999'], { env }),
      runCli('actors', ['run', 'rag-agent', '--metrics-port', String(busy.port)], { env }),
    ]);
    assert.is(range.code, 2, range.stderr);
    assert.match(range.stderr, /--metrics-port must be an integer from 0 to 65535, got "99999"/);
    assert.is(inUse.code, 2, inUse.stderr);
    assert.match(inUse.stderr, new RegExp(`--metrics-port ${busy.port} is in use; nothing was started`));
    for (const r of [range, inUse]) assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    const stream = keys.topic('rag.request');
    const groups = (await backend.streamInfo(stream)) ? await backend.groups(stream) : [];
    const consumers = (await Promise.all(groups.map((g) => backend.consumers(stream, g.name)))).flat();
    assert.equal(consumers, [], 'no consumer registered by a start that failed');
  } finally {
    busy.server.close();
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s.run();

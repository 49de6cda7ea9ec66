/**
 * A Redis outage under `actors run` is logged when it starts and when it ends, once each (not
 * silent until it is over, not one line per retry). A real redis-server killed and restarted on
 * the same port under a real `actors run` process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasRedisServerBinary, RedisServer } from './support/redis-server.js';
import { uniquePrefix } from './support/redis.js';
import { waitFor } from './support/wait.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const s = suite('actors run: Redis outage in the logs');

const count = (text: string, needle: string): number => text.split(needle).length - 1;

s('connection lost is logged once when Redis goes away, restored once when it is back', async () => {
  if (!hasRedisServerBinary()) return;
  const server = await RedisServer.start();
  const env = { ...process.env, REDIS_URL: server.url, STREAMS_PREFIX: uniquePrefix('outage'), PERSISTENCE_ADAPTER: 'memory', DATABASE_URL: '' };
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bin/actors.ts', 'run', 'rag-agent', '--log-level', 'info'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  proc.stdout!.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  try {
    await waitFor('running', async () => err.includes('actors: running'), 30_000);
    await server.stop('SIGKILL');
    await waitFor('lost logged', async () => err.includes('redis connection lost'), 20_000);
    await server.restart('SIGTERM');
    await waitFor('restored logged', async () => err.includes('redis connection restored'), 30_000);
    assert.is(count(err, 'redis connection lost'), 1, err);
    assert.is(count(err, 'redis connection restored'), 1, err);
    proc.kill('SIGTERM');
    assert.is(await exited, 0, err);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await server.dispose();
  }
});

s.run();

/**
 * Tables have colour only on a terminal and never with NO_COLOR: streams-health run on a real
 * pseudo-terminal (util-linux `script`) against real Redis, with and without NO_COLOR, and with
 * stdout redirected.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { useColor } from '../src/cli/common.js';
import { createKeys } from '../src/streams/keys.js';
import { runCli } from './support/cli.js';
import { deletePrefix, redisBackend, testRedis, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BOLD = '\x1b[1m';
const s = suite('NO_COLOR and non-TTY output');

s('useColor: a terminal without NO_COLOR only', () => {
  assert.is(useColor(true, {}), true);
  assert.is(useColor(true, { NO_COLOR: '1' }), false);
  assert.is(useColor(true, { TERM: 'dumb' }), false);
  assert.is(useColor(false, {}), false);
});

/** Runs streams-health on a pseudo-terminal; null when `script` is not installed. */
function onTty(args: string[], env: Record<string, string>): string | null {
  const cmd = [process.execPath, '--import', 'tsx', 'bin/streams-health.ts', ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return r.error ? null : r.stdout;
}

gated(s, await redisSkipReason())('streams-health tables: colour on a terminal, none with NO_COLOR, none when redirected', async () => {
  const backend = await redisBackend();
  if (!backend) throw new Error('the gated suite has a Redis');
  const url = (await testRedis())!.url;
  const prefix = uniquePrefix('nocolor');
  const keys = createKeys(prefix);
  try {
    await backend.ensureGroup(keys.topic('a.b'), 'g', '0');
    await backend.append(keys.topic('a.b'), ['x', '1']);
    const args = ['--redis-url', url, '--prefix', prefix];
    const env = { REDIS_URL: '', STREAMS_PREFIX: '' };
    const tty = onTty(args, { ...env, NO_COLOR: '' });
    if (tty === null) return;
    assert.ok(tty.includes(BOLD), `a terminal gets bold headers: ${JSON.stringify(tty.slice(0, 200))}`);
    const noColor = onTty(args, { ...env, NO_COLOR: '1' });
    assert.ok(noColor!.includes('stream'), noColor!);
    assert.not.ok(noColor!.includes('\x1b['), 'NO_COLOR: no escape codes at all');
    const piped = await runCli('streams-health', args);
    assert.is(piped.code, 0, piped.stderr);
    assert.not.ok(piped.stdout.includes('\x1b['), 'redirected: no escape codes');
    // The documented script form: `npm run -s` keeps npm's banner out of the JSON.
    const npm = spawnSync('npm', ['run', '-s', 'health', '--', '--json', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.is(npm.status, 0, npm.stderr);
    assert.is((JSON.parse(npm.stdout) as { prefix: string }).prefix, prefix, 'stdout is the JSON report and nothing else');
  } finally {
    await deletePrefix(backend, prefix);
    await backend.close();
  }
});

s('the demo table (npm start / actors demo) has no escape codes when redirected', async () => {
  const demo = await runCli('actors', ['demo'], { env: { PERSISTENCE_ADAPTER: 'memory' }, timeoutMs: 60_000 });
  assert.is(demo.code, 0, demo.stderr);
  assert.match(demo.stdout, /lead pipeline demo/);
  assert.not.ok(demo.stdout.includes('\x1b['), 'no colour codes in redirected output');
});

s.run();

/**
 * One wording for one failure, across every command: a wrong password and no password read
 * "refused the credentials", an unreachable server "cannot reach Redis at <url>", with the
 * password masked and exit 3 — the same for streams-health, streams-dlq, streams-group-reset,
 * redis-health, streams-bench and actors. A real password-protected redis-server.
 */
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './support/cli.js';
import { freePort, hasRedisServerBinary, RedisServer } from './support/redis-server.js';

const s = suite('connection failures: one wording per failure');

const COMMANDS: [string, string[]][] = [
  ['streams-health', []],
  ['streams-dlq', ['list']],
  ['streams-group-reset', ['t.x', 'g', '--to', '0']],
  ['redis-health', []],
  ['streams-bench', ['--count', '1']],
  ['actors', ['ingest', '-']],
];

const tail = (stderr: string): string => stderr.trim().replace(/^[a-z-]+: /, '');

s('wrong password, no password and unreachable: the same sentence from every command, exit 3', async () => {
  if (!hasRedisServerBinary()) return;
  const pw = 'sekr' + 'et-' + 'pw9';
  const server = await RedisServer.start();
  // Set after start: the harness's readiness ping has no password.
  const admin = new Redis(`redis://127.0.0.1:${server.port}`);
  await admin.config('SET', 'requirepass', pw);
  admin.disconnect();
  const down = await freePort();
  try {
    const cases = {
      wrong: `redis://default:wrong-${pw}@127.0.0.1:${server.port}`,
      none: `redis://127.0.0.1:${server.port}`,
      unreachable: `redis://127.0.0.1:${down}`,
    };
    for (const [what, url] of Object.entries(cases)) {
      const runs = await Promise.all(
        COMMANDS.map(([bin, args]) =>
          runCli(bin, args, { env: { REDIS_URL: url, STREAMS_PREFIX: 'wording', PERSISTENCE_ADAPTER: 'memory' }, stdin: '', timeoutMs: 30_000 }),
        ),
      );
      const sentences = runs.map((r) => tail(r.stderr).replace(/: .*$/, ''));
      runs.forEach((r, i) => {
        assert.is(r.code, 3, `${COMMANDS[i]![0]} (${what}): ${r.stderr}`);
        assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.not.ok(r.stderr.includes(pw), 'the password is never printed');
      });
      assert.equal(new Set(sentences).size, 1, `${what}: ${JSON.stringify(runs.map((r) => r.stderr.trim()))}`);
      if (what === 'unreachable') assert.match(sentences[0]!, `cannot reach Redis at redis://127.0.0.1:${down}`);
      else assert.match(sentences[0]!, /^Redis at redis:\/\/.*127\.0\.0\.1:\d+ refused the credentials \(wrong or missing password\/user\)$/);
    }
  } finally {
    await server.dispose();
  }
});

s.run();

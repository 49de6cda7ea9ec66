/**
 * Hostile flags for every command, generated with fast-check (fixed seed): unknown flags, garbage
 * numbers and durations, control characters, huge values. Each run must end with a documented
 * exit status, at most one line on stderr, and never a stack trace.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './support/cli.js';
import { redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 20261125);

// A NUL byte cannot be passed in argv at all (the OS refuses it), so it is left out.
const junk = fc.oneof(
  fc.string({ maxLength: 40 }).filter((t) => !t.includes('\u0000')),
  fc.constantFrom('-1', 'NaN', 'Infinity', '1e309', '0x10', '', ' ', '9'.repeat(400), '💥', '\u0007\u001b[2J', '--', '$(rm -rf /)', "'; DROP TABLE leads; --"),
);
const flagName = fc.oneof(
  fc.constantFrom('max-lag', 'max-pending', 'count', 'older-than', 'to', 'partitions', 'slot', 'metrics-port', 'payload-bytes', 'pipeline', 'prefix'),
  fc.stringMatching(/^[a-z][a-z-]{0,12}$/),
);
const argv = fc.array(
  fc.oneof(
    flagName.map((f) => `--${f}`),
    junk,
  ),
  { minLength: 1, maxLength: 5 },
);

// [bin, leading args, trailing args]: the trailing ones win over generated duplicates and keep a valid run small.
const COMMANDS: [string, string[], string[]][] = [
  ['streams-health', [], []],
  ['streams-dlq', ['list'], []],
  ['streams-group-reset', ['t.x', 'g'], []],
  ['redis-health', [], []],
  ['actors', ['ingest', '-'], []],
  ['streams-bench', [], ['--count', '5', '--cleanup']],
];

const s = gated(suite('CLI: hostile flags'), await redisSkipReason());

s('generated flag vectors: a documented exit status; when refused, one line on stderr and no stack trace', async () => {
  const redis = await testRedis();
  assert.ok(redis, 'Redis');
  const env = { REDIS_URL: redis.url, STREAMS_PREFIX: uniquePrefix('hostile'), PERSISTENCE_ADAPTER: 'memory' };
  const samples = fc.sample(argv, { seed: SEED, numRuns: 4 });
  const runs = COMMANDS.flatMap(([bin, head, tail]) => samples.map((extra) => ({ bin, args: [...head, ...extra, ...tail] })));
  // A few at a time: each is a Node process.
  for (let i = 0; i < runs.length; i += 6) {
    const batch = runs.slice(i, i + 6);
    const results = await Promise.all(batch.map((r) => runCli(r.bin, r.args, { env, stdin: '', timeoutMs: 30_000 })));
    results.forEach((res, j) => {
      const what = `${batch[j]!.bin} ${JSON.stringify(batch[j]!.args)}`;
      assert.ok(res.code !== null, `${what} finished (not killed by the timeout)`);
      assert.ok([0, 1, 2, 3].includes(res.code!), `${what} exited ${res.code}: ${res.stderr}`);
      if (res.code === 0) return;
      const lines = res.stderr.trim().split('\n').filter(Boolean);
      assert.ok(lines.length <= 1, `${what}: one line on stderr, got:\n${res.stderr}`);
      assert.not.match(res.stderr, /\n\s+at .+:\d+:\d+/, `${what}: no stack trace`);
    });
  }
});

s.run();

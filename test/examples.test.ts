/**
 * Every file in examples/ runs as a user runs it (its own process, `import ... from
 * 'stream-actors'`) against real Redis under a fresh prefix, and what it left in Redis is checked:
 * the examples cannot rot. The README's actor example is examples/hello-actor.ts, verbatim.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { createKeys } from '../src/streams/keys.js';
import { prefixedRedis, testRedis, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs examples/<name>.ts from source (the stream-actors-source condition maps the package name to src/). */
function runExample(name: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=stream-actors-source', '--import', 'tsx', `examples/${name}.ts`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The example's own lines (the runtime logs JSON lines to stdout too). */
const said = (stdout: string): string[] => stdout.split('\n').filter((l) => l !== '' && !l.startsWith('{'));

const examples = gated(suite('examples (redis)'), await redisSkipReason());

examples('every example in examples/ has a test here', () => {
  const files = readdirSync(`${ROOT}examples`)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  assert.equal(files, ['dead-letters.ts', 'hello-actor.ts', 'pipeline.ts']);
});

examples('the README shows examples/hello-actor.ts verbatim', () => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const code = readFileSync(`${ROOT}examples/hello-actor.ts`, 'utf8');
  assert.ok(readme.includes(`\`\`\`ts\n${code}\`\`\``), 'README.md must contain examples/hello-actor.ts in a ```ts block, unchanged');
});

examples('hello-actor: the greeter answers the published greeting and exits 0', async () => {
  const r = await prefixedRedis('exhello');
  if (!r) throw new Error('the gated suite has a Redis');
  try {
    const run = await runExample('hello-actor', { REDIS_URL: (await testRedis())!.url, STREAMS_PREFIX: r.prefix });
    assert.is(run.code, 0, run.stderr);
    assert.equal(said(run.stdout), ['greeter answered: Hello, world!']);
    const keys = createKeys(r.prefix);
    assert.is((await r.backend.range(keys.topic('greeting.sent'), '-', '+')).length, 1);
    const [group] = await r.backend.groups(keys.topic('greeting.requested'));
    assert.is(group?.pending, 0, 'the input was acknowledged');
  } finally {
    await r.cleanup();
  }
});

examples('pipeline: five orders shipped through two stages, the re-sent one skipped, the delayed one delivered', async () => {
  const r = await prefixedRedis('expipe');
  if (!r) throw new Error('the gated suite has a Redis');
  try {
    const run = await runExample('pipeline', { REDIS_URL: (await testRedis())!.url, STREAMS_PREFIX: r.prefix });
    assert.is(run.code, 0, run.stderr);
    const lines = said(run.stdout);
    assert.match(lines[0] ?? '', /^published 6 /);
    assert.match(lines[1] ?? '', /^shipped 5: /);
    assert.match(lines[1] ?? '', /-late:100:post/);
    assert.match(lines[1] ?? '', /-3:10000:post/);
    const keys = createKeys(r.prefix);
    let placed = 0;
    let priced = 0;
    for (const p of [0, 1]) {
      placed += (await r.backend.range(keys.topic('order.placed', p), '-', '+')).length;
      priced += (await r.backend.range(keys.topic('order.priced', p), '-', '+')).length;
    }
    assert.is(placed, 6, 'six published, the duplicate included');
    assert.is(priced, 5, 'the duplicate was skipped by the pricer');
  } finally {
    await r.cleanup();
  }
});

examples('dead-letters: the bad payload stays in the DLQ with path and rule, the other is replayed and charged', async () => {
  const r = await prefixedRedis('exdlq');
  if (!r) throw new Error('the gated suite has a Redis');
  try {
    const run = await runExample('dead-letters', { REDIS_URL: (await testRedis())!.url, STREAMS_PREFIX: r.prefix });
    assert.is(run.code, 0, run.stderr);
    const lines = said(run.stdout);
    assert.is(lines.filter((l) => l.startsWith('dead letter ')).length, 2);
    assert.match(run.stdout, /\$\.payload\.amountCents: minimum/);
    assert.match(lines.at(-1) ?? '', /^replayed 1; charged [0-9a-f]{8}-1$/);
    const keys = createKeys(r.prefix);
    const left = await r.backend.range(keys.dlq('invoice.due'), '-', '+');
    assert.is(left.length, 1, 'only the invalid payload is left in the DLQ');
    const dead = parseDeadLetter(left[0]!.id, left[0]!.fields);
    assert.match(dead.error, 'PayloadValidationError');
  } finally {
    await r.cleanup();
  }
});

examples.run();

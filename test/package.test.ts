/**
 * The package as a user gets it: `npm pack` (which builds dist/ in prepack), the tarball
 * installed into an empty project (dependencies from the npm cache, --prefer-offline), then, in
 * that project: the bins run from another directory without tsx, `npx actors demo` finds its
 * bundled data, the root and every subpath import typecheck (tsc) and run, and the root exports
 * nothing internal. Slow (a build and an install): about a minute.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const ROOT_PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment without the outer npm's lifecycle variables (an `npm test` run must not leak its config into the child npm). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, NO_COLOR: '1', ...extra };
}

function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  const started = performance.now();
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

const ok = (r: Run, what: string): void => assert.is(r.code, 0, `${what} failed (${r.code}):\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`);

// A consumer's program: every entry point imported, typed use of the library, and a real run on the memory shim.
const CONSUMER = `import { ActorRuntime, MemoryStreamBackend, createKeys, createProducer, defineActor, defineTopic, waitUntilDrained, type PayloadOf } from 'stream-actors';
import { health, listDeadLetters, type HealthReport } from 'stream-actors/admin';
import { EXIT, streamsHealth } from 'stream-actors/cli';
import { buildLeadTopology, defaultMockEmailFile, TOPICS } from 'stream-actors/lead';

const ping = defineTopic({ type: 'ping.sent', schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } });
const n: PayloadOf<typeof ping>['n'] = 1;
const seen: number[] = [];
const actor = defineActor({ name: 'ponger', consumes: [ping], handle: (env) => void seen.push(env.payload.n + n) });
const backend = new MemoryStreamBackend();
const keys = createKeys('consumer');
const runtime = new ActorRuntime([actor], { backend, keys, options: { blockMs: 50 } });
await runtime.start();
await createProducer({ backend, keys }).publish(ping, { n: 41 });
await waitUntilDrained(backend, keys, [actor]);
await runtime.stop();
const report: HealthReport = await health(backend, keys);
const dlq = await listDeadLetters(backend, keys);
console.log(JSON.stringify({ seen, streams: report.streams.length, dlq: dlq.items.length, exitOk: EXIT.ok, cli: typeof streamsHealth, lead: typeof buildLeadTopology, topic: TOPICS.emailReceived, data: defaultMockEmailFile() }));
`;

const pkg = suite('npm pack, installed into an empty project');

let work = '';
let project = '';

pkg.before(() => {
  work = mkdtempSync(join(tmpdir(), 'sa-pack-'));
  project = join(work, 'app');
});

pkg.after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

pkg('packs, installs from the tarball, and the bins, imports and demo work there', async () => {
  const packed = await run('npm', ['pack', '--pack-destination', work, '--json', '--no-fund', '--no-audit'], ROOT, 300_000);
  ok(packed, 'npm pack');
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = info!.files.map((f) => f.path);
  for (const f of [
    'dist/src/index.js',
    'dist/src/admin/index.d.ts',
    'dist/src/streams/scripts/commit-N.lua',
    'dist/src/dashboard/assets/index.html',
    'dist/bin/actors.js',
    'data/mock-emails.jsonl',
    'README.md',
  ])
    assert.ok(files.includes(f), `the tarball has ${f}`);
  assert.not.ok(
    files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('bin/')),
    'no sources or tests shipped',
  );
  for (const f of files.filter((p) => p.startsWith('dist/bin/') && p.endsWith('.js'))) {
    assert.ok(readFileSync(join(ROOT, f), 'utf8').startsWith('#!/usr/bin/env node\n'), `${f} runs on plain node`);
  }

  writeFileSync(join(work, 'package.json'), '{}');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }));
  const installed = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, info!.filename), `@types/node@${ROOT_PKG.devDependencies['@types/node']}`],
    project,
    300_000,
  );
  ok(installed, 'npm install of the tarball');
  assert.not.ok(existsSync(join(project, 'node_modules/tsx')), 'tsx is not installed: the bins do not need it');

  // Bins from another directory, as a user's PATH would run them.
  const bin = (name: string): string => join(project, 'node_modules/.bin', name);
  const list = await run(bin('actors'), ['list', '--json'], '/');
  ok(list, 'actors list');
  assert.match(list.stdout, 'campaign-manager');
  const help = await run(bin('streams-health'), ['--help'], '/');
  ok(help, 'streams-health --help');
  assert.match(help.stdout, '--max-lag');
  console.log(`  streams-health --help from the installed package: ${Math.round(help.ms)} ms`);
  const bad = await run(bin('streams-dlq'), ['list', '--count', 'x'], '/');
  assert.is(bad.code, 2, 'a bad flag exits 2');

  const demo = await run('npx', ['--no', 'actors', 'demo', '--json'], project, 180_000);
  ok(demo, 'npx actors demo');
  const summary = JSON.parse(demo.stdout.slice(demo.stdout.indexOf('{'))) as { file: string; ingest: { ingested: number } };
  assert.ok(summary.file.startsWith(join(project, 'node_modules/stream-actors/data/')), `the demo reads the bundled data (${summary.file})`);
  assert.ok(summary.ingest.ingested > 0);

  // The root and each subpath, typechecked by tsc as a consumer compiles them, then run.
  writeFileSync(join(project, 'main.ts'), CONSUMER);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        outDir: 'out',
        skipLibCheck: false,
      },
      files: ['main.ts'],
    }),
  );
  const tsc = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
  ok(tsc, 'tsc in the consumer project');
  const main = await run(process.execPath, ['out/main.js'], project, 60_000);
  ok(main, 'the consumer program');
  const out = JSON.parse(
    main.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{"seen"'))
      .at(-1)!,
  ) as Record<string, unknown>;
  assert.equal(out.seen, [42]);
  assert.is(out.dlq, 0);
  assert.is(out.cli, 'function');
  assert.is(out.lead, 'function');
  assert.ok(String(out.data).startsWith(join(project, 'node_modules/stream-actors/data/')));

  const exported = await run(
    process.execPath,
    ['--input-type=module', '-e', "const m = await import('stream-actors'); console.log(Object.keys(m).join(','))"],
    project,
  );
  ok(exported, 'import of the root');
  const names = exported.stdout.trim().split(',');
  for (const name of ['defineActor', 'ActorRuntime', 'createProducer', 'defineTopic', 'RedisStreamBackend'])
    assert.ok(names.includes(name), `root exports ${name}`);
  for (const name of ['strictParser', 'exitWhenFlushed', 'LEADS_TABLE', 'draftId', 'buildLeadTopology', 'runDemo', 'streamsHealth'])
    assert.not.ok(names.includes(name), `root does not export ${name}`);
});

pkg.run();

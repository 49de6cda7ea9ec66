/**
 * What OpenTelemetry costs the actor, in Node CPU per envelope: one actor drains N pre-loaded
 * envelopes (each carrying its own traceparent, as in traced flows: no two share a trace) and
 * emits one derived output per input, committed per batch. Modes, each in its own process,
 * rounds interleaved:
 *   none       no SDK registered (the API's no-op): the runtime does no span work
 *   sdk-noop   BasicTracerProvider + BatchSpanProcessor + an exporter that drops everything, AlwaysOn
 *   sdk-create the same, with the opt-in `create` span per output (traceCreateSpans)
 *   sdk-off    the same SDK with AlwaysOffSampler (spans created but not recording)
 *   sdk-floor  the sdk-noop SDK hidden from the runtime (it does no span work), and the handler
 *              starts and ends one bare span per envelope itself: what the SDK alone costs for
 *              the one span per envelope the conventions ask for, the floor of sdk-noop
 *   als-only   only the SDK's AsyncLocalStorage context manager, no tracer provider: the price
 *              every promise in the process pays once an SDK is set up, with no span of ours
 *   main       (with --baseline-src DIR) the runtime of another checkout, no SDK: "today";
 *              with --baseline-modes, main:<mode> runs <mode> on that checkout too (before/after
 *              in one run, each compared with its own no-SDK run)
 * CPU is process.cpuUsage() of the actor's process from runtime.start() until the group has
 * delivered and acked everything (the same poll runs in every mode).
 *
 *   npx tsx bench/tracing-cost.ts [--count 20000] [--rounds 3] [--modes none,sdk-noop,...]
 *     [--baseline-src DIR [--baseline-modes sdk-noop,sdk-off]]
 * --node-arg ARG (repeatable): a Node option for every worker, e.g. --node-arg=--max-semi-space-size=64.
 * --cpu-prof-dir DIR: each run also writes a V8 CPU profile of its measured window (not of the
 * preloading) to DIR/<mode>-<round>.cpuprofile, for Chrome DevTools or any .cpuprofile reader.
 * --baseline-src: a checkout of the runtime to compare with (mode `main`, no SDK), e.g. one without
 * the tracing code or the commit before a change. The summary gives each run's CPU per envelope
 * relative to the no-SDK run of the same round and checkout (`none`, or `main` for main:<mode>).
 * Redis: REDIS_URL, else a redis-server started on a free port for the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type * as define from '../src/actors/define.js';
import type * as runtimeMod from '../src/actors/runtime/runtime.js';
import type * as keysMod from '../src/streams/keys.js';
import type * as redisMod from '../src/streams/redis-backend.js';
import type * as envMod from '../src/envelope/envelope.js';
import type * as codecMod from '../src/envelope/codec.js';
import type * as loggerMod from '../src/monitoring/logger.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

type Mode = 'none' | 'als-only' | 'sdk-noop' | 'sdk-create' | 'sdk-off' | 'sdk-floor' | 'main';
const MODES: readonly Mode[] = ['none', 'als-only', 'sdk-noop', 'sdk-create', 'sdk-off', 'sdk-floor'];
/** One kind of worker run: a mode on a checkout, compared with the no-SDK run labelled `ref`. */
interface Run {
  label: string;
  mode: Mode;
  src: string;
  ref: 'none' | 'main';
}
interface Sample {
  mode: Mode;
  n: number;
  cpuUs: number;
  wallMs: number;
}

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    'baseline-src': { type: 'string' },
    modes: { type: 'string' },
    'baseline-modes': { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
    'node-arg': { type: 'string', multiple: true },
    'profile-file': { type: 'string' },
    worker: { type: 'string' },
    'redis-url': { type: 'string' },
    prefix: { type: 'string' },
    src: { type: 'string' },
  },
});

if (values.worker) {
  process.stdout.write(
    `${JSON.stringify(await worker(values.worker as Mode, values['redis-url']!, values.prefix!, Number(values.count), values.src ?? ROOT, values['profile-file']))}\n`,
  );
  process.exit(0);
} else {
  await main();
}

/** One measured run in this process. */
async function worker(mode: Mode, redisUrl: string, prefix: string, count: number, src: string, profileTo?: string): Promise<Sample> {
  if (mode === 'als-only') {
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // The first run() switches on Node's async context tracking for every promise from then on.
    context.with(context.active(), () => undefined);
  }
  let floorTracer: Tracer | undefined;
  if (mode === 'sdk-noop' || mode === 'sdk-create' || mode === 'sdk-off' || mode === 'sdk-floor') {
    const { context, trace } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const dropAll = { export: (_spans: unknown[], done: (r: { code: number }) => void) => done({ code: 0 }), shutdown: async () => undefined };
    const provider = new BasicTracerProvider({
      sampler: mode === 'sdk-off' ? new AlwaysOffSampler() : new AlwaysOnSampler(),
      spanProcessors: [new BatchSpanProcessor(dropAll)],
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    if (mode === 'sdk-floor') {
      // The runtime asks for its tracer by name and finds none: it skips every span of its own.
      const hidden: TracerProvider = { getTracer: (name, version, opts) => (name === 'stream-actors' ? undefined! : provider.getTracer(name, version, opts)) };
      trace.setGlobalTracerProvider(hidden);
      floorTracer = trace.getTracer('tracing-cost');
    } else trace.setGlobalTracerProvider(provider);
  }
  const load = <T>(path: string): Promise<T> => import(pathToFileURL(`${src}/${path}`).href) as Promise<T>;
  const { defineActor } = await load<typeof define>('src/actors/define.ts');
  const { ActorRuntime } = await load<typeof runtimeMod>('src/actors/runtime/runtime.ts');
  const { createKeys } = await load<typeof keysMod>('src/streams/keys.ts');
  const { RedisStreamBackend } = await load<typeof redisMod>('src/streams/redis-backend.ts');
  const { createEnvelope } = await load<typeof envMod>('src/envelope/envelope.ts');
  const { encodeEnvelope } = await load<typeof codecMod>('src/envelope/codec.ts');
  const { createLogger } = await load<typeof loggerMod>('src/monitoring/logger.ts');

  const keys = createKeys(prefix);
  const backend = new RedisStreamBackend({ url: redisUrl });
  await backend.connect();
  const input = keys.topic('bench.in');
  let lastId = '';
  for (let i = 0; i < count; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({
      stream: input,
      fields: encodeEnvelope(createEnvelope({ type: 'bench.in', payload: { n: i + j, text: 'x'.repeat(200) }, traceparent: randomTraceparent() })),
    }));
    lastId = (await backend.appendMany(chunk)).at(-1)!;
  }
  const actor = defineActor({
    name: 'trace-bench',
    consumes: ['bench.in'],
    emits: ['bench.out'],
    batchSize: 256,
    handle: (env, ctx) => {
      floorTracer?.startSpan('process bench.in').end();
      return [ctx.derive('bench.out', env.payload)];
    },
  });
  // traceCreateSpans is ignored by a baseline checkout that does not know it.
  const options = { trimIntervalMs: 0, traceCreateSpans: mode === 'sdk-create' };
  const runtime = new ActorRuntime([actor], { backend, keys, consumer: 'bench-0', logger: createLogger({ level: 'warn' }), options });
  const profiler = profileTo ? await startProfile() : null;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runtime.start();
  for (;;) {
    const g = (await backend.groups(input)).find((x) => x.name === 'trace-bench');
    if (g && g.lastDeliveredId === lastId && g.pending === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  if (profiler) writeFileSync(profileTo!, JSON.stringify(await profiler.stop()));
  await runtime.stop();
  await backend.deleteKeys(await backend.scanKeys(`${prefix}:*`));
  await backend.close();
  return { mode, n: count, cpuUs: cpu.user + cpu.system, wallMs };
}

/** Starts the V8 CPU profiler in this process; stop() returns the profile. */
async function startProfile(): Promise<{ stop: () => Promise<unknown> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      return profile;
    },
  };
}

/** A sampled W3C traceparent with fresh random ids. */
function randomTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

function runWorker(mode: Mode, redisUrl: string, count: number, src: string, profileTo?: string): Promise<Sample> {
  const args = [
    ...(values['node-arg'] ?? []),
    '--import',
    'tsx',
    HERE,
    '--worker',
    mode,
    '--redis-url',
    redisUrl,
    '--prefix',
    `tracebench${process.pid}${mode.replace(/-/g, '')}`,
    '--count',
    String(count),
    '--src',
    src,
    ...(profileTo ? ['--profile-file', profileTo] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Sample) : reject(new Error(`${mode} worker exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const count = Number(values.count);
  const rounds = Number(values.rounds);
  let redisUrl = process.env.REDIS_URL;
  let server: ReturnType<typeof spawn> | null = null;
  if (!redisUrl) {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
    redisUrl = `redis://127.0.0.1:${port}`;
    for (
      let i = 0;
      i < 100 &&
      spawnSync('redis-cli', ['-p', String(port), 'ping'])
        .stdout?.toString()
        .trim() !== 'PONG';
      i += 1
    )
      await new Promise((r) => setTimeout(r, 50));
  }
  const list = (v: string | undefined, all: readonly Mode[]): Mode[] => {
    const picked = v ? v.split(',').map((m) => m.trim()) : all;
    for (const m of picked) if (!MODES.includes(m as Mode)) throw new Error(`unknown mode ${m} (${MODES.join(', ')})`);
    return picked as Mode[];
  };
  // `none` (and `main` with a baseline) is what the other runs are compared with: always measured.
  const ours = list(values.modes, MODES);
  const runs: Run[] = MODES.filter((m) => m === 'none' || ours.includes(m)).map((mode) => ({ label: mode, mode, src: ROOT, ref: 'none' }));
  const baseline = values['baseline-src'];
  if (baseline) {
    const theirs = list(values['baseline-modes'], []).filter((m) => m !== 'none');
    runs.unshift(
      { label: 'main', mode: 'none', src: baseline, ref: 'none' },
      ...theirs.map((mode): Run => ({ label: `main:${mode}`, mode, src: baseline, ref: 'main' })),
    );
  }
  const samples: (Sample & { label: string })[] = [];
  if (values['cpu-prof-dir']) mkdirSync(values['cpu-prof-dir'], { recursive: true });
  try {
    // Rounds interleave the modes, so load from other processes spreads over all of them.
    for (let r = 0; r < rounds; r += 1) {
      for (const { label, mode, src } of runs) {
        const profileTo = values['cpu-prof-dir'] ? join(values['cpu-prof-dir'], `${label.replace(':', '-')}-${r + 1}.cpuprofile`) : undefined;
        const s = await runWorker(mode, redisUrl, count, src, profileTo);
        samples.push({ ...s, label });
        console.error(`round ${r + 1} ${label.padEnd(15)} ${(s.cpuUs / s.n).toFixed(1)} us CPU/envelope, ${Math.round((s.n * 1000) / s.wallMs)}/s`);
      }
    }
  } finally {
    server?.kill('SIGTERM');
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const perEnvelope = (s: Sample): number => s.cpuUs / s.n;
  // Each round's no-SDK run is the reference for that round's other runs: load from other
  // processes drifts between rounds, so a ratio within a round is steadier than two medians.
  const refOf = (i: number, ref: string): Sample => samples[Math.floor(i / runs.length) * runs.length + runs.findIndex((x) => x.label === ref)]!;
  const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(Math.round(x * 1000) / 10).toFixed(1)}%`;
  const nodeArgs = values['node-arg']?.length ? `; node ${values['node-arg'].join(' ')}` : '';
  console.log(`Node CPU per envelope (median of ${rounds} rounds, ${count} envelopes each; consume -> derive -> commit${nodeArgs}):`);
  for (const { label, ref } of runs) {
    const idx = samples.flatMap((s, i) => (s.label === label ? [i] : []));
    const us = median(idx.map((i) => perEnvelope(samples[i]!)));
    const perSec = median(idx.map((i) => (samples[i]!.n * 1000) / samples[i]!.wallMs));
    const ratios = idx.map((i) => perEnvelope(samples[i]!) / perEnvelope(refOf(i, ref)) - 1);
    const vs = label === ref ? '' : `${pct(median(ratios))} vs ${ref} (rounds: ${ratios.map(pct).join(' ')})`;
    console.log(`  ${label.padEnd(15)} ${us.toFixed(1).padStart(6)} us  ${String(Math.round(perSec)).padStart(7)}/s  ${vs}`);
  }
}

/**
 * What OpenTelemetry costs the actor, in Node CPU per envelope: one actor drains N pre-loaded
 * envelopes (each carrying a traceparent, as in a traced flow) and emits one derived output per
 * input, committed per batch. Modes, each in its own process, rounds interleaved:
 *   none       no SDK registered (the API's no-op): the runtime does no span work
 *   sdk-noop   BasicTracerProvider + BatchSpanProcessor + an exporter that drops everything, AlwaysOn
 *   sdk-off    the same SDK with AlwaysOffSampler (spans created but not recording)
 *   als-only   only the SDK's AsyncLocalStorage context manager, no tracer provider: the price
 *              every promise in the process pays once an SDK is set up, with no span of ours
 *   main       (with --baseline-src DIR) the runtime of another checkout, no SDK: "today"
 * CPU is process.cpuUsage() of the actor's process from runtime.start() until the group has
 * delivered and acked everything (the same poll runs in every mode).
 *
 *   npx tsx bench/tracing-cost.ts [--count 20000] [--rounds 3] [--baseline-src /work/main]
 * Redis: REDIS_URL, else a redis-server started on a free port for the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as define from '../src/actors/define.js';
import type * as runtimeMod from '../src/actors/runtime/runtime.js';
import type * as keysMod from '../src/streams/keys.js';
import type * as redisMod from '../src/streams/redis-backend.js';
import type * as envMod from '../src/envelope/envelope.js';
import type * as codecMod from '../src/envelope/codec.js';
import type * as loggerMod from '../src/monitoring/logger.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TP = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

type Mode = 'none' | 'als-only' | 'sdk-noop' | 'sdk-off' | 'main';
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
    worker: { type: 'string' },
    'redis-url': { type: 'string' },
    prefix: { type: 'string' },
    src: { type: 'string' },
  },
});

if (values.worker) {
  process.stdout.write(
    `${JSON.stringify(await worker(values.worker as Mode, values['redis-url']!, values.prefix!, Number(values.count), values.src ?? ROOT))}\n`,
  );
  process.exit(0);
} else {
  await main();
}

/** One measured run in this process. */
async function worker(mode: Mode, redisUrl: string, prefix: string, count: number, src: string): Promise<Sample> {
  if (mode === 'als-only') {
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // The first run() switches on Node's async context tracking for every promise from then on.
    context.with(context.active(), () => undefined);
  }
  if (mode === 'sdk-noop' || mode === 'sdk-off') {
    const { context, trace } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const dropAll = { export: (_spans: unknown[], done: (r: { code: number }) => void) => done({ code: 0 }), shutdown: async () => undefined };
    const provider = new BasicTracerProvider({
      sampler: mode === 'sdk-off' ? new AlwaysOffSampler() : new AlwaysOnSampler(),
      spanProcessors: [new BatchSpanProcessor(dropAll)],
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
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
      fields: encodeEnvelope(createEnvelope({ type: 'bench.in', payload: { n: i + j, text: 'x'.repeat(200) }, traceparent: TP })),
    }));
    lastId = (await backend.appendMany(chunk)).at(-1)!;
  }
  const actor = defineActor({
    name: 'trace-bench',
    consumes: ['bench.in'],
    emits: ['bench.out'],
    batchSize: 256,
    handle: (env, ctx) => [ctx.derive('bench.out', env.payload)],
  });
  const runtime = new ActorRuntime([actor], { backend, keys, consumer: 'bench-0', logger: createLogger({ level: 'warn' }), options: { trimIntervalMs: 0 } });
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
  await runtime.stop();
  await backend.deleteKeys(await backend.scanKeys(`${prefix}:*`));
  await backend.close();
  return { mode, n: count, cpuUs: cpu.user + cpu.system, wallMs };
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

function runWorker(mode: Mode, redisUrl: string, count: number, src: string): Promise<Sample> {
  const args = [
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
  const modes: [Mode, string][] = [
    ['none', ROOT],
    ['als-only', ROOT],
    ['sdk-noop', ROOT],
    ['sdk-off', ROOT],
  ];
  if (values['baseline-src']) modes.unshift(['main', values['baseline-src']]);
  const samples: Sample[] = [];
  try {
    // Rounds interleave the modes, so load from other processes spreads over all of them.
    for (let r = 0; r < rounds; r += 1) {
      for (const [mode, src] of modes) {
        const s = await runWorker(mode, redisUrl, count, src);
        samples.push(s);
        console.error(`round ${r + 1} ${mode.padEnd(8)} ${(s.cpuUs / s.n).toFixed(1)} us CPU/envelope, ${Math.round((s.n * 1000) / s.wallMs)}/s`);
      }
    }
  } finally {
    server?.kill('SIGTERM');
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows = modes.map(([mode]) => {
    const mine = samples.filter((s) => s.mode === mode);
    return {
      mode,
      usPerEnvelope: Math.round(median(mine.map((s) => s.cpuUs / s.n)) * 10) / 10,
      perSec: Math.round(median(mine.map((s) => (s.n * 1000) / s.wallMs))),
    };
  });
  const none = rows.find((r) => r.mode === 'none')!.usPerEnvelope;
  console.log(`Node CPU per envelope (median of ${rounds} rounds, ${count} envelopes each; consume -> derive -> commit):`);
  for (const r of rows)
    console.log(
      `  ${r.mode.padEnd(9)} ${String(r.usPerEnvelope).padStart(6)} us  ${String(r.perSec).padStart(7)}/s  ${r.mode === 'none' ? '' : `${r.usPerEnvelope >= none ? '+' : ''}${Math.round(((r.usPerEnvelope - none) / none) * 1000) / 10}% vs none`}`,
    );
}

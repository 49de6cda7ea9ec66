/** #1: redis-benchmark's XADD, the machine's limit for the same payload and pipeline depth. */
import { spawn } from 'node:child_process';
import type { Measurement } from '../types.js';
import type { ScenarioContext } from './context.js';

/** The requests/s of redis-benchmark's --csv output (header, then one row per test). */
export function parseRedisBenchmarkCsv(csv: string): { rps: number; p50Ms: number | null } {
  const rows = csv
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('"') && !l.startsWith('"test"'));
  const last = rows[rows.length - 1];
  const cells = last ? last.slice(1, -1).split('","') : [];
  const rps = Number(cells[1]);
  if (!Number.isFinite(rps) || rps <= 0) throw new Error(`could not read requests per second from redis-benchmark output: ${csv.slice(0, 200)}`);
  const p50 = Number(cells[4]);
  return { rps, p50Ms: Number.isFinite(p50) ? p50 : null };
}

/** Runs `redis-benchmark -n N -c 50 -P 64 --csv XADD <key> * field <value>` against the run's server. */
export async function measureRedisBenchmark(ctx: ScenarioContext): Promise<Measurement> {
  const { plan } = ctx;
  const key = `${ctx.prefix}:xadd`;
  const url = new URL(ctx.redisUrl);
  const args = [
    '-u',
    ctx.redisUrl,
    ...(url.protocol === 'rediss:' ? ['--tls'] : []),
    '-n',
    String(plan.writes),
    '-c',
    String(plan.redisBenchmarkClients),
    '-P',
    String(plan.pipeline),
    '--csv',
    'XADD',
    key,
    '*',
    'field',
    'x'.repeat(plan.payloadBytes),
  ];
  const settings = `${plan.writes.toLocaleString('en-US')} XADDs, ${plan.redisBenchmarkClients} clients, pipeline ${plan.pipeline}, ${plan.payloadBytes} B value`;
  const started = performance.now();
  const runOnce = (): Promise<{ code: number | null; stdout: string; stderr: string } | 'missing'> =>
    new Promise((resolve, reject) => {
      const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const unregister = ctx.cleanup.add('redis-benchmark', () => void child.kill('SIGKILL'));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('error', (err: NodeJS.ErrnoException) => (unregister(), err.code === 'ENOENT' ? resolve('missing') : reject(err)));
      child.once('close', (code) => (unregister(), resolve({ code, stdout, stderr })));
    });
  // A very short run on a loaded machine sometimes ends with only the CSV header printed (no row):
  // run it again, a few times at most, rather than report no figure.
  let parsed: { rps: number; p50Ms: number | null } | null = null;
  for (let attempt = 1; parsed === null; attempt += 1) {
    if (attempt > 1) await ctx.admin.deleteKeys([key]); // count only the run that reported
    const out = await runOnce();
    if (out === 'missing') return { id: 'redis-benchmark', settings, skipped: 'redis-benchmark is not installed' };
    if (out.code !== 0) throw new Error(`redis-benchmark exited with ${out.code}: ${out.stderr.trim().split('\n')[0] ?? ''}`);
    try {
      parsed = parseRedisBenchmarkCsv(out.stdout);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  const { rps, p50Ms } = parsed;
  const written = await ctx.admin.streamInfo(key);
  return {
    id: 'redis-benchmark',
    settings,
    throughput: {
      n: plan.writes,
      durationMs: (plan.writes * 1000) / rps,
      perSec: rps,
      extra: { wallMs: Math.round(performance.now() - started), entries: written?.length ?? 0, ...(p50Ms === null ? {} : { requestP50Ms: p50Ms }) },
    },
  };
}

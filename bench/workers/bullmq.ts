/**
 * #4: BullMQ's baseline. Adds N jobs (addBulk in chunks), then one Worker with a no-op processor
 * processes them; the rate is N over the time from the first completion to the last. Jobs carry
 * the same payload as our envelopes and are removed on completion (BullMQ's fastest setting).
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Throughput } from '../types.js';
import { CpuMeter } from './meter.js';

/** Parameters from the bench. */
export interface BullmqParams {
  redisUrl: string;
  prefix: string;
  count: number;
  concurrency: number;
  payloadBytes: number;
}

const ADD_CHUNK = 1_000;

/** ioredis options for BullMQ from a redis:// URL (BullMQ wants no per-request retry limit). */
function connectionFromUrl(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
    maxRetriesPerRequest: null,
  };
}

/** Adds and processes `count` no-op jobs. */
export async function run(p: BullmqParams): Promise<Throughput> {
  const connection = connectionFromUrl(p.redisUrl);
  const queue = new Queue('bench', { connection, prefix: p.prefix });
  let worker: Worker | null = null;
  try {
    const data = { payload: 'x'.repeat(p.payloadBytes) };
    const addStarted = performance.now();
    for (let i = 0; i < p.count; i += ADD_CHUNK) {
      const n = Math.min(ADD_CHUNK, p.count - i);
      await queue.addBulk(Array.from({ length: n }, () => ({ name: 'noop', data, opts: { removeOnComplete: true, removeOnFail: true } })));
    }
    const addMs = performance.now() - addStarted;
    const meter = new CpuMeter(p.redisUrl);
    await meter.connect();
    await meter.start();

    let done = 0;
    let first = 0;
    let last = 0;
    const started = performance.now();
    const finished = new Promise<void>((resolve, reject) => {
      worker = new Worker('bench', async () => {}, { connection, prefix: p.prefix, concurrency: p.concurrency });
      worker.on('completed', () => {
        last = performance.now();
        if (done === 0) first = last;
        done += 1;
        if (done >= p.count) resolve();
      });
      worker.on('failed', (_job, err) => reject(err));
      worker.on('error', reject);
    });
    await finished;
    const cpu = await meter.stop();
    const durationMs = Math.max(last - first, 0.001);
    return {
      cpu: [cpu],
      n: done,
      durationMs,
      perSec: (done * 1000) / durationMs,
      extra: { addPerSec: Math.round((p.count * 1000) / addMs), startToLastMs: Math.round(last - started) },
    };
  } finally {
    await (worker as Worker | null)?.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

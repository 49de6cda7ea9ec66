/** #2: XADDs through bare ioredis pipelines, what a user could write by hand (no envelopes). */
import { Redis } from 'ioredis';
import { LatencyRecorder } from '../../src/cli/bench/latency.js';
import type { Throughput } from '../types.js';
import { CpuMeter } from './meter.js';

/** Parameters from the bench. */
export interface IoredisPipelineParams {
  redisUrl: string;
  stream: string;
  count: number;
  pipeline: number;
  connections: number;
  payloadBytes: number;
}

/** Writes `count` XADDs in pipelines of `pipeline` over `connections` clients. */
export async function run(p: IoredisPipelineParams): Promise<Throughput> {
  const clients = Array.from({ length: p.connections }, () => new Redis(p.redisUrl, { lazyConnect: true }));
  const latency = new LatencyRecorder();
  const meter = new CpuMeter(p.redisUrl);
  try {
    for (const c of clients) await c.connect();
    await meter.connect();
    const value = 'x'.repeat(p.payloadBytes);
    let claimed = 0;
    const writer = async (c: Redis): Promise<void> => {
      while (claimed < p.count) {
        const n = Math.min(p.pipeline, p.count - claimed);
        claimed += n;
        const started = performance.now();
        const pipe = c.pipeline();
        for (let i = 0; i < n; i++) pipe.xadd(p.stream, '*', 'field', value);
        for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
        latency.record(performance.now() - started);
      }
    };
    await meter.start();
    const started = performance.now();
    await Promise.all(clients.map(writer));
    const durationMs = performance.now() - started;
    const cpu = await meter.stop();
    return { n: p.count, durationMs, perSec: (p.count * 1000) / durationMs, latencyMs: latency.summary(), cpu: [cpu] };
  } finally {
    latency.destroy();
    for (const c of clients) c.disconnect();
  }
}

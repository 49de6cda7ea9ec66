/** #3: our write path, through the same library function as the streams-bench CLI. */
import { runWriteBench } from '../../src/cli/bench/write-bench.js';
import type { Throughput } from '../types.js';
import { CpuMeter } from './meter.js';

/** Parameters from the bench. */
export interface StreamsBenchParams {
  redisUrl: string;
  prefix: string;
  topic: string;
  count: number;
  pipeline: number;
  connections: number;
  payloadBytes: number;
}

/** Runs the write benchmark (what it wrote is deleted by the bench, after the CPU window). */
export async function run(p: StreamsBenchParams): Promise<Throughput> {
  const meter = new CpuMeter(p.redisUrl);
  await meter.connect();
  await meter.start();
  const r = await runWriteBench({ ...p, cleanup: false });
  const cpu = await meter.stop();
  return { n: r.count, durationMs: r.durationMs, perSec: r.envelopesPerSec, latencyMs: r.latencyMs, extra: { entryBytes: r.entryBytes }, cpu: [cpu] };
}

/** #3: our write path, through the same library function as the streams-bench CLI. */
import { runWriteBench } from '../../src/cli/bench/write-bench.js';
import type { Throughput } from '../types.js';

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

/** Runs the write benchmark and deletes what it wrote. */
export async function run(p: StreamsBenchParams): Promise<Throughput> {
  const r = await runWriteBench({ ...p, cleanup: true });
  return { n: r.count, durationMs: r.durationMs, perSec: r.envelopesPerSec, latencyMs: r.latencyMs, extra: { entryBytes: r.entryBytes } };
}

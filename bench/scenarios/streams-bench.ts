/** #3: streams-bench's library function, in its own worker process. */
import { createKeys } from '../../src/streams/keys.js';
import { BenchWorker } from '../child.js';
import type { Measurement, Throughput } from '../types.js';
import type { StreamsBenchParams } from '../workers/streams-bench.js';
import { fmt, workerOptions, type ScenarioContext } from './context.js';

/** #3: streams-bench's library function: envelopes built, encoded and appended in batches. */
export async function measureStreamsBench(ctx: ScenarioContext): Promise<Measurement> {
  const { plan } = ctx;
  const params: StreamsBenchParams = {
    redisUrl: ctx.redisUrl,
    prefix: ctx.prefix,
    topic: 'bench.write',
    count: plan.writes,
    pipeline: plan.pipeline,
    connections: plan.writeConnections,
    payloadBytes: plan.payloadBytes,
  };
  const throughput = await BenchWorker.start('streams-bench', params, ctx.cleanup, workerOptions(ctx)).result<Throughput>();
  // The worker leaves its stream (deleting it would count in the Redis CPU window); the run sweeps it.
  const written = (await ctx.admin.streamInfo(createKeys(ctx.prefix).topic('bench.write')))?.length ?? 0;
  if (written !== plan.writes) throw new Error(`streams-bench wrote ${written} entries, expected ${plan.writes}`);
  return {
    id: 'streams-bench',
    settings: `${fmt(plan.writes)} envelopes, ${plan.writeConnections} connections, pipeline ${plan.pipeline}, ${plan.payloadBytes} B payload (${String(throughput.extra?.entryBytes ?? '?')} B encoded)`,
    throughput,
  };
}

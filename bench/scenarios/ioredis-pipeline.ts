/** #2: the bare ioredis pipeline of XADDs, in its own worker process. */
import { BenchWorker } from '../child.js';
import type { Measurement, Throughput } from '../types.js';
import type { IoredisPipelineParams } from '../workers/ioredis-pipeline.js';
import { fmt, workerOptions, type ScenarioContext } from './context.js';

/** #2: XADDs in ioredis pipelines of the same depth, over as many connections as streams-bench uses. */
export async function measureIoredisPipeline(ctx: ScenarioContext): Promise<Measurement> {
  const { plan } = ctx;
  const params: IoredisPipelineParams = {
    redisUrl: ctx.redisUrl,
    stream: `${ctx.prefix}:xadd`,
    count: plan.writes,
    pipeline: plan.pipeline,
    connections: plan.writeConnections,
    payloadBytes: plan.payloadBytes,
  };
  const throughput = await BenchWorker.start('ioredis-pipeline', params, ctx.cleanup, workerOptions(ctx)).result<Throughput>();
  const written = await ctx.admin.streamInfo(params.stream);
  throughput.extra = { ...throughput.extra, entries: written?.length ?? 0 };
  return {
    id: 'ioredis-pipeline',
    settings: `${fmt(plan.writes)} XADDs, ${plan.writeConnections} connections, pipeline ${plan.pipeline}, ${plan.payloadBytes} B value`,
    throughput,
  };
}

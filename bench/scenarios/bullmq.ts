/** #4: BullMQ adding and processing the same number of no-op jobs, in its own worker process. */
import { BenchWorker } from '../child.js';
import type { Measurement, Throughput } from '../types.js';
import type { BullmqParams } from '../workers/bullmq.js';
import { fmt, workerOptions, type ScenarioContext } from './context.js';

/** Runs the BullMQ worker process and returns its processing rate. */
export async function measureBullmq(ctx: ScenarioContext): Promise<Measurement> {
  const { plan } = ctx;
  const params: BullmqParams = {
    redisUrl: ctx.redisUrl,
    prefix: ctx.prefix,
    count: plan.bullmqJobs,
    concurrency: plan.bullmqConcurrency,
    payloadBytes: plan.payloadBytes,
  };
  const throughput = await BenchWorker.start('bullmq', params, ctx.cleanup, workerOptions(ctx)).result<Throughput>();
  return {
    id: 'bullmq',
    settings: `${fmt(plan.bullmqJobs)} jobs (addBulk x1000), Worker concurrency ${plan.bullmqConcurrency}, removeOnComplete, ${plan.payloadBytes} B data`,
    throughput,
  };
}

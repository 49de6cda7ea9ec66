/** #6: the 3-stage pipeline's end-to-end latency; the bench feeds, the actors run in a worker process. */
import { createKeys } from '../../src/streams/keys.js';
import { BenchWorker } from '../child.js';
import { paceEnvelopes } from '../feed.js';
import type { EndToEnd, Measurement } from '../types.js';
import { PIPELINE_TOPICS, type LatencyPayload, type PipelineLatencyParams } from '../workers/pipeline-latency.js';
import { preciseNow } from '../workers/runtime.js';
import { fmt, workerOptions, type ScenarioContext } from './context.js';

/** #6: three actors in one worker process; the bench feeds stage-1 at a fixed rate. */
export async function measurePipelineLatency(ctx: ScenarioContext): Promise<Measurement> {
  const { plan } = ctx;
  const params: PipelineLatencyParams = { redisUrl: ctx.redisUrl, prefix: ctx.prefix, count: plan.pipelineEnvelopes, warmup: plan.pipelineWarmup };
  const worker = BenchWorker.start('pipeline-latency', params, ctx.cleanup, workerOptions(ctx));
  await worker.next('ready');
  const data = 'x'.repeat(plan.payloadBytes);
  const topic = PIPELINE_TOPICS[0];
  const feedPerSec = await paceEnvelopes(
    ctx.admin,
    createKeys(ctx.prefix).topic(topic),
    topic,
    plan.pipelineEnvelopes,
    plan.pipelineRate,
    (seq): LatencyPayload => ({ seq, t0: preciseNow(), data }),
  );
  worker.send({ type: 'fed' });
  const result = await worker.result<Omit<EndToEnd, 'feedPerSec'>>();
  return {
    id: 'pipeline-latency',
    settings: `3 actors in one process, ${fmt(plan.pipelineEnvelopes)} envelopes at ${fmt(plan.pipelineRate)}/s, first ${fmt(plan.pipelineWarmup)} not recorded`,
    endToEnd: { ...result, feedPerSec },
  };
}

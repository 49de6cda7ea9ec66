/** #7: the actor's RSS over a long run; the bench feeds in chunks, the actor runs in a worker process. */
import { createKeys } from '../../src/streams/keys.js';
import { BenchWorker } from '../child.js';
import { feedEnvelopes } from '../feed.js';
import type { Measurement, RssProfile, RssSample } from '../types.js';
import type { ActorRssParams } from '../workers/actor-rss.js';
import { fmt, workerOptions, type ScenarioContext } from './context.js';

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length === 0 ? 0 : v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * RSS once warm (median of the samples from 20 % to 40 % of the run), at the end (median of the
 * last 20 %), and the least-squares trend from 20 % on. Medians, because RSS swings by tens of MB
 * with each major GC; a single sample would call a flat run growing, or a growing one flat.
 */
export function rssProfile(n: number, durationMs: number, samples: RssSample[]): RssProfile {
  const after = samples.filter((s) => s.processed >= n * 0.2);
  const tail = after.length ? after : samples.slice(-1);
  const warmWindow = tail.filter((s) => s.processed <= n * 0.4);
  const finalWindow = tail.filter((s) => s.processed >= n * 0.8);
  const mx = tail.reduce((a, s) => a + s.processed, 0) / tail.length;
  const my = tail.reduce((a, s) => a + s.rssMb, 0) / tail.length;
  const sxx = tail.reduce((a, s) => a + (s.processed - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : tail.reduce((a, s) => a + (s.processed - mx) * (s.rssMb - my), 0) / sxx;
  const r1 = (v: number): number => Math.round(v * 10) / 10;
  return {
    n,
    durationMs,
    samples,
    warmupAt: tail[0]!.processed,
    warmupMb: r1(median((warmWindow.length ? warmWindow : tail.slice(0, 1)).map((s) => s.rssMb))),
    finalMb: r1(median((finalWindow.length ? finalWindow : tail.slice(-1)).map((s) => s.rssMb))),
    slopeMbPer100k: Math.round(slope * 100_000 * 100) / 100,
    projectedGrowthMb: r1(slope * (tail[tail.length - 1]!.processed - tail[0]!.processed)),
  };
}

/** #7: the #5 actor over many envelopes, fed in chunks as it goes, sampling its RSS. */
export async function measureActorRss(ctx: ScenarioContext): Promise<Measurement> {
  const { plan } = ctx;
  const keys = createKeys(ctx.prefix);
  const topic = 'bench.rss';
  const outTopic = 'bench.rss-out';
  const params: ActorRssParams = {
    redisUrl: ctx.redisUrl,
    prefix: ctx.prefix,
    topic,
    outTopic,
    count: plan.rssEnvelopes,
    sampleEvery: plan.rssSampleEvery,
    batchSize: plan.actorBatchSize,
  };
  const worker = BenchWorker.start('actor-rss', params, ctx.cleanup, workerOptions(ctx));
  const chunk = plan.rssSampleEvery;
  const payload = 'x'.repeat(plan.payloadBytes);
  let fed = 0;
  let processed = 0;
  let feeding: Promise<void> = Promise.resolve();
  let failFeed!: (err: unknown) => void;
  const feedFailed = new Promise<never>((_resolve, reject) => (failFeed = reject));
  feedFailed.catch(() => {});
  // Keep at most two chunks ahead of the actor; outputs nobody reads are dropped as we go.
  const topUp = (): void => {
    feeding = feeding
      .then(async () => {
        while (fed < plan.rssEnvelopes && fed - processed < 2 * chunk) {
          const n = Math.min(chunk, plan.rssEnvelopes - fed);
          await feedEnvelopes(ctx.admin, keys.topic(topic), topic, n, () => payload);
          fed += n;
          await ctx.admin.deleteKeys([keys.topic(outTopic)]);
        }
      })
      .catch(failFeed);
  };
  worker.on('progress', (m) => {
    processed = Number(m.processed);
    if (processed % (chunk * 4) === 0) ctx.log(`  ${fmt(processed)} / ${fmt(plan.rssEnvelopes)} envelopes`);
    topUp();
  });
  await worker.next('ready');
  topUp();
  const { durationMs, samples } = await Promise.race([worker.result<{ durationMs: number; samples: RssSample[] }>(), feedFailed]);
  return {
    id: 'actor-rss',
    settings: `${fmt(plan.rssEnvelopes)} envelopes through the #5 actor, RSS sampled every ${fmt(plan.rssSampleEvery)}`,
    rss: rssProfile(plan.rssEnvelopes, durationMs, samples),
  };
}

/**
 * #7: the #5 actor (consume -> emit -> commit) over a long run, sampling its process RSS. The bench
 * feeds the input in chunks as the actor reports progress, so Redis holds a bounded backlog; the
 * runtime's own safe trim (every second, no retention window) keeps the input stream short.
 */
import { defineActor } from '../../src/actors/define.js';
import type { RssSample } from '../types.js';
import type { Channel } from './ipc.js';
import { benchRuntime } from './runtime.js';

/** Parameters from the bench. */
export interface ActorRssParams {
  redisUrl: string;
  prefix: string;
  topic: string;
  outTopic: string;
  count: number;
  sampleEvery: number;
  batchSize: number;
}

const MB = 1024 * 1024;
const STALL_MS = 30_000;

function sample(processed: number): RssSample {
  const m = process.memoryUsage();
  return { processed, rssMb: Math.round((m.rss / MB) * 10) / 10, heapUsedMb: Math.round((m.heapUsed / MB) * 10) / 10 };
}

/** Consumes `count` envelopes; posts { type: 'progress', processed } every `sampleEvery`. */
export async function run(p: ActorRssParams, channel: Channel): Promise<{ durationMs: number; samples: RssSample[] }> {
  const samples: RssSample[] = [];
  let processed = 0;
  let finished!: () => void;
  let failed!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => ((finished = resolve), (failed = reject)));
  const actor = defineActor({
    name: 'rss-actor',
    consumes: [p.topic],
    emits: [p.outTopic],
    batchSize: p.batchSize,
    // Markers expire soon: over a million envelopes they would otherwise fill Redis, not this process.
    idempotencyTtlMs: 10_000,
    handle: (env, ctx) => {
      processed += 1;
      if (processed % p.sampleEvery === 0 || processed === p.count) {
        samples.push(sample(processed));
        channel.post({ type: 'progress', processed });
      }
      if (processed >= p.count) finished();
      return [ctx.derive(p.outTopic, env.payload)];
    },
  });
  const bench = await benchRuntime([actor], p.redisUrl, p.prefix, { trimIntervalMs: 1_000, retentionMs: 0 });
  try {
    samples.push(sample(0));
    const started = performance.now();
    await bench.runtime.start();
    channel.post({ type: 'ready' });
    let last = -1;
    const watchdog = setInterval(() => {
      // The bench feeds as we go: no progress for this long means something is broken.
      if (processed === last) failed(new Error(`no progress for ${STALL_MS} ms at ${processed} envelopes`));
      last = processed;
    }, STALL_MS);
    try {
      await done;
    } finally {
      clearInterval(watchdog);
    }
    return { durationMs: performance.now() - started, samples };
  } finally {
    await bench.close();
  }
}

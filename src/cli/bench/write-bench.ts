/**
 * The write benchmark behind `streams-bench`: N real envelopes (createEnvelope + encodeEnvelope
 * per message, so building and encoding are measured too) appended in batches of `pipeline`
 * envelopes, each batch one appendMany (one pipeline, one round trip), over `connections`
 * RedisStreamBackend instances writing at the same time.
 */
import { encodeEnvelope } from '../../envelope/codec.js';
import { createEnvelope } from '../../envelope/envelope.js';
import type { Append, BackendFeatures } from '../../streams/backend.js';
import { createKeys } from '../../streams/keys.js';
import { RedisStreamBackend } from '../../streams/redis-backend.js';
import { LatencyRecorder, type LatencySummary } from './latency.js';
import { resolveWriteBenchOptions, type WriteBenchOptions } from './options.js';

/** Callbacks and cancellation for a run. */
export interface WriteBenchHooks {
  /** Called after each batch lands, with the envelopes written so far. */
  onProgress?: (written: number) => void;
  /** Stops starting new batches; the run then reports what was written (`aborted: true`). */
  signal?: AbortSignal;
}

/** What one run measured. */
export interface WriteBenchResult {
  /** Envelopes written (less than requested only when aborted). */
  count: number;
  topic: string;
  stream: string;
  payloadBytes: number;
  /** Mean size of one encoded envelope (the stream entry's value), in bytes. */
  entryBytes: number;
  pipeline: number;
  connections: number;
  /** From the first envelope built to the last batch acknowledged by Redis. */
  durationMs: number;
  envelopesPerSec: number;
  batches: number;
  /** Per batch: from building its first envelope to Redis's reply to its pipeline. */
  latencyMs: LatencySummary;
  redisVersion: string;
  /** The written entries were deleted (--cleanup). */
  cleanedUp: boolean;
  aborted: boolean;
}

/** The payload of every benchmark envelope: a string of `bytes` characters, like redis-benchmark's value. */
export function benchPayload(bytes: number): string {
  return 'x'.repeat(bytes);
}

const DELETE_CHUNK = 1_000;

/** Runs the write benchmark; throws BenchOptionError for bad options, StreamBackendError (code CONNECTION) when Redis cannot be reached. */
export async function runWriteBench(
  given: Partial<WriteBenchOptions> & Pick<WriteBenchOptions, 'redisUrl' | 'prefix'>,
  hooks: WriteBenchHooks = {},
): Promise<WriteBenchResult> {
  const o = resolveWriteBenchOptions(given);
  const stream = createKeys(o.prefix).topic(o.topic);
  const backends = Array.from({ length: o.connections }, () => new RedisStreamBackend({ url: o.redisUrl, connectionName: 'streams-bench' }));
  const latency = new LatencyRecorder();
  try {
    let features: BackendFeatures | undefined;
    for (const b of backends) features = await b.connect();
    const first = backends[0]!;
    // Entries of an existing stream are not ours to delete: then only our own ids are removed.
    const existed = (await first.streamInfo(stream)) !== null;
    const ownIds: string[] = [];
    const payload = benchPayload(o.payloadBytes);
    let claimed = 0;
    let written = 0;
    let entryChars = 0;
    let batches = 0;

    const writer = async (backend: RedisStreamBackend): Promise<void> => {
      while (claimed < o.count && !hooks.signal?.aborted) {
        const n = Math.min(o.pipeline, o.count - claimed);
        claimed += n;
        const started = performance.now();
        const batch: Append[] = new Array<Append>(n);
        for (let i = 0; i < n; i++) {
          const fields = encodeEnvelope(createEnvelope({ type: o.topic, payload }));
          entryChars += fields[1]!.length;
          batch[i] = { stream, fields };
        }
        const ids = await backend.appendMany(batch);
        latency.record(performance.now() - started);
        written += n;
        batches += 1;
        if (o.cleanup && existed) ownIds.push(...ids);
        hooks.onProgress?.(written);
      }
    };

    const started = performance.now();
    await Promise.all(backends.map(writer));
    const durationMs = performance.now() - started;

    if (o.cleanup) {
      if (!existed) await first.deleteKeys([stream]);
      else for (let i = 0; i < ownIds.length; i += DELETE_CHUNK) await first.deleteEntries(stream, ownIds.slice(i, i + DELETE_CHUNK));
    }
    return {
      count: written,
      topic: o.topic,
      stream,
      payloadBytes: o.payloadBytes,
      entryBytes: written === 0 ? 0 : Math.round(entryChars / written),
      pipeline: o.pipeline,
      connections: o.connections,
      durationMs: Math.round(durationMs * 10) / 10,
      envelopesPerSec: durationMs > 0 ? Math.round((written * 1000) / durationMs) : 0,
      batches,
      latencyMs: latency.summary(),
      redisVersion: features?.version ?? 'unknown',
      cleanedUp: o.cleanup,
      aborted: written < o.count,
    };
  } finally {
    latency.destroy();
    await Promise.all(backends.map((b) => b.close()));
  }
}

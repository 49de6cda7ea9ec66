/** Puts envelopes on a topic for the actor scenarios: as fast as possible, or at a fixed rate. */
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Append } from '../src/streams/backend.js';
import type { RedisStreamBackend } from '../src/streams/redis-backend.js';

const BATCH = 256;
const IN_FLIGHT = 4;

/** Appends `count` envelopes of `topic` (payload from `payload(seq)`), 4 pipelines of 256 in flight; returns the last id. */
export async function feedEnvelopes(
  backend: RedisStreamBackend,
  stream: string,
  topic: string,
  count: number,
  payload: (seq: number) => unknown,
  firstSeq = 0,
): Promise<string> {
  let next = 0;
  let lastId = '';
  const lane = async (): Promise<void> => {
    while (next < count) {
      const n = Math.min(BATCH, count - next);
      const from = next;
      next += n;
      const batch: Append[] = [];
      for (let i = 0; i < n; i++) batch.push({ stream, fields: encodeEnvelope(createEnvelope({ type: topic, payload: payload(firstSeq + from + i) })) });
      const ids = await backend.appendMany(batch);
      const last = ids[ids.length - 1]!;
      // Lanes finish out of order; stream ids compare by (ms, seq).
      if (lastId === '' || compareIds(last, lastId) > 0) lastId = last;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return lastId;
}

/** Orders two stream ids. */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}

/**
 * Appends `count` envelopes at `perSec`: every millisecond tick, whatever is due (usually one
 * envelope, one XADD), like a producer handling requests as they come. Returns the rate achieved.
 */
export async function paceEnvelopes(
  backend: RedisStreamBackend,
  stream: string,
  topic: string,
  count: number,
  perSec: number,
  payload: (seq: number) => unknown,
): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) * perSec) / 1000) + 1);
    if (due > sent) {
      const batch: Append[] = [];
      for (; sent < due; sent++) batch.push({ stream, fields: encodeEnvelope(createEnvelope({ type: topic, payload: payload(sent) })) });
      await backend.appendMany(batch);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return (count * 1000) / (performance.now() - started);
}

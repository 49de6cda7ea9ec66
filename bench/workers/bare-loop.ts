/**
 * The reference loops of issue 15: what a hand-written consumer on bare ioredis costs, with none
 * of the runtime (no envelope validation, no metrics, no partitions, no retries or DLQ).
 * `commit`: XREADGROUP COUNT batch, per entry JSON.parse the envelope and JSON.stringify one
 * derived output, then one script call per batch doing SET marker NX PX + XADD + XACK per entry.
 * `ack`: XREADGROUP COUNT batch, JSON.parse each envelope, one XACK per batch.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Throughput } from '../types.js';
import type { Channel } from './ipc.js';
import { CpuMeter } from './meter.js';

/** Parameters from the bench. */
export interface BareLoopParams {
  redisUrl: string;
  input: string;
  output: string;
  /** Idempotency markers are `<markerPrefix><idempotencyKey>`. */
  markerPrefix: string;
  group: string;
  count: number;
  batchSize: number;
  mode: 'commit' | 'ack';
  markerTtlMs: number;
}

// KEYS: input, output. ARGV: group, ttlMs, then (id, marker, output JSON) per entry.
const BARE_COMMIT = `
local g, ttl = ARGV[1], ARGV[2]
for i = 3, #ARGV, 3 do
  redis.call('SET', ARGV[i + 1], ARGV[i], 'NX', 'PX', ttl)
  redis.call('XADD', KEYS[2], '*', 'envelope', ARGV[i + 2])
  redis.call('XACK', KEYS[1], g, ARGV[i])
end
return 1
`;

type Raw = [string, [string, string[]][]][] | null;

/** Drains `count` pre-loaded entries; posts 'ready', starts on 'go'. */
export async function run(p: BareLoopParams, channel: Channel): Promise<Throughput> {
  const redis = new Redis(p.redisUrl, { lazyConnect: true });
  const meter = new CpuMeter(p.redisUrl);
  await redis.connect();
  await meter.connect();
  redis.defineCommand('bareCommit', { numberOfKeys: 2, lua: BARE_COMMIT });
  const commit = (redis as unknown as { bareCommit(...a: (string | number)[]): Promise<number> }).bareCommit.bind(redis);
  await redis.xgroup('CREATE', p.input, p.group, '0', 'MKSTREAM').catch(() => undefined);
  try {
    channel.post({ type: 'ready' });
    await channel.next('go');
    await meter.start();
    const started = performance.now();
    let done = 0;
    while (done < p.count) {
      const res = (await redis.xreadgroup('GROUP', p.group, 'c', 'COUNT', p.batchSize, 'STREAMS', p.input, '>')) as Raw;
      const entries = res?.[0]?.[1] ?? [];
      if (entries.length === 0) throw new Error(`stream ran dry after ${done} of ${p.count} entries`);
      if (p.mode === 'ack') {
        const ids: string[] = new Array(entries.length);
        for (let i = 0; i < entries.length; i++) {
          const [id, fields] = entries[i]!;
          JSON.parse(fields[1]!);
          ids[i] = id;
        }
        await redis.xack(p.input, p.group, ...ids);
      } else {
        const args: (string | number)[] = [p.input, p.output, p.group, p.markerTtlMs];
        for (const [id, fields] of entries) {
          const env = JSON.parse(fields[1]!) as { id: string; idempotencyKey: string };
          const key = `${env.idempotencyKey}>bench.out`;
          args.push(id, p.markerPrefix + key, JSON.stringify({ ...env, id: randomUUID(), idempotencyKey: key, causationId: env.id, type: 'bench.out' }));
        }
        await commit(...args);
      }
      done += entries.length;
    }
    const durationMs = performance.now() - started;
    const cpu = await meter.stop();
    return { n: done, durationMs, perSec: (done * 1000) / durationMs, cpu: [cpu] };
  } finally {
    redis.disconnect();
  }
}

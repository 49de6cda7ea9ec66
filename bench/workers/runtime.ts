/** An ActorRuntime on Redis for a measured worker: warnings to stderr, a fixed consumer name. */
import { ActorRuntime } from '../../src/actors/runtime/runtime.js';
import type { RuntimeOptions } from '../../src/actors/runtime/options.js';
import type { ActorDefinition } from '../../src/actors/types.js';
import { createLogger } from '../../src/monitoring/logger.js';
import { createKeys } from '../../src/streams/keys.js';
import { RedisStreamBackend } from '../../src/streams/redis-backend.js';

/** A runtime and the backend it runs on; `close()` stops both. */
export interface BenchRuntime {
  runtime: ActorRuntime;
  backend: RedisStreamBackend;
  close(): Promise<void>;
}

/** Builds (does not start) a runtime for `actors` under `prefix`. */
export async function benchRuntime(
  actors: ActorDefinition[],
  redisUrl: string,
  prefix: string,
  options: Partial<RuntimeOptions> = {},
  consumer = 'bench-0',
): Promise<BenchRuntime> {
  const backend = new RedisStreamBackend({ url: redisUrl });
  await backend.connect();
  const runtime = new ActorRuntime(actors, { backend, keys: createKeys(prefix), consumer, logger: createLogger({ level: 'warn' }), options });
  return {
    runtime,
    backend,
    close: async () => {
      await runtime.stop();
      await backend.close();
    },
  };
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after ms. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const STALL_MS = 30_000;

/** Polls until `group` has delivered up to `lastId` on `stream` with nothing pending; throws when it stalls for 30 s. */
export async function waitUntilConsumed(watcher: RedisStreamBackend, stream: string, group: string, lastId: string, what: string): Promise<void> {
  let seen = '';
  let changedAt = performance.now();
  for (;;) {
    const info = (await watcher.groups(stream)).find((g) => g.name === group);
    if (info && info.lastDeliveredId === lastId && info.pending === 0) return;
    const state = `${info?.lastDeliveredId}/${info?.pending}`;
    if (state !== seen) [seen, changedAt] = [state, performance.now()];
    else if (performance.now() - changedAt > STALL_MS)
      throw new Error(`the ${what} made no progress for ${STALL_MS} ms (delivered/pending ${state}, last id ${lastId})`);
    await sleep(5);
  }
}

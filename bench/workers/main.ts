/**
 * Entry of a measured child process: `node --import tsx bench/workers/main.ts <name> <params JSON>`.
 * Runs one worker's `run(params, channel)`, posts `{ type: 'result' }` and exits 0, or posts
 * `{ type: 'error' }` and exits 1. Exits too when the bench goes away.
 */
import { processChannel, type Channel } from './ipc.js';
import { WORKER_NAMES, type WorkerName } from './names.js';

/** What every worker module exports. */
export interface WorkerModule {
  run(params: never, channel: Channel): Promise<unknown>;
}

const MODULES: Record<WorkerName, () => Promise<WorkerModule>> = {
  'ioredis-pipeline': () => import('./ioredis-pipeline.js'),
  'streams-bench': () => import('./streams-bench.js'),
  bullmq: () => import('./bullmq.js'),
  'actor-throughput': () => import('./actor-throughput.js'),
  'bare-loop': () => import('./bare-loop.js'),
  'pipeline-latency': () => import('./pipeline-latency.js'),
  'actor-rss': () => import('./actor-rss.js'),
  'entity-throughput': () => import('./entity-throughput.js'),
};

const [name = '', json = '{}'] = process.argv.slice(2);
process.on('disconnect', () => process.exit(1));
const channel = processChannel();
try {
  if (!(WORKER_NAMES as readonly string[]).includes(name)) throw new Error(`unknown worker "${name}"`);
  const mod = await MODULES[name as WorkerName]();
  const result = await mod.run(JSON.parse(json) as never, channel);
  process.send?.({ type: 'result', result }, () => process.exit(0));
} catch (err) {
  process.send?.({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1));
}

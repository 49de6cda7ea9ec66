/** Names of the measured worker processes (bench/workers/<name>.ts). */
export const WORKER_NAMES = [
  'ioredis-pipeline',
  'streams-bench',
  'bullmq',
  'actor-throughput',
  'bare-loop',
  'pipeline-latency',
  'actor-rss',
  'entity-throughput',
] as const;

/** One worker process kind. */
export type WorkerName = (typeof WORKER_NAMES)[number];

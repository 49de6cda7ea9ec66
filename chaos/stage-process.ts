/**
 * One chaos stage process: a single stage actor on real Redis with a stable consumer name, so a
 * restarted process finds its own pending entries. Started (and SIGKILLed) by the chaos driver.
 * env: REDIS_URL (credentials, TLS), REDIS_CLUSTER_NODES (cluster seeds), PREFIX, STAGE (s1|s2|s3), CONSUMER, BATCH, CONCURRENCY, CLAIM_IDLE_MS,
 * HEARTBEAT_MS, MAX_DELIVERIES, WORK_MS, LOG_LEVEL. Prints "ready" once consuming; SIGTERM stops
 * it gracefully (exit 0).
 */
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { createLogger, type LogLevel } from '../src/monitoring/logger.js';
import type { Logger } from '../src/monitoring/types.js';
import { createKeys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { isStageName, stageActor } from './pipeline.js';

const env = process.env;
const stage = env.STAGE;
if (!isStageName(stage)) throw new Error(`STAGE must be s1, s2 or s3, got ${String(stage)}`);
const num = (name: string, fallback: number): number => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]));

// Wait for Redis forever: a restarted server must not turn into failed commands here.
const clusterNodes = env.REDIS_CLUSTER_NODES ? env.REDIS_CLUSTER_NODES.split(',') : undefined;
const backend = new RedisStreamBackend({
  url: env.REDIS_URL!,
  maxRetriesPerRequest: null,
  connectionName: `chaos-${env.CONSUMER ?? stage}`,
  ...(clusterNodes ? { clusterNodes } : {}),
});
const actor = stageActor(stage, {
  batchSize: num('BATCH', 32),
  concurrency: num('CONCURRENCY', 8),
  claimIdleMs: num('CLAIM_IDLE_MS', 1_500),
  heartbeatMs: num('HEARTBEAT_MS', 500),
  maxDeliveries: num('MAX_DELIVERIES', 4),
  workMs: num('WORK_MS', 0),
  slowMs: num('SLOW_MS', 4_500),
  // The injected crash: the process dies mid-batch, exactly like a segfault or an OOM kill.
  crash: () => process.exit(1),
});
/**
 * The runtime's `gap` log lines, also kept in Redis for the driver: the highest missingTotal any
 * process reported per stream (both processes of a stage see the same gap).
 */
function gapRecorder(logger: Logger): Logger {
  const error = logger.error.bind(logger);
  return Object.assign(Object.create(logger) as Logger, {
    error: (message: string, meta?: Record<string, unknown>): unknown => {
      if (message === 'gap' && meta)
        void backend.connection.eval(MAX_SET, 1, `${env.PREFIX}:chaos:gap:${String(meta.stream)}`, Number(meta.missingTotal)).catch(() => undefined);
      return error(message, meta);
    },
  });
}
const MAX_SET = "if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 1";

const runtime = new ActorRuntime([actor], {
  backend,
  keys: createKeys(env.PREFIX!),
  consumer: env.CONSUMER ?? `${stage}-0`,
  logger: gapRecorder(createLogger({ level: (env.LOG_LEVEL ?? 'error') as LogLevel, service: `chaos-${stage}` })),
  options: { blockMs: 200, promoteIntervalMs: 50, trimIntervalMs: num('TRIM_INTERVAL_MS', 1_000), retentionMs: 0, errorBackoffMs: 50 },
});
runtime.stopOnSignals(() => {
  void backend.close().then(() => process.exit(0));
});
await runtime.start();
console.log('ready');

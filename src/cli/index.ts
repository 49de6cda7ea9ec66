/**
 * `stream-actors/cli`: the commands behind the bins, callable in-process (each takes parsed
 * arguments and a CliIO and resolves with its exit status), and what they share: exit codes,
 * CliError, flag parsing, the tool runner. The bins in bin/ only parse flags and call these.
 */
export * from './common.js';
export { streamsHealth, type StreamsHealthArgs } from './health/command.js';
export { renderHealth } from './health/render.js';
export { DEFAULT_DLQ_LIST_COUNT, streamsDlq, type DlqAction, type StreamsDlqArgs } from './dlq/command.js';
export { streamsGroupReset, type GroupResetArgs } from './group-reset.js';
export { redisHealth, checkRedis, renderRedisHealth, type RedisHealthArgs, type RedisHealthReport } from './redis-health/command.js';
export { assessRedis, featureSupport, type RedisCheck, type RedisFeatureSupport } from './redis-health/checks.js';
export { BENCH_EXIT, streamsBench, renderWriteBench, type StreamsBenchArgs } from './bench/command.js';
export { runWriteBench, type WriteBenchResult } from './bench/write-bench.js';
export { DEFAULT_WRITE_BENCH_OPTIONS, type WriteBenchOptions } from './bench/options.js';
export { actorsDemo, actorsIngest, actorsList, actorsMigrate, actorsReplay, type ReplayArgs } from './actors/admin.js';
export { actorsRun, type RunArgs } from './actors/run.js';
export { connectTool, type ToolConnection } from './connect.js';

/**
 * One benchmark run: a Redis (REDIS_URL, or a redis-server started for the run with no
 * persistence), then every scenario in order on it, each under its own key prefix that is deleted
 * right after it, so no scenario runs against another's data. Everything started is stopped.
 */
import { availableParallelism, loadavg } from 'node:os';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { describeUrl } from '../src/streams/redis-connection.js';
import { RedisServer } from '../test/support/redis-server.js';
import { Cleanup } from './cleanup.js';
import { cpuSnapshot, foreignCores } from './cpu-share.js';
import { benchPlan, SCENARIO_IDS, type BenchPlan, type ScenarioId } from './plan.js';
import { buildRows, type ReportRow } from './report.js';
import { measureActorRss } from './scenarios/actor-rss.js';
import { measureActorThroughput, measureBareLoop } from './scenarios/actor-throughput.js';
import { measureBullmq } from './scenarios/bullmq.js';
import { measureEntityThroughput } from './scenarios/entity-throughput.js';
import type { ScenarioContext } from './scenarios/context.js';
import { measureIoredisPipeline } from './scenarios/ioredis-pipeline.js';
import { measurePipelineLatency } from './scenarios/pipeline-latency.js';
import { measureRedisBenchmark } from './scenarios/redis-benchmark.js';
import { measureStreamsBench } from './scenarios/streams-bench.js';
import type { Measurement } from './types.js';

/** How to run the suite. */
export interface BenchRunOptions {
  /** Use this server; otherwise a redis-server is started (and stopped) for the run. */
  redisUrl?: string;
  scale?: number;
  /** Run only these scenarios (default: all). */
  only?: readonly ScenarioId[];
  /** Write V8 CPU profiles of the measured worker processes here. */
  cpuProfDir?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Stops whatever the run started; pass one to stop a run from outside (Ctrl-C). */
  cleanup?: Cleanup;
}

/** Everything a run measured, ready for the table and the docs. */
export interface BenchReport {
  plan: BenchPlan;
  measurements: Measurement[];
  rows: ReportRow[];
  redis: { url: string; version: string; source: 'REDIS_URL' | 'redis-server' };
  /** Every key of the run started with this (all deleted by the end). */
  keyPrefix: string;
  startedAt: Date;
  durationMs: number;
  /** Scenarios that failed (their rows say why). */
  failed: ScenarioId[];
  /** 1-minute load average before the run: other work on the machine skews every figure. */
  loadAverage: number;
}

const MEASURE: Record<ScenarioId, (ctx: ScenarioContext) => Promise<Measurement>> = {
  'redis-benchmark': measureRedisBenchmark,
  'ioredis-pipeline': measureIoredisPipeline,
  'streams-bench': measureStreamsBench,
  bullmq: measureBullmq,
  'bare-commit': (ctx) => measureBareLoop(ctx, 'commit'),
  'bare-ack': (ctx) => measureBareLoop(ctx, 'ack'),
  'actor-commit': (ctx) => measureActorThroughput(ctx, 'commit'),
  'actor-ack': (ctx) => measureActorThroughput(ctx, 'ack'),
  'actor-commit-2p': (ctx) => measureActorThroughput(ctx, 'commit', 2),
  'entity-commit': measureEntityThroughput,
  'pipeline-latency': measurePipelineLatency,
  'actor-rss': measureActorRss,
};

/** The Redis server's pid when it runs on this machine (its CPU is ours, not foreign load). */
async function localServerPid(admin: RedisStreamBackend, url: string): Promise<number[]> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) return [];
  const pid = Number(/process_id:(\d+)/.exec(await admin.connection.info('server'))?.[1]);
  return Number.isInteger(pid) && pid > 0 ? [pid] : [];
}

/** Deletes every key starting with `prefix`. */
async function sweep(admin: RedisStreamBackend, prefix: string): Promise<void> {
  const keys = await admin.scanKeys(`${prefix}*`);
  for (let i = 0; i < keys.length; i += 1_000) await admin.deleteKeys(keys.slice(i, i + 1_000));
}

/** Runs the scenarios and returns the report; a failing scenario is reported, the others still run. */
export async function runBench(opts: BenchRunOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const cleanup = opts.cleanup ?? new Cleanup();
  const plan = benchPlan(opts.scale ?? 1);
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  if (loadAtStart > availableParallelism() / 2)
    log(`bench: warning: load average ${loadAtStart.toFixed(2)} on ${availableParallelism()} cores; other processes will skew the figures`);
  const started = performance.now();
  try {
    let url = opts.redisUrl;
    const source = url ? 'REDIS_URL' : 'redis-server';
    if (!url) {
      const server = await RedisServer.start();
      cleanup.add('redis-server', () => server.dispose());
      url = server.url;
    }
    log(`bench: Redis at ${describeUrl(url)} (${source}), scale ${plan.scale}`);
    const admin = new RedisStreamBackend({ url, connectionName: 'bench-admin' });
    cleanup.add('admin connection', () => admin.close());
    const { version } = await admin.connect();
    const serverPids = await localServerPid(admin, url);
    const runId = `bench-${Date.now().toString(36)}`;
    cleanup.add('benchmark keys', () => sweep(admin, runId));

    const measurements: Measurement[] = [];
    const failed: ScenarioId[] = [];
    for (const id of SCENARIO_IDS.filter((s) => !opts.only || opts.only.includes(s))) {
      const prefix = `${runId}-${id}`;
      const t = performance.now();
      log(`bench: ${id}`);
      // What the scenario starts is stopped right after it, so nothing of it runs during the next one.
      const local = new Cleanup();
      const unregister = cleanup.add(id, () => local.run(log));
      const ctx: ScenarioContext = { redisUrl: url, plan, prefix, admin, cleanup: local, log, ...(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {}) };
      const before = cpuSnapshot(serverPids);
      try {
        const m = await MEASURE[id](ctx);
        m.foreignCores = foreignCores(before, cpuSnapshot(serverPids));
        measurements.push(m);
      } catch (err) {
        failed.push(id);
        measurements.push({ id, settings: '', skipped: `failed: ${(err as Error).message.split('\n')[0]}` });
      } finally {
        await local.run(log);
        unregister();
        await sweep(admin, prefix);
      }
      log(`bench: ${id} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    return {
      plan,
      measurements,
      rows: buildRows(measurements),
      redis: { url: describeUrl(url), version, source },
      keyPrefix: runId,
      startedAt,
      durationMs: performance.now() - started,
      failed,
      loadAverage: loadAtStart,
    };
  } finally {
    await cleanup.run(log);
  }
}

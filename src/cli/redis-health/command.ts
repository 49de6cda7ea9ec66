/**
 * redis-health: PING latency, version, role, memory and eviction policy, persistence and clients,
 * judged for stream use (see checks.ts); exit 1 when a check FAILs.
 */
import type { Redis } from 'ioredis';
import { describeUrl } from '../../streams/redis-connection.js';
import { EXIT, resolveToolConfig, type CliIO, type ConnectionFlags } from '../common.js';
import { connectRedis, type ToolConnectionOptions } from '../connect.js';
import { formatBytes, renderTable, toJson } from '../format.js';
import { assessRedis, factsFromInfo, featureSupport, parseInfo, type RedisCheck, type RedisFacts, type RedisFeatureSupport } from './checks.js';

/** What redis-health was asked. */
export interface RedisHealthArgs extends Omit<ConnectionFlags, 'prefix'> {
  connection?: Partial<ToolConnectionOptions>;
}

/** The report, as printed with --json. */
export interface RedisHealthReport {
  healthy: boolean;
  url: string;
  facts: RedisFacts;
  features: RedisFeatureSupport;
  checks: RedisCheck[];
}

/** PINGs this many times and reports the median round trip. */
const PINGS = 3;

async function pingMs(redis: Redis): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < PINGS; i += 1) {
    const t = process.hrtime.bigint();
    await redis.ping();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 100) / 100;
}

/** CONFIG GET one parameter; null where CONFIG is disabled or renamed (managed services). */
async function configGet(redis: Redis, name: string): Promise<string | null> {
  try {
    const res = (await redis.call('CONFIG', 'GET', name)) as string[];
    return res[1] ?? null;
  } catch {
    return null;
  }
}

/** Reads and judges the server. */
export async function checkRedis(redis: Redis, url: string): Promise<RedisHealthReport> {
  const ping = await pingMs(redis);
  const info = parseInfo(await redis.info('everything'));
  const facts = factsFromInfo(info, { appendfsync: await configGet(redis, 'appendfsync'), save: await configGet(redis, 'save') }, ping);
  const checks = assessRedis(facts);
  return { healthy: checks.every((c) => c.status !== 'FAIL'), url: describeUrl(url), facts, features: featureSupport(facts.version), checks };
}

/** The report as text. */
export function renderRedisHealth(r: RedisHealthReport): string {
  const f = r.facts;
  const facts = renderTable(
    ['server', 'value'],
    [
      ['url', r.url],
      ['version', f.version],
      ['role', `${f.role} (${f.mode})`],
      ['ping', `${f.pingMs} ms`],
      ['memory', `${formatBytes(f.usedMemoryBytes)} used / ${f.maxMemoryBytes > 0 ? formatBytes(f.maxMemoryBytes) : 'no limit'}`],
      ['maxmemory-policy', f.maxMemoryPolicy],
      ['persistence', `AOF ${f.aofEnabled ? `on (appendfsync ${f.appendfsync ?? 'unknown'})` : 'off'}, RDB save ${f.rdbSave === null ? 'unknown' : f.rdbSave === '' ? 'off' : `"${f.rdbSave}"`}`],
      ['clients', f.connectedClients],
    ],
  );
  const checks = renderTable(['check', 'status', 'detail'], r.checks.map((c) => [c.name, c.status, c.detail]));
  const fails = r.checks.filter((c) => c.status === 'FAIL').length;
  return `${facts}\n${checks}\n${r.healthy ? 'suits streams' : `UNSUITABLE: ${fails} check${fails === 1 ? '' : 's'} failed`}`;
}

/** Runs redis-health; resolves with the exit status (0, or 1 when a check FAILs). */
export async function redisHealth(args: RedisHealthArgs, io: CliIO): Promise<number> {
  const cfg = resolveToolConfig({ redisUrl: args.redisUrl });
  const redis = await connectRedis(cfg, args.connection);
  try {
    const report = await checkRedis(redis, cfg.redisUrl);
    io.out(args.json ? toJson(report) : renderRedisHealth(report));
    return report.healthy ? EXIT.ok : EXIT.problems;
  } finally {
    redis.disconnect();
  }
}

/**
 * redis-health: PING latency, version, role, memory and eviction policy, persistence and clients,
 * judged for stream use (see checks.ts); exit 1 when a check FAILs.
 */
import type { Redis } from 'ioredis';
import { createKeys } from '../../streams/keys.js';
import { describeUrl } from '../../streams/connection-options.js';
import { EXIT, resolveToolConfig, type CliIO, type ConnectionFlags } from '../common.js';
import { connectRedis, type ToolConnectionOptions } from '../connect.js';
import { formatBytes, renderTable, toJson } from '../format.js';
import { assessRedis, factsFromInfo, featureSupport, parseInfo, type RedisCheck, type RedisFacts, type RedisFeatureSupport } from './checks.js';

/** What redis-health was asked. */
export interface RedisHealthArgs extends Omit<ConnectionFlags, 'prefix'> {
  connection?: Partial<ToolConnectionOptions>;
  /** Also run the stream round trip (append, group read, ack, cleanup) on a scratch key. */
  smoke?: boolean;
}

/** One step of the smoke round trip. */
export interface SmokeStep {
  step: 'append' | 'group-create' | 'group-read' | 'ack' | 'cleanup';
  ok: boolean;
  ms: number;
  detail?: string;
}

/** The smoke round trip's outcome. */
export interface SmokeReport {
  ok: boolean;
  key: string;
  steps: SmokeStep[];
}

/**
 * XADD, XGROUP CREATE, XREADGROUP, XACK (then XPENDING must be empty) and DEL on a scratch stream
 * of the prefix: the commands the runtime lives on, with the connection's own ACL. The key is
 * deleted whatever happens.
 */
export async function streamSmoke(redis: Redis, key: string): Promise<SmokeReport> {
  const steps: SmokeStep[] = [];
  const step = async (name: SmokeStep['step'], run: () => Promise<string | undefined>): Promise<boolean> => {
    const t = process.hrtime.bigint();
    try {
      const detail = await run();
      steps.push({ step: name, ok: true, ms: Number(process.hrtime.bigint() - t) / 1e6, ...(detail ? { detail } : {}) });
      return true;
    } catch (err) {
      steps.push({ step: name, ok: false, ms: Number(process.hrtime.bigint() - t) / 1e6, detail: (err as Error).message });
      return false;
    }
  };
  let id = '';
  try {
    const ok =
      (await step('append', async () => {
        id = String(await redis.xadd(key, '*', 'smoke', '1'));
        return id;
      })) &&
      (await step('group-create', async () => void (await redis.xgroup('CREATE', key, 'smoke', '0')))) &&
      (await step('group-read', async () => {
        const res = (await redis.xreadgroup('GROUP', 'smoke', 'smoke-0', 'COUNT', 1, 'STREAMS', key, '>')) as [string, [string, string[]][]][] | null;
        const got = res?.[0]?.[1]?.[0]?.[0];
        if (got !== id) throw new Error(`read ${String(got)}, expected ${id}`);
        return got;
      })) &&
      (await step('ack', async () => {
        const acked = await redis.xack(key, 'smoke', id);
        const pending = (await redis.xpending(key, 'smoke')) as [number, ...unknown[]];
        if (acked !== 1 || pending[0] !== 0) throw new Error(`acked ${acked}, ${pending[0]} still pending`);
        return undefined;
      }));
    // Each step runs only if the one before worked; `ok` is recomputed from all steps below.
    void ok;
  } finally {
    await step('cleanup', async () => {
      await redis.del(key);
      if ((await redis.exists(key)) !== 0) throw new Error('scratch key still exists');
      return undefined;
    });
  }
  return { ok: steps.every((s) => s.ok), key, steps };
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
      [
        'persistence',
        `AOF ${f.aofEnabled ? `on (appendfsync ${f.appendfsync ?? 'unknown'})` : 'off'}, RDB save ${f.rdbSave === null ? 'unknown' : f.rdbSave === '' ? 'off' : `"${f.rdbSave}"`}`,
      ],
      ['clients', f.connectedClients],
    ],
  );
  const checks = renderTable(
    ['check', 'status', 'detail'],
    r.checks.map((c) => [c.name, c.status, c.detail]),
  );
  const fails = r.checks.filter((c) => c.status === 'FAIL').length;
  return `${facts}\n${checks}\n${r.healthy ? 'suits streams' : `UNSUITABLE: ${fails} check${fails === 1 ? '' : 's'} failed`}`;
}

/** Runs redis-health; resolves with the exit status (0, or 1 when a check FAILs). */
export async function redisHealth(args: RedisHealthArgs, io: CliIO): Promise<number> {
  const cfg = resolveToolConfig({ redisUrl: args.redisUrl });
  const redis = await connectRedis(cfg, args.connection);
  try {
    const report = await checkRedis(redis, cfg.redisUrl);
    const smoke = args.smoke ? await streamSmoke(redis, createKeys(cfg.prefix).smoke(`${process.pid}-${Date.now()}`)) : undefined;
    if (args.json) io.out(toJson(smoke ? { ...report, smoke } : report));
    else {
      const lines = [renderRedisHealth(report)];
      if (smoke)
        lines.push(
          renderTable(
            ['smoke step', 'status', 'ms', 'detail'],
            smoke.steps.map((s) => [s.step, s.ok ? 'OK' : 'FAIL', s.ms.toFixed(2), s.detail ?? '']),
          ),
          smoke.ok ? `stream round trip OK on ${smoke.key} (deleted)` : 'stream round trip FAILED',
        );
      io.out(lines.join('\n'));
    }
    return report.healthy && (smoke?.ok ?? true) ? EXIT.ok : EXIT.problems;
  } finally {
    redis.disconnect();
  }
}

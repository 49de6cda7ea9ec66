/**
 * redis-health: the checks as pure functions, and the real process against the test Redis and
 * against a server of our own whose eviction policy could evict stream keys (exit 1).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RedisHealthReport } from '../src/cli/redis-health/command.js';
import { assessRedis, featureSupport, parseInfo, type RedisFacts } from '../src/cli/redis-health/checks.js';
import { jsonOf, runCli } from './support/cli.js';
import { redisBackend, redisBinarySkipReason, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';
import { RedisServer } from './support/redis-server.js';
import { gated } from './support/skip.js';

const FACTS: RedisFacts = {
  pingMs: 0.3,
  version: '7.2.4',
  mode: 'standalone',
  role: 'master',
  usedMemoryBytes: 50 * 1024 * 1024,
  maxMemoryBytes: 0,
  maxMemoryPolicy: 'noeviction',
  aofEnabled: true,
  appendfsync: 'everysec',
  rdbSave: '3600 1',
  rdbLastSaveStatus: 'ok',
  aofLastWriteStatus: 'ok',
  connectedClients: 3,
};

const status = (f: Partial<RedisFacts>, name: string): string => assessRedis({ ...FACTS, ...f }).find((c) => c.name === name)!.status;

const checks = suite('redis-health checks');

checks('eviction: noeviction OK, volatile-* WARN (markers and heartbeats have TTLs), allkeys-* FAIL', () => {
  assert.is(status({}, 'eviction'), 'OK');
  assert.is(status({ maxMemoryPolicy: 'volatile-lru' }, 'eviction'), 'WARN');
  assert.is(status({ maxMemoryPolicy: 'allkeys-lru' }, 'eviction'), 'FAIL');
  assert.is(status({ maxMemoryPolicy: 'allkeys-random' }, 'eviction'), 'FAIL');
});

checks('version: < 6.2 FAIL, 6.2 WARN (no lag), 7+ OK; features follow the version', () => {
  assert.is(status({ version: '6.0.16' }, 'version'), 'FAIL');
  assert.is(status({ version: '6.2.14' }, 'version'), 'WARN');
  assert.is(status({ version: '7.0.15' }, 'version'), 'OK');
  assert.equal(featureSupport('6.2.0'), { supported: true, groupLag: false, claimReportsDeleted: false, trimAcked: false });
  assert.equal(featureSupport('8.2.1'), { supported: true, groupLag: true, claimReportsDeleted: true, trimAcked: true });
  assert.equal(featureSupport('10.0.0').trimAcked, true);
});

checks('persistence, memory and role', () => {
  assert.is(status({}, 'persistence'), 'OK');
  assert.is(status({ aofEnabled: false, rdbSave: '' }, 'persistence'), 'WARN');
  assert.is(status({ appendfsync: 'no' }, 'persistence'), 'WARN');
  assert.is(status({ rdbLastSaveStatus: 'err' }, 'persistence'), 'FAIL');
  assert.is(status({ maxMemoryBytes: 100 * 1024 * 1024 }, 'memory'), 'OK');
  assert.is(status({ maxMemoryBytes: 52 * 1024 * 1024 }, 'memory'), 'WARN');
  assert.is(status({ role: 'slave' }, 'role'), 'WARN');
});

checks('parseInfo reads fields and skips section headers', () => {
  const m = parseInfo('# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n\r\n# Memory\r\nmaxmemory_policy:noeviction\r\n');
  assert.equal([m.get('redis_version'), m.get('maxmemory_policy'), m.has('# Server')], ['7.2.4', 'noeviction', false]);
});

checks.run();

const proc = suite('redis-health (child process)');

gated(proc, await redisSkipReason())('on the test Redis: every fact and check in --json, exit status follows the FAIL checks; tables by default', async () => {
  const redis = await testRedis();
  assert.ok(redis, 'Redis');
  const [json, table] = await Promise.all([
    runCli('redis-health', ['--redis-url', redis.url, '--json']),
    runCli('redis-health', [], { env: { REDIS_URL: redis.url } }),
  ]);
  const r = jsonOf<RedisHealthReport>(json);
  assert.is(json.code, r.healthy ? 0 : 1, json.stderr);
  assert.ok(r.facts.pingMs >= 0);
  assert.match(r.facts.version, /^\d+\.\d+/);
  assert.ok(['master', 'slave'].includes(r.facts.role));
  assert.ok(r.facts.usedMemoryBytes > 0);
  assert.type(r.facts.maxMemoryPolicy, 'string');
  assert.type(r.facts.aofEnabled, 'boolean');
  assert.ok(r.facts.connectedClients >= 1);
  assert.is(r.features.supported, true);
  assert.equal(
    r.checks.map((c) => c.name),
    ['version', 'eviction', 'memory', 'persistence', 'role'],
  );
  assert.is(table.code, json.code);
  assert.match(table.stdout, /maxmemory-policy/);
  assert.match(table.stdout, /eviction/);
});

gated(proc, redisBinarySkipReason())('a server with maxmemory-policy allkeys-lru: eviction FAIL, exit 1', async () => {
  const server = await RedisServer.start({ args: ['--maxmemory-policy', 'allkeys-lru', '--maxmemory', '64mb'] });
  try {
    const [json, table] = await Promise.all([
      runCli('redis-health', ['--redis-url', server.url, '--json']),
      runCli('redis-health', ['--redis-url', server.url]),
    ]);
    assert.is(json.code, 1, json.stderr);
    const r = jsonOf<RedisHealthReport>(json);
    assert.is(r.healthy, false);
    assert.equal([r.facts.maxMemoryPolicy, r.facts.maxMemoryBytes], ['allkeys-lru', 64 * 1024 * 1024]);
    const eviction = r.checks.find((c) => c.name === 'eviction')!;
    assert.is(eviction.status, 'FAIL');
    assert.match(eviction.detail, /evict stream keys/);
    assert.is(table.code, 1);
    assert.match(table.stdout, /UNSUITABLE: 1 check failed/);
  } finally {
    await server.dispose();
  }
});

gated(proc, await redisSkipReason())('--smoke: append, group read, ack and cleanup on a scratch key of the prefix, which is gone afterwards', async () => {
  const redis = await testRedis();
  if (!redis) throw new Error('the gated suite has a Redis');
  const prefix = uniquePrefix('smoke');
  const run = await runCli('redis-health', ['--redis-url', redis.url, '--smoke', '--json'], { env: { STREAMS_PREFIX: prefix } });
  assert.is(run.code, 0, run.stderr);
  const report = jsonOf<RedisHealthReport & { smoke: { ok: boolean; key: string; steps: { step: string; ok: boolean }[] } }>(run);
  assert.is(report.smoke.ok, true);
  assert.equal(
    report.smoke.steps.map((s) => [s.step, s.ok]),
    [
      ['append', true],
      ['group-create', true],
      ['group-read', true],
      ['ack', true],
      ['cleanup', true],
    ],
  );
  assert.ok(report.smoke.key.startsWith(`${prefix}:smoke:`), report.smoke.key);
  const backend = (await redisBackend())!;
  try {
    assert.is(await backend.streamInfo(report.smoke.key), null, 'the scratch key is deleted');
  } finally {
    await backend.close();
  }
  const table = await runCli('redis-health', ['--redis-url', redis.url, '--smoke'], { env: { STREAMS_PREFIX: prefix } });
  assert.is(table.code, 0, table.stderr);
  assert.match(table.stdout, /stream round trip OK on .*:smoke:.* \(deleted\)/);
});

proc.run();

/**
 * Where integration tests get a real Redis, in order:
 *   1. REDIS_URL (an existing server; tests only ever touch keys under their own fresh prefix),
 *   2. testcontainers, when a Docker engine answers (redis:7-alpine),
 *   3. a redis-server binary started on a free port for this test run.
 * With REQUIRE_REDIS=1 (CI) finding none is a failure; otherwise suites print a visible skip.
 * The result is shared by every test file of one run; tests that kill or restart a server start
 * their own with RedisServer.start().
 */
import type { Redis } from 'ioredis';
import { RedisStreamBackend } from '../../src/streams/redis-backend.js';
import { RedisTestCluster } from './redis-cluster.js';
import { hasRedisServerBinary, RedisServer } from './redis-server.js';
import { required, unavailable } from './skip.js';

/** A Redis the tests may use. */
export interface TestRedis {
  url: string;
  source: 'REDIS_URL' | 'testcontainers' | 'redis-server';
}

let shared: Promise<TestRedis | null> | null = null;
let counter = 0;

async function fromContainer(): Promise<TestRedis | null> {
  try {
    const tc = await import('testcontainers');
    await tc.getContainerRuntimeClient();
    const container = await new tc.GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    process.once('beforeExit', () => void container.stop());
    return { url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`, source: 'testcontainers' };
  } catch {
    return null;
  }
}

async function resolve(): Promise<TestRedis | null> {
  const env = process.env.REDIS_URL;
  if (env) return { url: env, source: 'REDIS_URL' };
  const container = await fromContainer();
  if (container) return container;
  if (hasRedisServerBinary()) {
    const srv = await RedisServer.start();
    srv.unref();
    return { url: srv.url, source: 'redis-server' };
  }
  if (required('redis')) {
    throw new Error('REQUIRE_REDIS=1 but no Redis: set REDIS_URL, start a Docker engine, or install redis-server');
  }
  return null;
}

/** The run's shared Redis, or null (with REQUIRE_REDIS=1 this throws instead). */
export function testRedis(): Promise<TestRedis | null> {
  shared ??= resolve().then((r) => {
    if (r) console.log(`  redis for tests: ${r.source}`);
    else console.log('  SKIPPED: no Redis (set REDIS_URL, run Docker, or install redis-server); REQUIRE_REDIS=1 makes this a failure');
    return r;
  });
  return shared;
}

/** A key prefix no other test uses. */
export function uniquePrefix(tag = 't'): string {
  counter += 1;
  return `${tag}${process.pid}x${Date.now().toString(36)}x${counter}`;
}

/** A connected backend on the shared Redis, or null when there is none (and it is not required). */
export async function redisBackend(url?: string): Promise<RedisStreamBackend | null> {
  const r = url ? { url } : await testRedis();
  if (!r) return null;
  const backend = new RedisStreamBackend({ url: r.url, maxRetriesPerRequest: 5 });
  await backend.connect();
  return backend;
}

/** Deletes every key under a prefix (tests clean up after themselves on a shared server). */
export async function deletePrefix(backend: RedisStreamBackend, prefix: string): Promise<void> {
  const keys = await backend.scanKeys(`${prefix}:*`);
  if (keys.length) await backend.deleteKeys(keys);
}

let sharedCluster: Promise<{ nodes: string[] } | null> | null = null;

/**
 * The run's shared Redis Cluster: REDIS_CLUSTER_NODES, else three masters started from the
 * redis-server binary; null (visible skip) when neither exists, a failure under REQUIRE_REDIS=1.
 */
export function clusterForTests(): Promise<{ nodes: string[] } | null> {
  sharedCluster ??= (async () => {
    const env = process.env.REDIS_CLUSTER_NODES;
    if (env) return { nodes: env.split(',').map((n) => n.trim()) };
    if (hasRedisServerBinary()) {
      const cluster = await RedisTestCluster.start();
      for (const m of cluster.masters) m.unref();
      console.log(`  redis cluster for tests: ${cluster.nodes.join(',')}`);
      return { nodes: cluster.nodes };
    }
    if (required('redis')) throw new Error('REQUIRE_REDIS=1 but no cluster: set REDIS_CLUSTER_NODES or install redis-server');
    console.log('  SKIPPED: no Redis Cluster (set REDIS_CLUSTER_NODES or install redis-server)');
    return null;
  })();
  return sharedCluster;
}

/** A connected backend on the shared Redis under a fresh prefix, whose cleanup deletes the prefix and closes it; null without Redis. */
export async function prefixedRedis(tag: string): Promise<{ backend: RedisStreamBackend; prefix: string; cleanup(): Promise<void> } | null> {
  const backend = await redisBackend();
  if (!backend) return null;
  const prefix = uniquePrefix(tag);
  return {
    backend,
    prefix,
    cleanup: async () => {
      await deletePrefix(backend, prefix);
      await backend.close();
    },
  };
}

/**
 * Clients blocked in a command right now (INFO clients `blocked_clients`, summed over the masters
 * on a cluster): a test waits for a reader to be blocked on the server instead of sleeping.
 */
export async function blockedClients(backend: RedisStreamBackend): Promise<number> {
  const conn = backend.connection as unknown as { nodes?: (role: 'master') => Redis[]; info(section: string): Promise<string> };
  const nodes: { info(section: string): Promise<string> }[] = typeof conn.nodes === 'function' ? conn.nodes('master') : [conn];
  let total = 0;
  for (const n of nodes) total += Number(/blocked_clients:(\d+)/.exec(await n.info('clients'))?.[1] ?? 0);
  return total;
}

/** Why suites on the shared Redis cannot run here, or null (throws under REQUIRE_REDIS=1, as testRedis does). */
export async function redisSkipReason(): Promise<string | null> {
  return (await testRedis()) ? null : 'no Redis (set REDIS_URL, run Docker, or install redis-server)';
}

/** Why suites on a Redis Cluster cannot run here, or null (throws under REQUIRE_REDIS=1). */
export async function clusterSkipReason(): Promise<string | null> {
  return (await clusterForTests()) ? null : 'no Redis Cluster (set REDIS_CLUSTER_NODES or install redis-server)';
}

/** Why suites that start, kill or restart their own redis-server cannot run here, or null (throws under REQUIRE_REDIS=1). */
export function redisBinarySkipReason(): string | null {
  return unavailable('redis', hasRedisServerBinary(), 'no redis-server binary to start, kill or restart a server of our own');
}

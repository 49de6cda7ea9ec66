/**
 * What differs on Redis Cluster: the client from seed nodes, pipelines split per slot (a pipeline
 * may only touch one slot), and SCAN over every master.
 */
import calculateSlot from 'cluster-key-slot';
import { Cluster, type ChainableCommander, type Redis } from 'ioredis';
import { DEFAULT_CLUSTER_OPTIONS, ioredisOptions, type RedisConnectionOptions } from './redis-connection.js';

/** A Cluster client from seed nodes (host:port), with the URL's credentials and TLS applied to every node. */
export function createCluster(nodes: string[], opts: Partial<RedisConnectionOptions>): Cluster {
  const { url, options } = ioredisOptions(opts);
  const u = new URL(url);
  const redisOptions = {
    ...options,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
  delete redisOptions.retryStrategy;
  return new Cluster(
    nodes.map((n) => {
      const [host = '127.0.0.1', port = '6379'] = n.split(':');
      return { host, port: Number(port) };
    }),
    {
      lazyConnect: true,
      redisOptions,
      maxRedirections: DEFAULT_CLUSTER_OPTIONS.maxRedirections,
      retryDelayOnFailover: DEFAULT_CLUSTER_OPTIONS.retryDelayOnFailoverMs,
      retryDelayOnClusterDown: DEFAULT_CLUSTER_OPTIONS.retryDelayOnClusterDownMs,
      clusterRetryStrategy: options.retryStrategy,
    },
  );
}

/**
 * Connects a Cluster client and resolves once it is ready. Cluster#connect() alone can hang for
 * good: when its ready check finds cluster_state:fail (a master down, or one just restarted and
 * still in its rejoin delay), ioredis reconnects under a new internal promise and
 * never settles the one it returned (redis/ioredis#709), although the client turns ready later.
 * So the client's 'ready' settles it too; 'end' (no more retries) rejects.
 */
export function connectClusterClient(cluster: Cluster): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      cluster.off('ready', onReady);
      cluster.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new Error('Connection is closed (the cluster client gave up reconnecting)'));
    cluster.once('ready', onReady);
    cluster.once('end', onEnd);
    cluster.connect().then(() => done(), done);
  });
}

/**
 * Indexes of `keys` grouped by cluster slot, in first-seen order (one list per slot, each in key
 * order). The one place keys are grouped by slot: pipelines and multi-key commands on a cluster
 * may touch one slot only.
 */
export function groupBySlot(keys: readonly string[]): number[][] {
  const bySlot = new Map<number, number[]>();
  keys.forEach((k, i) => {
    const slot = calculateSlot(k);
    const list = bySlot.get(slot);
    if (list) list.push(i);
    else bySlot.set(slot, [i]);
  });
  return [...bySlot.values()];
}

/**
 * Runs one command per key as a pipeline and returns the replies in key order. On a cluster it
 * becomes one pipeline per slot, sent concurrently.
 */
export async function pipelineBySlot(
  redis: Redis,
  cluster: boolean,
  keys: string[],
  add: (pipe: ChainableCommander, index: number) => unknown,
): Promise<[Error | null, unknown][]> {
  if (!cluster) {
    const pipe = redis.pipeline();
    keys.forEach((_, i) => add(pipe, i));
    return ((await pipe.exec()) ?? []) as [Error | null, unknown][];
  }
  const out: [Error | null, unknown][] = new Array(keys.length);
  await Promise.all(
    groupBySlot(keys).map(async (indexes) => {
      const pipe = redis.pipeline();
      for (const i of indexes) add(pipe, i);
      const res = ((await pipe.exec()) ?? []) as [Error | null, unknown][];
      indexes.forEach((i, j) => (out[i] = res[j] ?? [new Error('no reply'), null]));
    }),
  );
  return out;
}

/** Keys matching a pattern (optionally of one type) over the given nodes, sorted. */
export async function scanKeys(nodes: Redis[], pattern: string, type?: string): Promise<string[]> {
  const found = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const args: (string | number)[] = [cursor, 'MATCH', pattern, 'COUNT', 1000];
      if (type) args.push('TYPE', type);
      const [next, keys] = (await node.call('SCAN', ...args)) as [string, string[]];
      for (const k of keys) found.add(k);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...found].sort();
}

/**
 * A local Redis Cluster of three masters (no replicas) started from redis-server binaries on free
 * ports, for the partition tests. Masters can be killed and restarted (AOF keeps their data).
 */
import { spawnSync } from 'node:child_process';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { freePort, RedisServer } from './redis-server.js';

/** A running test cluster. */
export class RedisTestCluster {
  private constructor(readonly masters: RedisServer[]) {}

  /** Seed nodes as host:port strings. */
  get nodes(): string[] {
    return this.masters.map((m) => `127.0.0.1:${m.port}`);
  }

  /** Starts three masters, joins them with `redis-cli --cluster create` and waits for cluster_state:ok. */
  static async start(): Promise<RedisTestCluster> {
    const masters: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      // The cluster bus listens on port + 10000: keep both free.
      let port = await freePort();
      while (port > 55_000) port = await freePort();
      masters.push(
        await RedisServer.start({
          port,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
            '--appendonly',
            'yes',
            '--appendfsync',
            'always',
          ],
        }),
      );
    }
    const cluster = new RedisTestCluster(masters);
    const res = spawnSync('redis-cli', ['--cluster', 'create', ...cluster.nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (res.status !== 0) {
      await cluster.dispose();
      throw new Error(`redis-cli --cluster create failed: ${res.stderr || res.stdout}`);
    }
    await cluster.waitUntilOk();
    return cluster;
  }

  /** Resolves once every master reports cluster_state:ok. */
  async waitUntilOk(timeoutMs = 20_000): Promise<void> {
    await this.waitUntilState('ok', this.masters, timeoutMs);
  }

  /** Resolves once each of `masters` reports cluster_state:`state` (e.g. 'fail' while a master is down). */
  async waitUntilState(state: 'ok' | 'fail', masters: RedisServer[] = this.masters.filter((m) => m.pid !== null), timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const m of masters) {
      const r = new Redis(m.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      r.on('error', () => {});
      try {
        await r.connect();
        while (!new RegExp(`cluster_state:${state}`).test(await r.cluster('INFO'))) {
          if (Date.now() > deadline) throw new Error(`cluster not ${state} after ${timeoutMs} ms`);
          await new Promise((res) => setTimeout(res, 100));
        }
      } finally {
        r.disconnect();
      }
    }
  }

  /** Index of the master that owns a key's slot (asked from CLUSTER SLOTS). */
  async ownerOf(key: string): Promise<number> {
    const slot = calculateSlot(key);
    const r = new Redis(this.masters[0]!.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    r.on('error', () => {});
    try {
      await r.connect();
      const ranges = (await r.cluster('SLOTS')) as unknown as [number, number, [string, number, ...unknown[]]][];
      const hit = ranges.find(([from, to]) => slot >= from && slot <= to);
      const port = hit?.[2][1];
      const i = this.masters.findIndex((m) => m.port === port);
      if (i < 0) throw new Error(`no master owns slot ${slot}`);
      return i;
    } finally {
      r.disconnect();
    }
  }

  /** Kills one master and starts it again on the same port and data (its slots are down meanwhile). */
  async restartMaster(i: number, downMs = 500): Promise<void> {
    await this.masters[i]!.restart('SIGKILL', downMs);
    await this.waitUntilOk();
  }

  /** SIGKILLs one master and leaves it down (its slots are down until startMaster). */
  async killMaster(i: number): Promise<void> {
    await this.masters[i]!.stop('SIGKILL');
  }

  /** Starts a killed master again on the same port and data (AOF and nodes.conf). */
  async startMaster(i: number): Promise<void> {
    await this.masters[i]!.restart();
  }

  /** Stops every master and removes their data. */
  async dispose(): Promise<void> {
    await Promise.all(this.masters.map((m) => m.dispose()));
  }
}

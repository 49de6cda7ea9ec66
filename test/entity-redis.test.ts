/** The entity contract on a real Redis and on a 3-master cluster (every key of a test in one partition's slot). */
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { entityContract } from './contract/entity.contract.js';
import { clusterForTests, clusterSkipReason, prefixedRedis, redisSkipReason, uniquePrefix } from './support/redis.js';

entityContract('redis', async () => (await prefixedRedis('ent'))!, await redisSkipReason());

const cluster = await clusterForTests();
entityContract(
  'cluster',
  async () => {
    if (!cluster) throw new Error('the gated suite has a cluster');
    const backend = new RedisStreamBackend({ clusterNodes: cluster.nodes, maxRetriesPerRequest: 5 });
    await backend.connect();
    const prefix = uniquePrefix('ecl');
    return {
      backend,
      prefix,
      cleanup: async () => {
        const keys = await backend.scanKeys(`${prefix}:*`);
        if (keys.length) await backend.deleteKeys(keys);
        await backend.close();
      },
    };
  },
  await clusterSkipReason(),
);

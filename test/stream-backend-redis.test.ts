/** The StreamBackend contract suite against a real Redis (see test/support/redis.ts for where it comes from). */
import { createKeys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { streamBackendContract } from './contract/stream-backend.contract.js';
import { blockedClients, deletePrefix, redisSkipReason, testRedis, uniquePrefix } from './support/redis.js';

const redis = await testRedis();
streamBackendContract(
  'redis',
  async () => {
    const backend = new RedisStreamBackend({ url: redis!.url, maxRetriesPerRequest: 5 });
    await backend.connect();
    const prefix = uniquePrefix('sb');
    return {
      backend,
      keys: createKeys(prefix),
      blockedReaders: () => blockedClients(backend),
      cleanup: async () => {
        await deletePrefix(backend, prefix);
        await backend.close();
      },
    };
  },
  await redisSkipReason(),
);

import { actorRuntimeContract } from './contract/actor-runtime.contract.js';
import { deletePrefix, redisBackend, uniquePrefix } from './support/redis.js';

actorRuntimeContract('redis', async () => {
  const backend = await redisBackend();
  if (!backend) return null;
  const prefix = uniquePrefix('rt');
  return {
    backend,
    prefix,
    cleanup: async () => {
      await deletePrefix(backend, prefix);
      await backend.close();
    },
  };
});

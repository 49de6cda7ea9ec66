import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { actorRuntimeContract } from './contract/actor-runtime.contract.js';
import { uniquePrefix } from './support/redis.js';

actorRuntimeContract('memory', async () => {
  const backend = new MemoryStreamBackend();
  return { backend, prefix: uniquePrefix('rt'), cleanup: () => backend.close() };
});

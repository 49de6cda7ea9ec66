import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { entityContract } from './contract/entity.contract.js';
import { uniquePrefix } from './support/redis.js';

entityContract('memory', async () => {
  const backend = new MemoryStreamBackend();
  return { backend, prefix: uniquePrefix('ent'), cleanup: () => backend.close() };
});

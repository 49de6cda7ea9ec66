import { actorRuntimeContract } from './contract/actor-runtime.contract.js';
import { prefixedRedis, redisSkipReason } from './support/redis.js';

actorRuntimeContract('redis', () => prefixedRedis('rt'), await redisSkipReason());

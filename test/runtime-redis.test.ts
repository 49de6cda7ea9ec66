import { actorRuntimeContract } from './contract/actor-runtime.contract.js';
import { prefixedRedis } from './support/redis.js';

actorRuntimeContract('redis', () => prefixedRedis('rt'));

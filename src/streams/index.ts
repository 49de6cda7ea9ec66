/** The stream seam's public surface. */
export * from './backend.js';
export * from './keys.js';
export * from './factory.js';
export { MemoryStreamBackend } from './memory-backend.js';
export { RedisStreamBackend, type RedisStreamBackendOptions } from './redis-backend.js';
export { DEFAULT_REDIS_CONNECTION_OPTIONS, createRedisConnection, describeUrl, type RedisConnectionOptions } from './redis-connection.js';

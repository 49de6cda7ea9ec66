/**
 * Logs a Redis outage when it starts and when it ends, once each: ioredis reconnects silently, so
 * without this an outage shows in the logs only through its side effects once it is over.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../monitoring/types.js';

/** Watches one connection; returns a function that stops watching. */
export function logConnectionChanges(redis: Redis, logger: Logger, where: string, now: () => number = Date.now): () => void {
  let lostAt: number | null = null;
  const lost = (err?: Error): void => {
    if (lostAt !== null) return;
    lostAt = now();
    logger.warn('redis connection lost; retrying until it is back', { redis: where, ...(err ? { error: err.message } : {}) });
  };
  const restored = (): void => {
    if (lostAt === null) return;
    logger.info('redis connection restored', { redis: where, downMs: now() - lostAt });
    lostAt = null;
  };
  const onError = (err: Error): void => lost(err);
  const onClose = (): void => lost();
  redis.on('error', onError);
  redis.on('close', onClose);
  redis.on('ready', restored);
  return () => {
    redis.off('error', onError);
    redis.off('close', onClose);
    redis.off('ready', restored);
  };
}

/**
 * CPU over a measured window: this process's CPU time (process.cpuUsage: every thread, GC
 * included) and the Redis server's (`INFO cpu` used_cpu_sys + used_cpu_user, main and
 * background threads). Redis's figures are returned raw (seconds since it started), so the bench
 * can combine the windows of two processes measured at once.
 */
import { Redis } from 'ioredis';

/** What one measured window cost. */
export interface CpuWindow {
  /** CPU time of this process in the window, µs. */
  nodeUs: number;
  /** Redis's cumulative CPU seconds at the start and at the end of the window. */
  redisStartSec: number;
  redisEndSec: number;
  /** Epoch ms (sub-ms precision) of the window, comparable across processes on one machine. */
  startMs: number;
  endMs: number;
}

/** Redis's cumulative CPU time, in seconds (`INFO cpu`: used_cpu_sys + used_cpu_user). */
export function redisCpuSeconds(info: string): number {
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  const sec = field('used_cpu_sys') + field('used_cpu_user');
  if (!Number.isFinite(sec)) throw new Error('INFO cpu has no used_cpu_sys/used_cpu_user');
  return sec;
}

/** Measures one window: `start()` then `stop()`; its own connection, opened before the window. */
export class CpuMeter {
  private readonly redis: Redis;
  private node: NodeJS.CpuUsage | null = null;
  private redisStartSec = 0;
  private startMs = 0;

  constructor(redisUrl: string) {
    this.redis = new Redis(redisUrl, { lazyConnect: true, connectionName: 'bench-meter' });
  }

  /** Opens the connection (outside the window). */
  async connect(): Promise<void> {
    await this.redis.connect();
  }

  /** Starts the window. */
  async start(): Promise<void> {
    this.redisStartSec = redisCpuSeconds(await this.redis.info('cpu'));
    this.startMs = performance.timeOrigin + performance.now();
    this.node = process.cpuUsage();
  }

  /** Ends the window and closes the connection. */
  async stop(): Promise<CpuWindow> {
    if (!this.node) throw new Error('CpuMeter.stop() before start()');
    const d = process.cpuUsage(this.node);
    const endMs = performance.timeOrigin + performance.now();
    const redisEndSec = redisCpuSeconds(await this.redis.info('cpu'));
    this.redis.disconnect();
    return { nodeUs: d.user + d.system, redisStartSec: this.redisStartSec, redisEndSec, startMs: this.startMs, endMs };
  }
}

/** What every scenario gets from the run. */
import type { RedisStreamBackend } from '../../src/streams/redis-backend.js';
import type { Cleanup } from '../cleanup.js';
import type { BenchPlan } from '../plan.js';

/** The run's server, sizes and housekeeping, shared by the scenarios. */
export interface ScenarioContext {
  redisUrl: string;
  plan: BenchPlan;
  /** Key prefix of this scenario: everything it writes starts with it, and is deleted after it. */
  prefix: string;
  /** A connection of the bench itself, for feeding and inspecting (not measured). */
  admin: RedisStreamBackend;
  cleanup: Cleanup;
  /** When set, measured worker processes write a V8 CPU profile there. */
  cpuProfDir?: string;
  /** A progress line on stderr. */
  log(line: string): void;
}

/** Fork options of a scenario's worker process (CPU profile when asked for). */
export function workerOptions(ctx: ScenarioContext): { cpuProfDir?: string } {
  return ctx.cpuProfDir ? { cpuProfDir: ctx.cpuProfDir } : {};
}

/** A count with thousands separators. */
export const fmt = (n: number): string => n.toLocaleString('en-US');

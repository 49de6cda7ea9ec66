import type { BackoffOptions } from '../types.js';

/** Delay before attempt `attempt + 1`: exponential from initialMs, capped at maxMs, with +-jitter. */
export function backoffDelay(b: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(b.maxMs, b.initialMs * b.multiplier ** Math.max(0, attempt - 1));
  const jitter = b.jitter > 0 ? 1 + b.jitter * (2 * random() - 1) : 1;
  return Math.max(0, Math.round(Math.min(b.maxMs, base * jitter)));
}

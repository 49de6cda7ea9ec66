/**
 * Fallbacks for lookups that found nothing: a sliding-window rate limit (MAX_FALLBACKS_PER_MIN)
 * on the agent's clock, and the built-in offline fallback, which searches the company named by
 * the sender's mail domain (`jane@acme-robotics.example` -> company contains "acme robotics").
 */
import type { Clock } from '../../../clock.js';
import type { LeadFilters } from '../types.js';

/** Allows at most `max` events in any `windowMs`; one per agent instance. */
export class SlidingWindowLimiter {
  readonly #times: number[] = [];

  constructor(
    private readonly max: number,
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {}

  /** Takes a slot if one is free in the window ending now; false when the limit is reached. */
  tryAcquire(): boolean {
    const now = this.clock.now();
    while (this.#times.length > 0 && this.#times[0]! <= now - this.windowMs) this.#times.shift();
    if (this.#times.length >= this.max) return false;
    this.#times.push(now);
    return true;
  }

  /** Slots used in the current window. */
  get used(): number {
    const now = this.clock.now();
    return this.#times.filter((t) => t > now - this.windowMs).length;
  }
}

/** What a planner (an injected LLM, or the built-in fallback) is asked. */
export interface PlannerInput {
  text: string;
  /** The filters parsed from the text (possibly empty). */
  filters: LeadFilters;
  /** Why it is asked: nothing could be parsed, or nothing was found. */
  reason: 'no-filters' | 'no-rows';
}

/** A planner's answer: filters to try, or none (give up). */
export interface PlannerResult {
  filters?: LeadFilters;
}

/** An injectable planner (e.g. an LLM call); it may throw — the agent never does. */
export type RagPlanner = (input: PlannerInput) => Promise<PlannerResult> | PlannerResult;

/** Mail-provider domains that say nothing about the sender's company. */
const PERSONAL_DOMAINS = new Set(['gmail', 'googlemail', 'yahoo', 'outlook', 'hotmail', 'icloud', 'proton', 'protonmail', 'gmx', 'web', 'aol', 'mail']);

/** The built-in fallback: a company search by the sender's domain name; nothing for personal mail domains. */
export const domainCompanyFallback: RagPlanner = ({ filters }) => {
  const domain = filters.email?.split('@')[1];
  const stem = domain?.split('.')[0];
  if (stem === undefined || stem === '' || PERSONAL_DOMAINS.has(stem)) return {};
  const company = stem.replace(/[-_]+/g, ' ').trim();
  return company.length >= 3 ? { filters: { company } } : {};
};

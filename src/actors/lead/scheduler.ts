/**
 * The campaign manager's scheduler part. A `campaign.scheduled` envelope fires one occurrence of a
 * campaign: it emits the campaign's `lead.job` for when it is due and, for a repeating schedule,
 * re-emits itself for the next occurrence. Both go through the runtime's delayed delivery
 * (`ctx.emit(env, { at })`), so nothing here keeps timers or state: a restart loses nothing, and
 * the deterministic `key` per occurrence makes every re-run of a tick produce the same children.
 * Missed occurrences (the topology was down) fire on restart, one after another, never twice.
 */
import type { Envelope } from '../../envelope/types.js';
import { PermanentError } from '../errors.js';
import type { ActorContext } from '../types.js';
import { TOPICS } from './topics.js';
import type { CampaignSchedule, Job } from './types.js';

/** A validated schedule with its times as epoch ms. */
export interface ResolvedSchedule {
  campaignId: string;
  query: string;
  limit?: number;
  startAtMs: number;
  everyMs?: number;
  count?: number;
  untilMs?: number;
  occurrence: number;
}

const toMs = (v: string | number, what: string): number => {
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) throw new PermanentError(`invalid campaign schedule: $.${what}: not a time`);
  return ms;
};

const positiveInt = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new PermanentError(`invalid campaign schedule: $.${what}: must be a positive integer`);
  return v;
};

/** Validates a `campaign.scheduled` payload; `nowMs` is the start when none is given. Bad input is a PermanentError. */
export function resolveSchedule(payload: unknown, nowMs: number): ResolvedSchedule {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new PermanentError('invalid campaign schedule: $: must be an object');
  const p = payload as Partial<CampaignSchedule>;
  if (typeof p.campaignId !== 'string' || p.campaignId.trim() === '') throw new PermanentError('invalid campaign schedule: $.campaignId: required');
  if (typeof p.query !== 'string' || p.query.trim() === '') throw new PermanentError('invalid campaign schedule: $.query: required');
  const s: ResolvedSchedule = {
    campaignId: p.campaignId.trim(),
    query: p.query,
    startAtMs: p.startAt === undefined ? nowMs : toMs(p.startAt, 'startAt'),
    occurrence: p.occurrence === undefined || p.occurrence === 0 ? 0 : positiveInt(p.occurrence, 'occurrence'),
  };
  if (p.limit !== undefined) s.limit = positiveInt(p.limit, 'limit');
  if (p.everyMs !== undefined) s.everyMs = positiveInt(p.everyMs, 'everyMs');
  if (p.count !== undefined) s.count = positiveInt(p.count, 'count');
  if (p.until !== undefined) s.untilMs = toMs(p.until, 'until');
  if (s.everyMs === undefined && s.count !== undefined && s.count > 1) {
    throw new PermanentError('invalid campaign schedule: $.count: more than one occurrence needs $.everyMs');
  }
  return s;
}

/** When occurrence n is due. */
export function dueAtMs(s: ResolvedSchedule, n: number): number {
  return s.startAtMs + n * (s.everyMs ?? 0);
}

/** Whether occurrence n exists at all: within count and until, and only 0 for a one-shot schedule. */
export function occurrenceExists(s: ResolvedSchedule, n: number): boolean {
  if (n < 0) return false;
  if (s.everyMs === undefined && n > 0) return false;
  if (s.count !== undefined && n >= s.count) return false;
  if (s.untilMs !== undefined && dueAtMs(s, n) > s.untilMs) return false;
  return true;
}

/** Campaign jobs ask for this many leads unless the schedule says otherwise. */
export const DEFAULT_CAMPAIGN_LIMIT = 25;

/** Handles one tick: emits the due occurrence's job (at its time) and the next tick (at the next time). */
export function handleScheduled(env: Envelope, ctx: ActorContext): void {
  const s = resolveSchedule(env.payload, ctx.clock.now());
  const n = s.occurrence;
  if (!occurrenceExists(s, n)) {
    ctx.logger.info('campaign schedule finished', { campaignId: s.campaignId, occurrence: n });
    return;
  }
  const due = dueAtMs(s, n);
  const job: Job = {
    jobType: 'campaign',
    campaignId: s.campaignId,
    query: s.query,
    limit: s.limit ?? DEFAULT_CAMPAIGN_LIMIT,
    occurrence: n,
    scheduledFor: new Date(due).toISOString(),
    context: {},
  };
  ctx.emit(ctx.derive(TOPICS.leadJob, job, { key: `occ-${n}` }), { at: due });
  if (!occurrenceExists(s, n + 1)) return;
  // The next tick carries the resolved start, so every later occurrence is computed from the same origin.
  const next: CampaignSchedule = {
    campaignId: s.campaignId,
    query: s.query,
    startAt: s.startAtMs,
    everyMs: s.everyMs!,
    occurrence: n + 1,
    ...(s.limit !== undefined ? { limit: s.limit } : {}),
    ...(s.count !== undefined ? { count: s.count } : {}),
    ...(s.untilMs !== undefined ? { until: s.untilMs } : {}),
  };
  ctx.emit(ctx.derive(TOPICS.campaignScheduled, next, { key: `tick-${n + 1}` }), { at: dueAtMs(s, n + 1) });
}

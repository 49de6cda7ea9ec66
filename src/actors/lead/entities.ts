/**
 * The lead pipeline's event-sourced entities. `lead` (id: the lead's email, lower-cased) keeps the
 * conversation and decides what the orchestrators' drafts may do: it sits between the copywriter
 * and the db-writer, turning each draft.created into draft.approved (downstream) or draft.blocked
 * (published, for the campaign's counts; no second draft for a lead already drafted in the campaign, no follow-up after a reply, nothing
 * after an opt-out or a bounce). `campaign` (id: the campaign) keeps its counts and schedule.
 */
import type { Envelope } from '../../envelope/types.js';
import { defineEntity } from '../entity/define.js';
import type { EntityDefinition, EntityEvent } from '../entity/types.js';
import type { ActorSpec } from '../types.js';
import { replyIntentOf } from './orchestrators.js';
import { LEAD_ACTOR_NAMES, TOPICS } from './topics.js';
import type { CampaignSchedule, DeliveryOutcome, DraftCreated, Job } from './types.js';

/** Where a conversation with a lead stands. */
export type LeadStatus = 'new' | 'drafted' | 'sent' | 'replied' | 'bounced' | 'opted-out';

/** State of the lead entity. */
export interface LeadState {
  status: LeadStatus;
  /** Campaigns a draft was approved in. */
  campaigns: string[];
  drafts: number;
  blocked: number;
  lastReplyIntent?: string;
}

/** State of the campaign entity. */
export interface CampaignState {
  drafted: number;
  blocked: number;
  schedule: { everyMs?: number; count?: number; startAt?: string | number; until?: string | number } | null;
  occurrences: number;
}

const BOUNCE = /\b(undeliverable|delivery status notification|mail delivery failed|returned mail)\b/i;

const lower = (s: unknown): string => (typeof s === 'string' ? s.trim().toLowerCase() : '');

/** The lead an envelope is about: the draft's recipient, the reply's sender, the delivered draft's lead row; null when it names none. */
export function leadIdOf(env: Envelope): string | null {
  let id = '';
  if (env.type === TOPICS.draftCreated) id = lower((env.payload as DraftCreated | null)?.to);
  else if (env.type === TOPICS.replyJob) id = lower((env.payload as Job | null)?.email?.from);
  else {
    const out = env.payload as DeliveryOutcome | null;
    const row = env.records.find((r) => r.id === out?.leadId && typeof r.email === 'string');
    id = row ? lower(row.email) : '';
  }
  return id === '' ? null : id;
}

/** Why a draft may not go out, or null when it may. */
export function draftVerdict(state: LeadState, draft: DraftCreated): string | null {
  if (state.status === 'opted-out') return 'opted-out';
  if (state.status === 'bounced') return 'bounced';
  const jobType = draft.job?.jobType;
  // A follow-up is what a campaign sends on its own; answering the lead's own mail is not one.
  if (state.status === 'replied' && jobType === 'campaign') return 'replied';
  if (jobType !== 'reply' && state.campaigns.includes(draft.campaignId)) return 'already-drafted';
  return null;
}

/** The lead entity. */
export function leadEntity(actor: Partial<ActorSpec> = {}): EntityDefinition<LeadState> {
  return defineEntity<LeadState>({
    ...actor,
    name: LEAD_ACTOR_NAMES.lead,
    consumes: [TOPICS.draftCreated, TOPICS.replyJob, TOPICS.deliverySent],
    emits: [TOPICS.draftApproved, TOPICS.draftBlocked, TOPICS.leadReplied, TOPICS.leadOptedOut, TOPICS.leadBounced, TOPICS.leadSent],
    // Approved drafts go on to the db-writer; blocked ones to the campaign's counts; the rest stays in the log.
    publish: [TOPICS.draftApproved, TOPICS.draftBlocked],
    entityId: leadIdOf,
    initialState: { status: 'new', campaigns: [], drafts: 0, blocked: 0 },
    decide: (state, env): EntityEvent[] => {
      if (env.type === TOPICS.draftCreated) {
        const draft = env.payload as DraftCreated;
        const reason = draftVerdict(state, draft);
        if (reason) return [{ type: TOPICS.draftBlocked, payload: { leadId: draft.leadId, campaignId: draft.campaignId, draftId: draft.draftId, reason } }];
        return [{ type: TOPICS.draftApproved, payload: draft, records: env.records }];
      }
      if (env.type === TOPICS.replyJob) {
        const job = env.payload as Job;
        if (BOUNCE.test(job.email?.subject ?? '')) return [{ type: TOPICS.leadBounced, payload: { campaignId: job.campaignId } }];
        const intent = replyIntentOf(job.email?.body ?? job.query);
        if (intent === 'unsubscribe') return [{ type: TOPICS.leadOptedOut, payload: { campaignId: job.campaignId } }];
        return [{ type: TOPICS.leadReplied, payload: { campaignId: job.campaignId, intent } }];
      }
      const out = env.payload as DeliveryOutcome;
      return [{ type: TOPICS.leadSent, payload: { draftId: out.draftId, campaignId: out.campaignId } }];
    },
    evolve: (state, event) => {
      const p = event.payload as { campaignId?: string; intent?: string };
      // Terminal states stay terminal; a reply outranks a later send of the answer.
      const terminal = state.status === 'opted-out' || state.status === 'bounced';
      switch (event.type) {
        case TOPICS.draftApproved:
          return {
            ...state,
            status: terminal || state.status === 'replied' || state.status === 'sent' ? state.status : 'drafted',
            drafts: state.drafts + 1,
            campaigns: p.campaignId && !state.campaigns.includes(p.campaignId) ? [...state.campaigns, p.campaignId] : state.campaigns,
          };
        case TOPICS.draftBlocked:
          return { ...state, blocked: state.blocked + 1 };
        case TOPICS.leadSent:
          return terminal || state.status === 'replied' ? state : { ...state, status: 'sent' };
        case TOPICS.leadReplied:
          return terminal ? state : { ...state, status: 'replied', ...(p.intent ? { lastReplyIntent: p.intent } : {}) };
        case TOPICS.leadOptedOut:
          return { ...state, status: 'opted-out' };
        case TOPICS.leadBounced:
          return state.status === 'opted-out' ? state : { ...state, status: 'bounced' };
        default:
          return state;
      }
    },
  });
}

/** The campaign entity: counts of approved and blocked drafts, and the schedule it was given. Its events stay in its log. */
export function campaignEntity(actor: Partial<ActorSpec> = {}): EntityDefinition<CampaignState> {
  return defineEntity<CampaignState>({
    ...actor,
    name: LEAD_ACTOR_NAMES.campaign,
    consumes: [TOPICS.draftApproved, TOPICS.draftBlocked, TOPICS.campaignScheduled],
    emits: [TOPICS.campaignCounted, TOPICS.campaignPlanned],
    publish: false,
    entityId: (env) => {
      const id = (env.payload as { campaignId?: unknown } | null)?.campaignId;
      return typeof id === 'string' && id !== '' ? id : null;
    },
    initialState: { drafted: 0, blocked: 0, schedule: null, occurrences: 0 },
    decide: (_state, env): EntityEvent[] => {
      if (env.type === TOPICS.campaignScheduled) {
        const s = env.payload as CampaignSchedule;
        const schedule = {
          ...(s.everyMs !== undefined ? { everyMs: s.everyMs } : {}),
          ...(s.count !== undefined ? { count: s.count } : {}),
          ...(s.startAt !== undefined ? { startAt: s.startAt } : {}),
          ...(s.until !== undefined ? { until: s.until } : {}),
        };
        return [{ type: TOPICS.campaignPlanned, payload: { schedule, occurrence: s.occurrence ?? 0 } }];
      }
      return [{ type: TOPICS.campaignCounted, payload: { kind: env.type === TOPICS.draftApproved ? 'drafted' : 'blocked' } }];
    },
    evolve: (state, event) => {
      if (event.type === TOPICS.campaignPlanned) {
        const p = event.payload as { schedule: CampaignState['schedule']; occurrence: number };
        return { ...state, schedule: p.occurrence === 0 ? p.schedule : (state.schedule ?? p.schedule), occurrences: state.occurrences + 1 };
      }
      const kind = (event.payload as { kind: string }).kind;
      return kind === 'drafted' ? { ...state, drafted: state.drafted + 1 } : { ...state, blocked: state.blocked + 1 };
    },
  });
}

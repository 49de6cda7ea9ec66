/**
 * campaign-manager: the control plane. An inbound mail becomes a `lead.job` (new lead) or a
 * `reply.job` (an answer to our mail); a `campaign.scheduled` tick becomes a campaign job later
 * or on an interval (scheduler.ts). Bad mail is a PermanentError: straight to the DLQ, no retries.
 */
import type { Envelope } from '../../envelope/types.js';
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import type { ActorContext, ActorDefinition, ActorSpec } from '../types.js';
import { campaignIdOf, isReply, queryTextOf, validateEmail } from './email.js';
import { handleScheduled } from './scheduler.js';
import { LEAD_ACTOR_NAMES, TOPICS } from './topics.js';
import type { Job } from './types.js';

/** Options of the campaign manager. */
export interface CampaignManagerOptions {
  /** Campaign of a mail whose recipient names none. */
  defaultCampaignId: string;
  /** Extra actor settings (batch size, concurrency, ...). */
  actor?: Partial<ActorSpec>;
}

/** Defaults of CampaignManagerOptions. */
export const DEFAULT_CAMPAIGN_MANAGER_OPTIONS: Readonly<CampaignManagerOptions> = Object.freeze({ defaultCampaignId: 'inbound' });

/** Turns one `email.received` envelope into its job envelope; PermanentError for a malformed mail. */
export function jobForEmail(env: Envelope, ctx: ActorContext, opts: CampaignManagerOptions = DEFAULT_CAMPAIGN_MANAGER_OPTIONS): Envelope<Job> {
  const checked = validateEmail(env.payload);
  if (!checked.ok) throw new PermanentError(`invalid email: ${checked.problems.join('; ')}`);
  const email = checked.email;
  const reply = isReply(email);
  const job: Job = {
    jobType: reply ? 'reply' : 'lead',
    campaignId: campaignIdOf(email, opts.defaultCampaignId),
    query: queryTextOf(email),
    limit: 1,
    email: { messageId: email.messageId, from: email.from, subject: email.subject, body: email.body, ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}) },
    context: {},
  };
  // The mail itself is the job's source record: traceable by its message id.
  const record = { kind: 'email', messageId: email.messageId, from: email.from, subject: email.subject, provenance: { row_id: email.messageId, source: `email:${env.metadata.source}`, retrieved_at: env.createdAt } };
  return ctx.derive(reply ? TOPICS.replyJob : TOPICS.leadJob, job, { records: [record] });
}

/** The campaign-manager actor (consumes email.received and campaign.scheduled). */
export function campaignManagerActor(options: Partial<CampaignManagerOptions> = {}): ActorDefinition {
  const opts = { ...DEFAULT_CAMPAIGN_MANAGER_OPTIONS, ...options };
  return defineActor({
    ...opts.actor,
    name: LEAD_ACTOR_NAMES.campaignManager,
    consumes: [TOPICS.emailReceived, TOPICS.campaignScheduled],
    emits: [TOPICS.leadJob, TOPICS.replyJob, TOPICS.campaignScheduled],
    handle: (env, ctx) => {
      if (env.type === TOPICS.campaignScheduled) return handleScheduled(env, ctx);
      const job = jobForEmail(env, ctx, opts);
      ctx.metrics.increment('jobs_created', { job_type: job.payload.jobType });
      return [job];
    },
  });
}

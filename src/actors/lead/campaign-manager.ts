/**
 * campaign-manager: the control plane. An inbound mail becomes a `lead.job` (new lead) or a
 * `reply.job` (an answer to our mail); a `campaign.scheduled` tick becomes a campaign job later
 * or on an interval (scheduler.ts). Bad mail is a PermanentError: straight to the DLQ, no retries.
 *
 * Campaigns come from the `campaigns` table (campaigns.ts) when it has rows. Mail sent to a
 * campaign inbox the table does not know falls back to the default campaign (`inbound`), the
 * requested id kept in `job.context.requestedCampaignId`: the mail is a lead's action, and losing
 * it for an inbox we never registered would be worse than answering it from the catch-all. A
 * schedule for an unknown campaign is dead-lettered instead: it is an operator's request, and
 * running a campaign nobody defined (or a typo of one) silently would be wrong.
 */
import type { Envelope } from '../../envelope/types.js';
import type { ReadOnlyPersistence, Row } from '../../persistence/types.js';
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import type { ActorContext, ActorDefinition, ActorSpec } from '../types.js';
import { campaignIdOf, isReply, queryTextOf, validateEmail } from './email.js';
import { CampaignCatalogue } from './campaigns.js';
import { handleScheduled, resolveSchedule } from './scheduler.js';
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

/** What the catalogue decided for a mail's campaign: the id to use and what to add to the job's context. */
export interface CampaignChoice {
  campaignId: string;
  context: Record<string, unknown>;
}

/** Turns one `email.received` envelope into its job envelope; PermanentError for a malformed mail. */
export function jobForEmail(
  env: Envelope,
  ctx: ActorContext,
  opts: CampaignManagerOptions = DEFAULT_CAMPAIGN_MANAGER_OPTIONS,
  campaign?: CampaignChoice,
): Envelope<Job> {
  const checked = validateEmail(env.payload);
  if (!checked.ok) throw new PermanentError(`invalid email: ${checked.problems.join('; ')}`);
  const email = checked.email;
  const reply = isReply(email);
  const job: Job = {
    jobType: reply ? 'reply' : 'lead',
    campaignId: campaign?.campaignId ?? campaignIdOf(email, opts.defaultCampaignId),
    query: queryTextOf(email),
    limit: 1,
    email: {
      messageId: email.messageId,
      from: email.from,
      subject: email.subject,
      body: email.body,
      ...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
    },
    context: { ...campaign?.context },
  };
  // The mail itself is the job's source record: traceable by its message id.
  const record = {
    kind: 'email',
    messageId: email.messageId,
    from: email.from,
    subject: email.subject,
    provenance: { row_id: email.messageId, source: `email:${env.metadata.source}`, retrieved_at: env.createdAt },
  };
  return ctx.derive(reply ? TOPICS.replyJob : TOPICS.leadJob, job, { records: [record] });
}

/** The campaign-manager actor (consumes email.received and campaign.scheduled). */
export function campaignManagerActor(options: Partial<CampaignManagerOptions> = {}): ActorDefinition {
  const opts = { ...DEFAULT_CAMPAIGN_MANAGER_OPTIONS, ...options };
  const catalogues = new WeakMap<ReadOnlyPersistence, CampaignCatalogue>();
  return defineActor({
    ...opts.actor,
    name: LEAD_ACTOR_NAMES.campaignManager,
    consumes: [TOPICS.emailReceived, TOPICS.campaignScheduled],
    emits: [TOPICS.leadJob, TOPICS.replyJob, TOPICS.campaignScheduled],
    handle: async (env, ctx) => {
      let catalogue = catalogues.get(ctx.persistence);
      if (!catalogue) catalogues.set(ctx.persistence, (catalogue = new CampaignCatalogue(ctx.persistence, ctx.clock)));
      if (env.type === TOPICS.campaignScheduled) {
        const { campaignId } = resolveSchedule(env.payload, ctx.clock.now());
        if ((await catalogue.lookup(campaignId)).kind === 'unknown') throw new PermanentError(`unknown campaign "${campaignId}": not in the campaigns table`);
        return handleScheduled(env, ctx);
      }
      const checked = validateEmail(env.payload);
      let choice: CampaignChoice | undefined;
      if (checked.ok) {
        const requested = campaignIdOf(checked.email, opts.defaultCampaignId);
        const found = await catalogue.lookup(requested);
        if (found.kind === 'known') choice = { campaignId: requested, context: { campaign: campaignInfoOf(found.row) } };
        else if (found.kind === 'unknown') {
          ctx.metrics.increment('campaign_fallbacks', {});
          ctx.logger.info('unknown campaign: mail goes to the default campaign', {
            requested,
            campaignId: opts.defaultCampaignId,
            correlationId: env.correlationId,
          });
          choice = { campaignId: opts.defaultCampaignId, context: { requestedCampaignId: requested } };
        }
      }
      const job = jobForEmail(env, ctx, opts, choice);
      ctx.metrics.increment('jobs_created', { job_type: job.payload.jobType });
      return [job];
    },
  });
}

/** The catalogue's description of a campaign that travels with its jobs (name and client; no counts: the entity has those). */
export function campaignInfoOf(row: Row): Record<string, string> {
  const info: Record<string, string> = {};
  for (const k of ['name', 'client_id', 'status']) if (typeof row[k] === 'string' && row[k] !== '') info[k] = row[k] as string;
  return info;
}

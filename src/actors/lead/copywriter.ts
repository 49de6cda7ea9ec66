/**
 * copywriter: `lead.enriched` -> one `draft.created` per matched lead. When the lookup found
 * nobody for new-lead mail, the sender becomes a lead (the lead-upsert workflow): it asks the
 * write agent for the row (`persistence.write.requested`), whose `persistence.written` reply the
 * RAG agent looks up, and the flow comes back here with the lead. Otherwise (a reply or a
 * campaign that found nobody, a lookup error, or the lead still missing after its write) it is
 * `lead.unmatched`. The copy comes from a generator: a deterministic template by default
 * (same lead and job, same text); an LLM-backed one can be injected, never required.
 */
import type { EnvelopeRecord } from '../../envelope/types.js';
import { draftId, leadIdOfEmail, LEADS_TABLE } from '../../persistence/lead/tables.js';
import type { PersistenceWriteRequest } from './persistence-writer.js';
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import { LEAD_ACTOR_NAMES, TOPICS } from './topics.js';
import type { DraftCreated, JobContext, LeadEnriched, LeadUnmatched } from './types.js';

/** The lead fields the copy may use. */
export interface LeadForCopy {
  id: string;
  email: string;
  first_name?: string | null;
  last_name?: string | null;
  company?: string | null;
  title?: string | null;
}

/** A subject and a body. */
export interface Copy {
  subject: string;
  body: string;
}

/** Writes the copy for one lead in one job's context; may be async (an LLM call). */
export type CopyGenerator = (lead: LeadForCopy, context: JobContext) => Copy | Promise<Copy>;

/** Longest subject kept. */
export const MAX_SUBJECT_CHARS = 200;

const SIGNATURE = '\n\nBest regards,\nThe Campaign Team';

function greeting(lead: LeadForCopy): string {
  return `Hi ${lead.first_name?.trim() || 'there'},`;
}

/** The built-in template: deterministic, from the lead's name, title and company and the job's kind and intent. */
export const templateCopy: CopyGenerator = (lead, job) => {
  const company = lead.company?.trim() || 'your team';
  const role = lead.title?.trim() ? ` as ${lead.title.trim()}` : '';
  if (job.jobType === 'reply') {
    const subject = job.subject?.trim() ? (/^\s*re\s*:/i.test(job.subject) ? job.subject.trim() : `Re: ${job.subject.trim()}`) : `Re: our note to ${company}`;
    const lines: Record<string, string> = {
      unsubscribe: `Understood — we have noted that ${company} does not want to hear from us and will not write again.`,
      'out-of-office': `Thanks for the heads-up; we will follow up when you are back.`,
      meeting: `Great to hear! Here is a link to pick a time that suits you for a 20-minute call about ${company}.`,
      question: `Thanks for your question — here is a short answer, and we are happy to go into detail for ${company}.`,
    };
    const line = lines[job.intent ?? ''] ?? `Thanks for getting back to us. We would love to hear more about what ${company} needs.`;
    return { subject, body: `${greeting(lead)}\n\n${line}${SIGNATURE}` };
  }
  const subject = `${lead.first_name?.trim() || 'Hello'}, an idea for ${company}`;
  const body = `${greeting(lead)}\n\nThanks for reaching out. Teams like ${company} use our platform to cut the time from first contact to signed deal in half, and we think it could help you${role} too.\n\nWould a short call next week work?${SIGNATURE}`;
  return { subject, body };
};

/** The lead fields of a record; PermanentError when it lacks an id or an email. */
export function leadOfRecord(record: EnvelopeRecord): LeadForCopy {
  const { id, email } = record;
  if (typeof id !== 'string' || id === '' || typeof email !== 'string' || email === '') throw new PermanentError('lead record without id or email');
  const text = (k: string): string | null => (typeof record[k] === 'string' ? (record[k] as string) : null);
  return { id, email, first_name: text('first_name'), last_name: text('last_name'), company: text('company'), title: text('title') };
}

/** What the lead-upsert workflow's write request and its reply carry to continue the flow. */
export interface LeadUpsertContext {
  workflow: 'lead-upsert';
  job: JobContext;
}

/** Address shape accepted for a new lead (the campaign manager validated the mail already). */
const SENDER_RE = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** The write request that makes an unknown sender of new-lead mail a lead, or null when the job is not one. */
export function leadUpsertRequestOf(enriched: LeadEnriched): PersistenceWriteRequest | null {
  const { job } = enriched;
  const from = typeof job.from === 'string' ? job.from.trim().toLowerCase() : '';
  if (job.jobType !== 'lead' || enriched.error !== undefined || enriched.createdLead !== undefined || !SENDER_RE.test(from)) return null;
  const context: LeadUpsertContext = { workflow: 'lead-upsert', job };
  return { table: LEADS_TABLE.name, row: { id: leadIdOfEmail(from), email: from, status: 'new' }, context: context as unknown as Record<string, unknown> };
}

/** Options of the copywriter. */
export interface CopywriterOptions {
  generator: CopyGenerator;
  actor?: Partial<ActorSpec>;
}

/** The copywriter actor. */
export function copywriterActor(options: Partial<CopywriterOptions> = {}): ActorDefinition {
  const generate = options.generator ?? templateCopy;
  return defineActor({
    ...options.actor,
    name: LEAD_ACTOR_NAMES.copywriter,
    consumes: [TOPICS.leadEnriched],
    emits: [TOPICS.draftCreated, TOPICS.leadUnmatched, TOPICS.persistenceWriteRequested],
    handle: async (env, ctx) => {
      const enriched = env.payload as LeadEnriched | null;
      const job = enriched?.job;
      if (typeof job !== 'object' || job === null || typeof job.campaignId !== 'string')
        throw new PermanentError('invalid lead.enriched: $.job.campaignId: required');
      if (env.records.length === 0) {
        const upsert = enriched ? leadUpsertRequestOf(enriched) : null;
        if (upsert) {
          ctx.metrics.increment('leads_requested', { campaign: job.campaignId });
          return [
            ctx.derive(TOPICS.persistenceWriteRequested, upsert, {
              key: String(upsert.row.id),
              metadata: { source: 'copywriter', query_filters: env.metadata.query_filters ?? {}, fallback: env.metadata.fallback === true },
            }),
          ];
        }
        const error = enriched?.error;
        const payload: LeadUnmatched = { job, reason: error ? 'lookup-error' : 'no-match', ...(error ? { error } : {}) };
        return [
          ctx.derive(TOPICS.leadUnmatched, payload, {
            metadata: { source: 'copywriter', query_filters: env.metadata.query_filters ?? {}, fallback: env.metadata.fallback === true },
          }),
        ];
      }
      const out = [];
      for (const record of env.records) {
        const lead = leadOfRecord(record);
        const copy = await generate(lead, job);
        if (typeof copy?.subject !== 'string' || copy.subject.trim() === '' || typeof copy.body !== 'string' || copy.body.trim() === '') {
          throw new PermanentError(`copy generator returned no subject or body for lead ${lead.id}`);
        }
        const draft: DraftCreated = {
          draftId: draftId(lead.id, job.campaignId),
          leadId: lead.id,
          campaignId: job.campaignId,
          to: lead.email,
          subject: copy.subject.slice(0, MAX_SUBJECT_CHARS),
          body: copy.body,
          job,
        };
        // The lead row (with its provenance) travels with its draft.
        out.push(ctx.derive(TOPICS.draftCreated, draft, { records: [record], key: lead.id, metadata: { source: 'copywriter' } }));
      }
      return out;
    },
  });
}

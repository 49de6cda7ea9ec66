/**
 * Payload shapes of the lead pipeline's envelopes. Each one is JSON; records (the lead rows with
 * their provenance) travel in `envelope.records`, not in the payload.
 */

/** An inbound email as ingested (`email.received` payload), after validation. */
export interface EmailMessage {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  /** Message id this mail answers; its presence makes the mail a reply. */
  inReplyTo?: string;
  /** When the mail arrived (ISO-8601), if the source knows. */
  receivedAt?: string;
}

/** Job types the registry resolves orchestrators for. */
export type JobType = 'lead' | 'reply' | 'campaign' | (string & {});

/** What an orchestrator works on (`lead.job` / `reply.job` payload). */
export interface Job {
  jobType: JobType;
  campaignId: string;
  /** Free text the RAG agent parses filters from (sender, subject, body; or a campaign's query). */
  query: string;
  /** Rows wanted: 1 for a mail (its sender), more for a campaign. */
  limit?: number;
  offset?: number;
  /** The mail that caused the job (absent for scheduled campaign jobs). */
  email?: Pick<EmailMessage, 'messageId' | 'from' | 'subject' | 'body'> & { inReplyTo?: string };
  /** Scheduled campaign jobs: which occurrence and when it was due. */
  occurrence?: number;
  scheduledFor?: string;
  /** What plugins added (e.g. a reply's intent). */
  context: Record<string, unknown>;
}

/** The part of a job that travels with its results down to the copywriter and the audit. */
export interface JobContext {
  jobType: JobType;
  campaignId: string;
  subject?: string;
  from?: string;
  messageId?: string;
  intent?: string;
  occurrence?: number;
}

/** `rag.request` payload: find the leads a job is about. */
export interface RagRequest {
  job: JobContext;
  text: string;
  offset?: number;
  limit?: number;
  /** Structured filters that override what is parsed from the text. */
  filters?: Partial<LeadFilters>;
  /** Copy each row into its provenance as `raw_row` (off by default: rows hold personal data). */
  includeRawRows?: boolean;
}

/** The lead filters the RAG agent understands. */
export interface LeadFilters {
  id?: string;
  email?: string;
  company?: string;
  client_id?: string;
}

/** `lead.enriched` payload; the matched lead rows are the envelope's records. */
export interface LeadEnriched {
  job: JobContext;
  matched: number;
  /** `SUCCESS` when rows were found, `NO_RESULTS` otherwise (as the seed's RAG envelopes). */
  status?: 'SUCCESS' | 'NO_RESULTS';
  /** Set when the lookup failed (planner or store); the records are then empty. */
  error?: string;
}

/** `lead.unmatched` payload. */
export interface LeadUnmatched {
  job: JobContext;
  reason: 'no-match' | 'lookup-error';
  error?: string;
}

/** `draft.created` payload: one draft for one lead. */
export interface DraftCreated {
  draftId: string;
  leadId: string;
  campaignId: string;
  to: string;
  subject: string;
  body: string;
  job: JobContext;
}

/** `draft.persisted` payload: the draft as stored, and whether the write changed anything. */
export interface DraftPersisted extends DraftCreated {
  changed: boolean;
}

/** `delivery.skipped` / `delivery.sent` payload. */
export interface DeliveryOutcome {
  draftId: string;
  leadId: string;
  campaignId: string;
  adapter: string;
  /** Why nothing was sent (skipped only). */
  reason?: 'delivery-disabled' | 'unchanged';
  /** The adapter's id of the sent message (sent only). */
  providerMessageId?: string;
}

/** `campaign.scheduled` payload: run a campaign job at a time, or repeatedly. */
export interface CampaignSchedule {
  campaignId: string;
  /** Free text for the RAG agent, e.g. `client_id: client-3`. */
  query: string;
  limit?: number;
  /** First due time: ISO-8601 or epoch ms; default the time the schedule is first handled. */
  startAt?: string | number;
  /** Repeat every this many ms; absent means one-shot. */
  everyMs?: number;
  /** Total occurrences of a repeating schedule (with neither count nor until it repeats until stopped). */
  count?: number;
  /** No occurrence is due after this time (ISO-8601 or epoch ms). */
  until?: string | number;
  /** Internal: which occurrence this envelope fires (0-based); set on the re-emitted ticks. */
  occurrence?: number;
}

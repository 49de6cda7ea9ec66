/** Topic (envelope type) names of the lead pipeline; topology.ts documents who reads and writes each. */
export const TOPICS = Object.freeze({
  emailReceived: 'email.received',
  campaignScheduled: 'campaign.scheduled',
  leadJob: 'lead.job',
  replyJob: 'reply.job',
  ragRequest: 'rag.request',
  leadEnriched: 'lead.enriched',
  leadUnmatched: 'lead.unmatched',
  draftCreated: 'draft.created',
  draftPersisted: 'draft.persisted',
  deliverySkipped: 'delivery.skipped',
  deliverySent: 'delivery.sent',
  // Events of the lead and campaign entities (entities.ts): only draft.approved goes downstream.
  draftApproved: 'draft.approved',
  draftBlocked: 'draft.blocked',
  leadReplied: 'lead.replied',
  leadOptedOut: 'lead.opted-out',
  leadBounced: 'lead.bounced',
  leadSent: 'lead.sent',
  campaignCounted: 'campaign.counted',
  campaignPlanned: 'campaign.planned',
} as const);

/** One of the pipeline's topics. */
export type LeadTopic = (typeof TOPICS)[keyof typeof TOPICS];

/** Outcome topics: every envelope on them gets an audit row. */
export const OUTCOME_TOPICS: readonly LeadTopic[] = Object.freeze([
  TOPICS.leadEnriched,
  TOPICS.leadUnmatched,
  TOPICS.draftPersisted,
  TOPICS.deliverySkipped,
  TOPICS.deliverySent,
]);

/** Actor names, also their consumer groups. */
export const LEAD_ACTOR_NAMES = Object.freeze({
  campaignManager: 'campaign-manager',
  leadOrchestrator: 'lead-orchestrator',
  replyOrchestrator: 'reply-orchestrator',
  ragAgent: 'rag-agent',
  copywriter: 'copywriter',
  dbWriter: 'db-writer',
  delivery: 'delivery',
  audit: 'audit',
  lead: 'lead',
  campaign: 'campaign',
} as const);

/** One of the pipeline's actor names. */
export type LeadActorName = (typeof LEAD_ACTOR_NAMES)[keyof typeof LEAD_ACTOR_NAMES];

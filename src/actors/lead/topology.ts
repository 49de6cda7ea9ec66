/**
 * The lead pipeline's topology. Topics are envelope types; each actor is its own consumer group.
 *
 *   email.received      (ingest)              -> campaign-manager
 *   campaign.scheduled  (operator, scheduler) -> campaign-manager (its scheduler part; re-emits itself for repeats)
 *   lead.job            campaign-manager      -> lead-orchestrator   (job types lead, campaign)
 *   reply.job           campaign-manager      -> reply-orchestrator  (job type reply)
 *   rag.request         orchestrators         -> rag-agent
 *   lead.enriched       rag-agent             -> copywriter, audit
 *   persistence.write.requested copywriter    -> persistence-writer (an unknown sender of new-lead mail becomes a lead)
 *   persistence.written persistence-writer    -> rag-agent (looks the new lead up: the flow continues), audit
 *   lead.unmatched      copywriter            -> audit (nobody found for a reply or a campaign, or a lookup error)
 *   rag.query           anyone                -> rag-agent (query_table: any allowlisted table, read-only)
 *   rag.result          rag-agent             -> whoever asked (no consumer in the topology)
 *   draft.created       copywriter            -> lead (entity: approves or blocks each draft)
 *   draft.approved      lead                  -> db-writer, campaign (entity: counts)
 *   draft.blocked       lead (its log)        -> campaign
 *   reply.job, delivery.sent                  -> lead (replied, opted out, bounced, sent)
 *   draft.persisted     db-writer             -> delivery, audit
 *   delivery.skipped    delivery              -> audit
 *   delivery.sent       delivery              -> audit
 *
 * Failures land in each topic's DLQ (`<prefix>:…:dlq:<topic>`): non-JSON ingest lines and
 * malformed mail on email.received's, anything an actor gives up on on its input topic's.
 * No actor holds the PersistenceService. The runtime is given it and hands every actor the
 * read-only facade (`ctx.persistence`); the three that declare `writes` also get `ctx.writer`,
 * scoped to their tables: persistence-writer (leads), db-writer (drafts), audit (audit).
 */
import type { ActorDefinition, ActorSpec } from '../types.js';
import { auditActor } from './audit.js';
import { campaignManagerActor } from './campaign-manager.js';
import { copywriterActor, type CopyGenerator } from './copywriter.js';
import { dbWriterActor } from './db-writer.js';
import { campaignEntity, leadEntity } from './entities.js';
import { deliveryActor, type DeliveryAdapter } from './delivery.js';
import { orchestratorActor } from './orchestrator-actor.js';
import { persistenceWriterActor } from './persistence-writer.js';
import { defaultRegistry } from './orchestrators.js';
import type { RagOptions } from './rag/options.js';
import { ragAgentActor } from './rag-agent.js';
import type { Registry } from './registry.js';
import { LEAD_ACTOR_NAMES, TOPICS, type LeadActorName } from './topics.js';

export { LEAD_ACTOR_NAMES } from './topics.js';

/** What the topology is built from; everything has a default. */
export interface LeadTopologyDeps {
  /**
   * @deprecated Ignored: no actor holds the service any more. Give it to the ActorRuntime
   * (`persistence: service`); the actors that declare `writes` get a writer scoped to their tables.
   */
  service?: unknown;
  /** Orchestrators and plugins by job type; default: the built-ins (defaultRegistry()). */
  registry?: Registry;
  /** Where delivery sends; default the no-op adapter. */
  delivery?: DeliveryAdapter;
  /** Delivery sends only when this is true (explicit opt-in); default false. */
  deliveryEnabled?: boolean;
  /** RAG agent options (resolve env with ragOptionsFromEnv at the edge). */
  ragOptions?: Partial<RagOptions>;
  /** Copy generator; default the deterministic template. */
  copyGenerator?: CopyGenerator;
  /** Campaign of mail whose recipient names none; default 'inbound'. */
  defaultCampaignId?: string;
  /** Per-actor settings (batch size, concurrency, retries, ...). */
  actors?: Partial<Record<LeadActorName, Partial<ActorSpec>>>;
}

/** Every actor of the lead pipeline, in flow order. */
export function buildLeadTopology(deps: LeadTopologyDeps): ActorDefinition[] {
  const registry = deps.registry ?? defaultRegistry();
  const spec = (name: LeadActorName): Partial<ActorSpec> => deps.actors?.[name] ?? {};
  return [
    campaignManagerActor({ ...(deps.defaultCampaignId ? { defaultCampaignId: deps.defaultCampaignId } : {}), actor: spec(LEAD_ACTOR_NAMES.campaignManager) }),
    orchestratorActor({
      name: LEAD_ACTOR_NAMES.leadOrchestrator,
      consumes: [TOPICS.leadJob],
      registry,
      jobTypes: ['lead', 'campaign'].filter((t) => registry.has(t)),
      actor: spec(LEAD_ACTOR_NAMES.leadOrchestrator),
    }),
    orchestratorActor({
      name: LEAD_ACTOR_NAMES.replyOrchestrator,
      consumes: [TOPICS.replyJob],
      registry,
      jobTypes: ['reply'].filter((t) => registry.has(t)),
      actor: spec(LEAD_ACTOR_NAMES.replyOrchestrator),
    }),
    ragAgentActor(deps.ragOptions ?? {}, spec(LEAD_ACTOR_NAMES.ragAgent)),
    copywriterActor({ ...(deps.copyGenerator ? { generator: deps.copyGenerator } : {}), actor: spec(LEAD_ACTOR_NAMES.copywriter) }),
    persistenceWriterActor({ actor: spec(LEAD_ACTOR_NAMES.persistenceWriter) }),
    dbWriterActor({ consumes: [TOPICS.draftApproved], ...spec(LEAD_ACTOR_NAMES.dbWriter) }),
    deliveryActor({ enabled: deps.deliveryEnabled === true, ...(deps.delivery ? { adapter: deps.delivery } : {}), actor: spec(LEAD_ACTOR_NAMES.delivery) }),
    auditActor({ actor: spec(LEAD_ACTOR_NAMES.audit) }),
    leadEntity(spec(LEAD_ACTOR_NAMES.lead)),
    campaignEntity(spec(LEAD_ACTOR_NAMES.campaign)),
  ];
}

/** A topology error a caller can act on (an unknown actor name). */
export class TopologyError extends Error {
  readonly code = 'TOPOLOGY_UNKNOWN_ACTOR' as const;
  constructor(
    readonly names: string[],
    known: string[],
  ) {
    super(`unknown actor${names.length > 1 ? 's' : ''} ${names.join(', ')} (known: ${known.join(', ')})`);
    this.name = 'TopologyError';
  }
}

/** True when err is a TopologyError. */
export function isTopologyError(err: unknown): err is TopologyError {
  return err instanceof TopologyError;
}

/** The named actors of a topology (for `actors run <name...>`); TopologyError naming any unknown one. */
export function selectActors(actors: ActorDefinition[], names: readonly string[]): ActorDefinition[] {
  const known = actors.map((a) => a.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new TopologyError(unknown, known);
  return actors.filter((a) => names.includes(a.name));
}

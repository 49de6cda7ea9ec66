/**
 * rag-agent: `rag.request` -> `lead.enriched`, the matched lead rows as records with provenance.
 * It also continues the lead-upsert workflow: a `persistence.written` reply for a lead the
 * copywriter asked for is looked up by its id, so the new lead goes down the flow like any other.
 * And it serves the `query_table` tool: `rag.query` (any allowlisted table) -> `rag.result`.
 * Reads only through `ctx.persistence` (the read-only facade), via a DataCoordinator. The agent
 * never throws on bad text or planner failures (it emits an empty result with the error in the
 * metadata); only a store outage is thrown, so the runtime retries it instead of losing the lead.
 */
import { LEADS_TABLE } from '../../persistence/lead/tables.js';
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import type { LeadUpsertContext } from './copywriter.js';
import type { PersistenceWritten } from './persistence-writer.js';
import { defineActor } from '../define.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import { DataCoordinator } from './data-coordinator.js';
import { RagAgent } from './rag/agent.js';
import { queryTable } from './rag/query-table.js';
import type { RagOptions } from './rag/options.js';
import { LEAD_ACTOR_NAMES, TOPICS } from './topics.js';
import type { JobContext, LeadEnriched, RagRequest, RagTableResult } from './types.js';

/** A store outage the agent reported; thrown so the runtime retries with backoff. */
export class RagLookupUnavailableError extends Error {
  readonly code = 'RAG_LOOKUP_UNAVAILABLE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'RagLookupUnavailableError';
  }
}

/** True when err is a RagLookupUnavailableError. */
export function isRagLookupUnavailableError(err: unknown): err is RagLookupUnavailableError {
  return err instanceof RagLookupUnavailableError;
}

/** The rag-agent actor; its cache, limiter and coordinators live in this definition's closure. */
export function ragAgentActor(options: Partial<RagOptions> = {}, actor: Partial<ActorSpec> = {}): ActorDefinition {
  let agent: RagAgent | undefined;
  const coordinators = new WeakMap<ReadOnlyPersistence, DataCoordinator>();
  return defineActor({
    ...actor,
    name: LEAD_ACTOR_NAMES.ragAgent,
    consumes: [TOPICS.ragRequest, TOPICS.persistenceWritten, TOPICS.ragQuery],
    emits: [TOPICS.leadEnriched, TOPICS.ragResult],
    handle: async (env, ctx) => {
      // Built on first use: the clock is the runtime's, and nothing (no LLM) is set up before.
      agent ??= new RagAgent(options, ctx.clock);
      let coordinator = coordinators.get(ctx.persistence);
      if (!coordinator) coordinators.set(ctx.persistence, (coordinator = new DataCoordinator(ctx.persistence)));
      if (env.type === TOPICS.ragQuery) {
        const out = await queryTable(env.payload, { coordinator, options: agent.options, clock: ctx.clock });
        if (out.error?.retryable) throw new RagLookupUnavailableError(out.error.message);
        const payload: RagTableResult = {
          table: out.table,
          status: out.status,
          matched: out.summary?.rows ?? out.records.length,
          ...(out.error ? { error: out.error.message } : {}),
        };
        ctx.metrics.increment('rag_table_queries', { outcome: out.error ? 'error' : out.status === 'SUCCESS' ? 'matched' : 'unmatched' });
        return [ctx.derive(TOPICS.ragResult, payload, { records: out.records, metadata: out.metadata })];
      }
      let request = (env.payload ?? {}) as RagRequest;
      let createdLead: string | undefined;
      if (env.type === TOPICS.persistenceWritten) {
        const written = env.payload as Partial<PersistenceWritten> | null;
        const context = written?.context as Partial<LeadUpsertContext> | undefined;
        // Other writes (and other requesters' replies) are not lookups.
        if (
          written?.table !== LEADS_TABLE.name ||
          typeof written.id !== 'string' ||
          context?.workflow !== 'lead-upsert' ||
          typeof context.job !== 'object' ||
          context.job === null
        )
          return [];
        createdLead = written.id;
        if (written.changed === true) agent.forgetEmptyLookups();
        request = { job: context.job, text: '', filters: { id: written.id }, limit: 1 };
      }
      const result = await agent.run(request, { coordinator, logger: ctx.logger });
      if (result.error?.retryable) throw new RagLookupUnavailableError(result.error.message);
      const job: JobContext = typeof request.job === 'object' && request.job !== null ? request.job : { jobType: 'unknown', campaignId: 'unknown' };
      const matched = result.summary?.rows ?? result.records.length;
      const payload: LeadEnriched = {
        job,
        matched,
        status: result.status,
        ...(result.error ? { error: result.error.message } : {}),
        ...(createdLead ? { createdLead } : {}),
      };
      ctx.metrics.increment('rag_lookups', { outcome: result.error ? 'error' : matched > 0 ? 'matched' : 'unmatched', cache: String(result.metadata.cache) });
      return [ctx.derive(TOPICS.leadEnriched, payload, { records: result.records, metadata: result.metadata })];
    },
  });
}

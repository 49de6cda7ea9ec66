/**
 * rag-agent: `rag.request` -> `lead.enriched`, the matched lead rows as records with provenance.
 * Reads only through `ctx.persistence` (the read-only facade), via a DataCoordinator. The agent
 * never throws on bad text or planner failures (it emits an empty result with the error in the
 * metadata); only a store outage is thrown, so the runtime retries it instead of losing the lead.
 */
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import { defineActor } from '../define.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import { DataCoordinator } from './data-coordinator.js';
import { RagAgent } from './rag/agent.js';
import type { RagOptions } from './rag/options.js';
import { LEAD_ACTOR_NAMES, TOPICS } from './topics.js';
import type { JobContext, LeadEnriched, RagRequest } from './types.js';

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
    consumes: [TOPICS.ragRequest],
    emits: [TOPICS.leadEnriched],
    handle: async (env, ctx) => {
      // Built on first use: the clock is the runtime's, and nothing (no LLM) is set up before.
      agent ??= new RagAgent(options, ctx.clock);
      let coordinator = coordinators.get(ctx.persistence);
      if (!coordinator) coordinators.set(ctx.persistence, (coordinator = new DataCoordinator(ctx.persistence)));
      const request = (env.payload ?? {}) as RagRequest;
      const result = await agent.run(request, { coordinator, logger: ctx.logger });
      if (result.error?.retryable) throw new RagLookupUnavailableError(result.error.message);
      const job: JobContext = typeof request.job === 'object' && request.job !== null ? request.job : { jobType: 'unknown', campaignId: 'unknown' };
      const matched = result.summary?.rows ?? result.records.length;
      const payload: LeadEnriched = { job, matched, status: result.status, ...(result.error ? { error: result.error.message } : {}) };
      ctx.metrics.increment('rag_lookups', { outcome: result.error ? 'error' : matched > 0 ? 'matched' : 'unmatched', cache: String(result.metadata.cache) });
      return [ctx.derive(TOPICS.leadEnriched, payload, { records: result.records, metadata: result.metadata })];
    },
  });
}

/**
 * db-writer: `draft.created` -> idempotent upsert into `drafts` (id = draftId(lead, campaign))
 * -> `draft.persisted`. The only writer of drafts: it declares `writes: ['drafts']` and writes
 * through `ctx.writer`, which the runtime scopes to that table. A replayed envelope finds the row
 * already equal: `changed: false`.
 */
import type { EnvelopeRecord } from '../../envelope/types.js';
import { DRAFTS_TABLE, draftId } from '../../persistence/lead/tables.js';
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import { LEAD_ACTOR_NAMES, TOPICS } from './topics.js';
import type { DraftCreated, DraftPersisted } from './types.js';

/** Checks a draft.created payload; PermanentError when it cannot be stored. */
export function assertDraft(payload: unknown): DraftCreated {
  const d = payload as Partial<DraftCreated> | null;
  const missing = (['leadId', 'campaignId', 'subject', 'body'] as const).filter((k) => typeof d?.[k] !== 'string' || d[k] === '');
  if (missing.length > 0) throw new PermanentError(`invalid draft: missing ${missing.map((k) => `$.${k}`).join(', ')}`);
  return d as DraftCreated;
}

/** The db-writer actor, writing drafts through its scoped `ctx.writer`. */
export function dbWriterActor(actor: Partial<ActorSpec> = {}): ActorDefinition {
  return defineActor({
    ...actor,
    name: LEAD_ACTOR_NAMES.dbWriter,
    // The topology feeds it draft.approved (drafts the lead entity let through); alone it reads draft.created.
    consumes: actor.consumes ?? [TOPICS.draftCreated],
    emits: [TOPICS.draftPersisted],
    writes: [DRAFTS_TABLE.name],
    handle: async (env, ctx) => {
      const draft = assertDraft(env.payload);
      // Recomputed, not trusted from the payload: the row id is a function of (lead, campaign).
      const id = draftId(draft.leadId, draft.campaignId);
      const row = { id, lead_id: draft.leadId, campaign_id: draft.campaignId, subject: draft.subject, body: draft.body, correlation_id: env.correlationId };
      if (ctx.writer === undefined) throw new PermanentError(`${LEAD_ACTOR_NAMES.dbWriter} was given no writer (give the runtime the PersistenceService)`);
      const { row: stored, changed } = await ctx.writer.upsert(DRAFTS_TABLE.name, row, ['id']);
      ctx.metrics.increment('drafts_upserted', { changed: String(changed) });
      const persisted: DraftPersisted = { ...draft, draftId: id, changed };
      const source = `${ctx.writer.adapterName ?? 'store'}:${DRAFTS_TABLE.name}`;
      const draftRecord: EnvelopeRecord = {
        table: DRAFTS_TABLE.name,
        id,
        lead_id: draft.leadId,
        campaign_id: draft.campaignId,
        provenance: { row_id: id, source, retrieved_at: typeof stored.updated_at === 'string' ? stored.updated_at : new Date(ctx.clock.now()).toISOString() },
      };
      // The draft row first, then the lead rows it was written from (their provenance unchanged).
      return [ctx.derive(TOPICS.draftPersisted, persisted, { records: [draftRecord, ...env.records], metadata: { source } })];
    },
  });
}

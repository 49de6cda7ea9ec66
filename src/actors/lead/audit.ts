/**
 * audit: one row per outcome envelope (lead.enriched, lead.unmatched, draft.persisted,
 * delivery.*), keyed by the envelope id so recording it again changes nothing, with the
 * provenance of every record it carried. Declares `writes: ['audit']` and writes through its
 * scoped `ctx.writer`; emits nothing.
 */
import type { Envelope } from '../../envelope/types.js';
import { AUDIT_TABLE } from '../../persistence/lead/tables.js';
import type { Row } from '../../persistence/types.js';
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import { LEAD_ACTOR_NAMES, OUTCOME_TOPICS, TOPICS } from './topics.js';

/** Which actor produces each outcome topic (the audit row's `actor`). */
export const OUTCOME_PRODUCERS: Readonly<Record<string, string>> = Object.freeze({
  [TOPICS.leadEnriched]: LEAD_ACTOR_NAMES.ragAgent,
  [TOPICS.leadUnmatched]: LEAD_ACTOR_NAMES.copywriter,
  [TOPICS.draftPersisted]: LEAD_ACTOR_NAMES.dbWriter,
  [TOPICS.deliverySkipped]: LEAD_ACTOR_NAMES.delivery,
  [TOPICS.deliverySent]: LEAD_ACTOR_NAMES.delivery,
  [TOPICS.persistenceWritten]: LEAD_ACTOR_NAMES.persistenceWriter,
  [TOPICS.ragResult]: LEAD_ACTOR_NAMES.ragAgent,
});

/** A short outcome word for an envelope: matched, unmatched, error, persisted, written, unchanged, skipped, sent. */
export function outcomeOf(env: Envelope): string {
  const p = (env.payload ?? {}) as Record<string, unknown>;
  switch (env.type) {
    case TOPICS.ragResult:
    case TOPICS.leadEnriched:
      return p.error !== undefined ? 'error' : env.records.length > 0 ? 'matched' : 'unmatched';
    case TOPICS.leadUnmatched:
      return 'unmatched';
    case TOPICS.draftPersisted:
      return p.changed === false ? 'unchanged' : 'persisted';
    case TOPICS.deliverySent:
      return 'sent';
    case TOPICS.deliverySkipped:
      return 'skipped';
    case TOPICS.persistenceWritten:
      return p.changed === false ? 'unchanged' : 'written';
    default:
      return 'recorded';
  }
}

/** The audit row of an envelope: id = envelope id; provenance = the metadata and each record's provenance. */
export function auditRowOf(env: Envelope): Row {
  return {
    id: env.id,
    type: env.type,
    actor: OUTCOME_PRODUCERS[env.type] ?? null,
    outcome: outcomeOf(env),
    correlation_id: env.correlationId,
    causation_id: env.causationId,
    payload: env.payload ?? null,
    provenance: { metadata: env.metadata, records: env.records.map((r) => r.provenance ?? null) },
    created_at: env.createdAt,
  };
}

/** Options of the audit actor. */
export interface AuditOptions {
  /** Topics recorded; default every outcome topic. */
  consumes: string[];
  actor?: Partial<ActorSpec>;
}

/** The audit actor, writing audit rows through its scoped `ctx.writer`. */
export function auditActor(options: Partial<AuditOptions> = {}): ActorDefinition {
  return defineActor({
    ...options.actor,
    name: LEAD_ACTOR_NAMES.audit,
    consumes: options.consumes ?? [...OUTCOME_TOPICS],
    emits: [],
    writes: [AUDIT_TABLE.name],
    handle: async (env, ctx) => {
      if (ctx.writer === undefined) throw new PermanentError(`${LEAD_ACTOR_NAMES.audit} was given no writer (give the runtime the PersistenceService)`);
      const { changed } = await ctx.writer.upsert(AUDIT_TABLE.name, auditRowOf(env), ['id']);
      ctx.metrics.increment('audit_rows', { type: env.type, changed: String(changed) });
    },
  });
}

/**
 * What a lead-pipeline run produced, read back from the streams and the store: outcomes per
 * topic, drafts and audit rows persisted, dead letters by reason, and one sample envelope. Used
 * by the demo and by tests; it reads whole streams, so it is for runs of demo size.
 */
import { parseDeadLetter } from '../../runtime/dead-letter.js';
import { TOPICS } from '../topics.js';
import { ENVELOPE_FIELD } from '../../../envelope/codec.js';
import type { Envelope } from '../../../envelope/types.js';
import { AUDIT_TABLE, DRAFTS_TABLE } from '../../../persistence/lead/tables.js';
import type { ReadOnlyPersistence } from '../../../persistence/types.js';
import { fieldValue, type StreamBackend } from '../../../streams/backend.js';
import type { Keys } from '../../../streams/keys.js';

/** Counts of one run. */
export interface PipelineReport {
  /** Entries on each topic's stream. */
  topics: Record<string, number>;
  leadJobs: number;
  replyJobs: number;
  /** lead.enriched envelopes that found an existing lead (the lookups after a lead-upsert are in leadsCreated). */
  matched: number;
  /** Leads the write agent created for unknown senders of new-lead mail (persistence.written on leads). */
  leadsCreated: number;
  /** lead.unmatched envelopes. */
  unmatched: number;
  /** draft.persisted envelopes. */
  draftsPersisted: number;
  /** Rows in the drafts table. */
  draftRows: number;
  /** Rows in the audit table. */
  auditRows: number;
  /** DLQ entries by `<reason> (<actor>)`. */
  deadLettered: Record<string, number>;
  deadLetteredTotal: number;
  /** The last draft.persisted envelope (else the last lead.enriched), with its records' provenance. */
  sample: Envelope | null;
}

const envelopesOf = async (backend: StreamBackend, stream: string): Promise<Envelope[]> =>
  (await backend.range(stream, '-', '+')).flatMap((e) => {
    const json = fieldValue(e.fields, ENVELOPE_FIELD);
    try {
      return json === undefined ? [] : [JSON.parse(json) as Envelope];
    } catch {
      return [];
    }
  });

/** Reads a run's outcome back from its streams (every partition of P) and tables. */
export async function pipelineReport(backend: StreamBackend, keys: Keys, persistence: ReadOnlyPersistence, partitions = 1): Promise<PipelineReport> {
  const all = Array.from({ length: partitions }, (_, p) => p);
  const topics: Record<string, number> = {};
  for (const t of Object.values(TOPICS)) {
    topics[t] = 0;
    for (const p of all) topics[t] += (await backend.streamInfo(keys.topic(t, p)))?.length ?? 0;
  }
  const enriched = (await Promise.all(all.map((p) => envelopesOf(backend, keys.topic(TOPICS.leadEnriched, p))))).flat();
  const deadLettered: Record<string, number> = {};
  let deadLetteredTotal = 0;
  for (const t of Object.values(TOPICS)) {
    for (const p of all) {
      for (const e of await backend.range(keys.dlq(t, p), '-', '+')) {
        const d = parseDeadLetter(e.id, e.fields);
        const key = `${d.reason} (${d.actor})`;
        deadLettered[key] = (deadLettered[key] ?? 0) + 1;
        deadLetteredTotal += 1;
      }
    }
  }
  const last = async (topic: string): Promise<Envelope | null> => {
    for (const p of all) {
      const [entry] = await backend.revRange(keys.topic(topic, p), '+', '-', 1);
      const json = entry ? fieldValue(entry.fields, ENVELOPE_FIELD) : undefined;
      if (json !== undefined) return JSON.parse(json) as Envelope;
    }
    return null;
  };
  return {
    topics,
    leadJobs: topics[TOPICS.leadJob] ?? 0,
    replyJobs: topics[TOPICS.replyJob] ?? 0,
    matched: enriched.filter((e) => e.records.length > 0 && (e.payload as { createdLead?: unknown } | null)?.createdLead === undefined).length,
    leadsCreated: (await Promise.all(all.map((p) => envelopesOf(backend, keys.topic(TOPICS.persistenceWritten, p)))))
      .flat()
      .filter((e) => (e.payload as { table?: unknown } | null)?.table === 'leads').length,
    unmatched: topics[TOPICS.leadUnmatched] ?? 0,
    draftsPersisted: topics[TOPICS.draftPersisted] ?? 0,
    draftRows: (await persistence.query(DRAFTS_TABLE.name, { limit: 1 })).total,
    auditRows: (await persistence.query(AUDIT_TABLE.name, { limit: 1 })).total,
    deadLettered,
    deadLetteredTotal,
    sample: (await last(TOPICS.draftPersisted)) ?? (await last(TOPICS.leadEnriched)),
  };
}

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { auditActor, auditRowOf, outcomeOf } from '../src/actors/lead/audit.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import { defineActor } from '../src/actors/define.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { withProvenance } from '../src/envelope/provenance.js';
import { startLead } from './lead-harness.js';

const record = withProvenance({ id: 'lead-0007', email: 'x@y.example' }, { source: 'persistence:leads', retrievedAt: '2026-01-01T00:00:00.000Z' });
const enriched = (records = [record]) =>
  createEnvelope({
    type: TOPICS.leadEnriched,
    payload: { job: { jobType: 'lead', campaignId: 'c' }, matched: records.length },
    records,
    metadata: { source: 'rag-agent', total_count: records.length, cache: 'miss' },
  });

const rules = suite('audit rows');

rules('one row per envelope: its id, type, producer, outcome, lineage, payload and provenance', () => {
  const env = enriched();
  const row = auditRowOf(env);
  assert.equal(row, {
    id: env.id,
    type: 'lead.enriched',
    actor: 'rag-agent',
    outcome: 'matched',
    correlation_id: env.correlationId,
    causation_id: null,
    payload: env.payload,
    provenance: { metadata: env.metadata, records: [env.records[0]!.provenance] },
    created_at: env.createdAt,
  });
  assert.equal(env.records[0]!.provenance, {
    source: 'persistence:leads',
    retrieved_at: '2026-01-01T00:00:00.000Z',
    row_id: 'lead-0007',
    row_hash: env.records[0]!.provenance!.row_hash,
  });
  assert.is(outcomeOf(enriched([])), 'unmatched');
  assert.is(outcomeOf(createEnvelope({ type: TOPICS.draftPersisted, payload: { changed: false } })), 'unchanged');
  assert.is(outcomeOf(createEnvelope({ type: TOPICS.deliverySent, payload: {} })), 'sent');
});

const actor = suite('audit actor');

actor('records every outcome topic, idempotently by envelope id', async () => {
  const h = await startLead(() => [auditActor()]);
  try {
    const envs = [
      enriched(),
      createEnvelope({ type: TOPICS.leadUnmatched, payload: { reason: 'no-match' } }),
      createEnvelope({ type: TOPICS.draftPersisted, payload: { changed: true }, records: [record] }),
      createEnvelope({ type: TOPICS.deliverySkipped, payload: { reason: 'delivery-disabled' } }),
      createEnvelope({ type: TOPICS.deliverySent, payload: {} }),
    ];
    await h.send(envs);
    await h.drain();
    const rows = await h.rows('audit');
    assert.equal(rows.map((r) => r.id).sort(), envs.map((e) => e.id).sort());
    const persisted = rows.find((r) => r.type === TOPICS.draftPersisted)!;
    assert.equal([persisted.actor, persisted.outcome], ['db-writer', 'persisted']);
    assert.equal((persisted.provenance as { records: unknown[] }).records, [record.provenance]);
    // Replaying the stream through another group writes nothing new.
    const before = await h.rows('audit');
    const replay = await startLead(() => [defineActor({ ...auditActor(), name: 'audit-replay' })], {
      backend: h.backend,
      prefix: h.keys.prefix,
      service: h.service,
    });
    try {
      await replay.drain();
    } finally {
      await replay.stop();
    }
    assert.equal(await h.rows('audit'), before);
    const metrics = await replay.runtime.registry.metrics();
    assert.is((metrics.match(/stream_actor_custom_audit_rows_total\{[^}]*changed="false"[^}]*\} 1/g) ?? []).length, 5);
    assert.not.match(metrics, /audit_rows_total\{[^}]*changed="true"/);
  } finally {
    await h.stop();
  }
});

rules.run();
actor.run();

/**
 * The seed's "Practical test plan", step by step, on our actors:
 *   1) a tiny fake orchestrator that returns an envelope with the incoming email as a record,
 *      registered in the Registry;
 *   2) the campaign manager ingests a mock email, and the runtime runs once (until drained);
 *   3) the queue is empty (nothing pending), the audit store holds the envelope, and
 *      monitoring events were emitted at start and success.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { auditActor } from '../src/actors/lead/audit.js';
import { campaignManagerActor } from '../src/actors/lead/campaign-manager.js';
import { orchestratorActor } from '../src/actors/lead/orchestrator-actor.js';
import { Registry, type Orchestrator } from '../src/actors/lead/registry.js';
import { LEAD_ACTOR_NAMES, TOPICS } from '../src/actors/lead/topics.js';
import { drainSnapshot } from '../src/actors/runtime/drain.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { startLead } from './lead-harness.js';

const s = suite('practical test plan (seed)');

s('fake orchestrator in the Registry -> ingest -> run once -> queue empty, audited, monitored', async () => {
  // 1) The fake orchestrator: the incoming email, as a record with provenance, in an outcome envelope.
  const fake: Orchestrator = {
    name: 'fake-orchestrator',
    emits: [TOPICS.leadEnriched],
    run: (job) => [
      {
        type: TOPICS.leadEnriched,
        payload: { job: { jobType: job.jobType, campaignId: job.campaignId }, matched: 1 },
        records: [{ ...job.email, provenance: { row_id: job.email!.messageId, source: 'email', retrieved_at: '2026-01-01T00:00:00.000Z' } }],
      },
    ],
  };
  const registry = new Registry().register('lead', fake);
  const h = await startLead(() => [
    campaignManagerActor(),
    orchestratorActor({ name: LEAD_ACTOR_NAMES.leadOrchestrator, consumes: [TOPICS.leadJob], registry }),
    auditActor(),
  ]);
  try {
    // 2) The campaign manager's ingest of a mock email, then one run until nothing is left.
    const mock = {
      messageId: 'mock-1@mail.example',
      from: 'ada.lovelace@acme-robotics.example',
      to: 'spring-launch@campaigns.example',
      subject: 'Hello',
      body: 'Tell me more',
    };
    const ingested = await ingestEmails(h.backend, h.keys, [JSON.stringify(mock)], { source: 'practical' });
    assert.is(ingested.ingested, 1);
    await h.drain();

    // 3a) Queue empty: no lag, nothing pending, nothing delayed, for every actor.
    assert.ok((await drainSnapshot(h.backend, h.keys, h.actors)).drained);
    for (const [topic, group] of [
      [TOPICS.emailReceived, 'campaign-manager'],
      [TOPICS.leadJob, 'lead-orchestrator'],
      [TOPICS.leadEnriched, 'audit'],
    ] as const) {
      assert.is((await h.backend.pendingSummary(h.keys.topic(topic), group)).count, 0, `${group} PEL`);
    }
    // 3b) The audit store holds the orchestrator's envelope, with the email as its provenance.
    const [out] = await h.envelopes(TOPICS.leadEnriched);
    const audit = await h.rows('audit');
    assert.is(audit.length, 1);
    assert.equal([audit[0]!.id, audit[0]!.type, audit[0]!.outcome, audit[0]!.correlation_id], [out!.id, TOPICS.leadEnriched, 'matched', out!.correlationId]);
    assert.equal((audit[0]!.provenance as { records: unknown[] }).records, [
      { row_id: 'mock-1@mail.example', source: 'email', retrieved_at: '2026-01-01T00:00:00.000Z' },
    ]);
    assert.equal(out!.records[0]!.from, mock.from);
    // 3c) Monitoring: start and success events (logs) and counters.
    const events = h.lines().filter((l) => l.actor === 'lead-orchestrator' && (l.message === 'job started' || l.message === 'job succeeded'));
    assert.equal(
      events.map((l) => l.message),
      ['job started', 'job succeeded'],
    );
    assert.equal(events[1]!.orchestrator, 'fake-orchestrator');
    assert.ok(h.lines().some((l) => l.message === 'runtime started'));
    const metrics = await h.runtime.registry.metrics();
    assert.match(metrics, /stream_actor_custom_jobs_started_total\{job_type="lead",actor="lead-orchestrator"\} 1/);
    assert.match(metrics, /stream_actor_custom_jobs_succeeded_total\{job_type="lead",actor="lead-orchestrator"\} 1/);
    assert.match(metrics, /stream_actor_processed_total\{actor="audit"\} 1/);
  } finally {
    await h.stop();
  }
});

s.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dbWriterActor } from '../src/actors/lead/db-writer.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { DraftCreated, DraftPersisted } from '../src/actors/lead/types.js';
import { defineActor } from '../src/actors/define.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { withProvenance } from '../src/envelope/provenance.js';
import { draftId } from '../src/persistence/lead/tables.js';
import { startLead } from './lead-harness.js';

const draft = (over: Partial<DraftCreated> = {}): DraftCreated => ({
  draftId: draftId('lead-0001', 'spring'),
  leadId: 'lead-0001',
  campaignId: 'spring',
  to: 'ada@acme.example',
  subject: 'Ada, an idea for Acme',
  body: 'Hi Ada',
  job: { jobType: 'lead', campaignId: 'spring' },
  ...over,
});
const leadRecord = withProvenance({ id: 'lead-0001', email: 'ada@acme.example' }, { source: 'persistence:leads', retrievedAt: '2026-01-01T00:00:00.000Z' });
const created = (d: DraftCreated, key = `k-${d.subject}`) =>
  createEnvelope({ type: TOPICS.draftCreated, payload: d, records: [leadRecord], idempotencyKey: key });

const s = suite('db-writer: idempotent draft upserts');

s('writes the draft row by draftId(lead, campaign) and emits draft.persisted with provenance', async () => {
  const h = await startLead(() => [dbWriterActor()]);
  try {
    const input = created(draft());
    await h.send([input]);
    await h.drain();
    const rows = await h.rows('drafts');
    assert.is(rows.length, 1);
    assert.equal(
      [rows[0]!.id, rows[0]!.lead_id, rows[0]!.campaign_id, rows[0]!.subject, rows[0]!.correlation_id],
      [draftId('lead-0001', 'spring'), 'lead-0001', 'spring', 'Ada, an idea for Acme', input.correlationId],
    );
    const [out] = await h.envelopes(TOPICS.draftPersisted);
    assert.is((out!.payload as DraftPersisted).changed, true);
    assert.equal(
      out!.records.map((r) => r.provenance?.row_id),
      [draftId('lead-0001', 'spring'), 'lead-0001'],
    );
    assert.is(out!.records[0]!.provenance!.source, 'memory:drafts');
    assert.is(out!.metadata.source, 'memory:drafts');
  } finally {
    await h.stop();
  }
});

s('replaying the same envelope (a new group reading the stream again) changes nothing', async () => {
  const h = await startLead(() => [dbWriterActor()]);
  try {
    await h.send([created(draft())]);
    await h.drain();
    const before = await h.rows('drafts');
    // A replay: another group over the same stream from the start, writing through the same service.
    const replay = await startLead(() => [defineActor({ ...dbWriterActor(), name: 'db-writer-replay' })], {
      backend: h.backend,
      prefix: h.keys.prefix,
      service: h.service,
    });
    try {
      await replay.drain();
    } finally {
      await replay.stop();
    }
    const outs = await h.envelopes(TOPICS.draftPersisted);
    assert.equal(
      outs.map((o) => (o.payload as DraftPersisted).changed),
      [true, false],
    );
    assert.equal(await h.rows('drafts'), before, 'row untouched, timestamps included');
  } finally {
    await h.stop();
  }
});

s('a new version of the same draft updates the one row', async () => {
  const h = await startLead(() => [dbWriterActor()]);
  try {
    await h.send([created(draft())]);
    await h.drain();
    await h.send([created(draft({ subject: 'A better subject' }))]);
    await h.drain();
    const rows = await h.rows('drafts');
    assert.is(rows.length, 1);
    assert.is(rows[0]!.subject, 'A better subject');
  } finally {
    await h.stop();
  }
});

s('a draft without lead, campaign or copy is dead-lettered at once', async () => {
  const h = await startLead(() => [dbWriterActor()]);
  try {
    await h.send([createEnvelope({ type: TOPICS.draftCreated, payload: { leadId: 'lead-1', subject: 's' } })]);
    await h.drain();
    const [dead] = await h.dlq(TOPICS.draftCreated);
    assert.match(dead!.error, /invalid draft: missing \$\.campaignId, \$\.body/);
    assert.equal(await h.rows('drafts'), []);
  } finally {
    await h.stop();
  }
});

s.run();

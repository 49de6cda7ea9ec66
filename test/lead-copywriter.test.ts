import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copywriterActor, leadUpsertRequestOf, templateCopy, type LeadForCopy } from '../src/actors/lead/copywriter.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { DraftCreated, JobContext, LeadUnmatched } from '../src/actors/lead/types.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { withProvenance } from '../src/envelope/provenance.js';
import { draftId, leadIdOfEmail } from '../src/persistence/lead/tables.js';
import { startLead } from './lead-harness.js';

const lead: LeadForCopy = { id: 'lead-0001', email: 'ada@acme.example', first_name: 'Ada', last_name: 'Lovelace', company: 'Acme Robotics Inc.', title: 'CTO' };
const job: JobContext = { jobType: 'lead', campaignId: 'spring', subject: 'Interested in a demo' };
const row = (id: string, first: string) =>
  withProvenance(
    { id, email: `${first.toLowerCase()}@acme.example`, first_name: first, company: 'Acme Robotics Inc.', title: 'CTO' },
    { source: 'persistence:leads', retrievedAt: '2026-01-01T00:00:00.000Z' },
  );
const enriched = (records: ReturnType<typeof row>[], extra: Record<string, unknown> = {}) =>
  createEnvelope({
    type: TOPICS.leadEnriched,
    payload: { job, matched: records.length, ...extra },
    records,
    metadata: { source: 'rag-agent', fallback: true, query_filters: { email: 'x@y.example' } },
  });

const template = suite('copywriter template');

template('deterministic: the same lead and job give the same copy, built from the lead fields', () => {
  const a = templateCopy(lead, job);
  const b = templateCopy({ ...lead }, { ...job });
  assert.equal(a, b);
  assert.ok(!(a instanceof Promise));
  const copy = a as { subject: string; body: string };
  assert.is(copy.subject, 'Ada, an idea for Acme Robotics Inc.');
  assert.match(copy.body, /^Hi Ada,/);
  assert.match(copy.body, /as CTO/);
});

template('replies answer in kind and keep one "Re:"', () => {
  const reply = (intent: string, subject = 'Re: Your seat') =>
    templateCopy(lead, { ...job, jobType: 'reply', intent, subject }) as { subject: string; body: string };
  assert.is(reply('meeting').subject, 'Re: Your seat');
  assert.is(reply('meeting', 'Your seat').subject, 'Re: Your seat');
  assert.match(reply('unsubscribe').body, /will not write again/);
  assert.match(reply('meeting').body, /20-minute call/);
  assert.not.equal(reply('question').body, reply('other').body);
});

template('missing fields fall back to neutral words', () => {
  const copy = templateCopy({ id: 'lead-9', email: 'x@y.example' }, job) as { subject: string; body: string };
  assert.is(copy.subject, 'Hello, an idea for your team');
  assert.match(copy.body, /^Hi there,/);
});

template('lead-upsert: only new-lead mail from an unknown address asks for a lead, keyed by the address', () => {
  const job = { jobType: 'lead', campaignId: 'spring', from: 'New@Corp.example' };
  const req = leadUpsertRequestOf({ job, matched: 0 });
  assert.equal(req?.row, { id: leadIdOfEmail('new@corp.example'), email: 'new@corp.example', status: 'new' });
  assert.is(req?.table, 'leads');
  assert.is(leadIdOfEmail('NEW@corp.example '), req?.row.id, 'one address, one id');
  assert.is(leadUpsertRequestOf({ job: { ...job, jobType: 'reply' }, matched: 0 }), null, 'a reply from a stranger is not a lead');
  assert.is(leadUpsertRequestOf({ job: { ...job, jobType: 'campaign' }, matched: 0 }), null);
  assert.is(leadUpsertRequestOf({ job, matched: 0, error: 'store down' }), null, 'a failed lookup proves nothing');
  assert.is(leadUpsertRequestOf({ job, matched: 0, createdLead: 'lead-x' }), null, 'never twice in one flow (no loop)');
  assert.is(leadUpsertRequestOf({ job: { jobType: 'lead', campaignId: 'spring' }, matched: 0 }), null, 'no sender, no lead');
});

const actor = suite('copywriter actor');

actor('one draft per matched lead, from the injected generator, each carrying its lead record', async () => {
  const calls: [string, string][] = [];
  const h = await startLead(() => [
    copywriterActor({ generator: async (l, ctx) => (calls.push([l.id, ctx.campaignId]), { subject: `S ${l.first_name}`, body: `B ${l.company}` }) }),
  ]);
  try {
    const input = enriched([row('lead-0001', 'Ada'), row('lead-0002', 'Bob')]);
    await h.send([input]);
    await h.drain();
    const drafts = await h.envelopes(TOPICS.draftCreated);
    assert.equal(calls.sort(), [
      ['lead-0001', 'spring'],
      ['lead-0002', 'spring'],
    ]);
    const byLead = new Map(drafts.map((d) => [(d.payload as DraftCreated).leadId, d]));
    const ada = byLead.get('lead-0001')!;
    assert.equal(ada.payload, {
      draftId: draftId('lead-0001', 'spring'),
      leadId: 'lead-0001',
      campaignId: 'spring',
      to: 'ada@acme.example',
      subject: 'S Ada',
      body: 'B Acme Robotics Inc.',
      job,
    });
    assert.equal(ada.records[0]!.provenance, {
      ...ada.records[0]!.provenance,
      source: 'persistence:leads',
      retrieved_at: '2026-01-01T00:00:00.000Z',
      row_id: 'lead-0001',
    });
    assert.match(ada.records[0]!.provenance!.row_hash ?? '', /^[0-9a-f]{64}$/);
    assert.is(ada.idempotencyKey, `${input.idempotencyKey}>draft.created#lead-0001`);
    assert.is(byLead.get('lead-0002')!.records[0]!.id, 'lead-0002');
  } finally {
    await h.stop();
  }
});

actor('no lead matched: lead.unmatched (with the filters tried), no draft', async () => {
  const h = await startLead(() => [copywriterActor()]);
  try {
    await h.send([enriched([]), enriched([], { error: 'planner failed: x' })]);
    await h.drain();
    assert.equal(await h.envelopes(TOPICS.draftCreated), []);
    const out = await h.envelopes(TOPICS.leadUnmatched);
    assert.equal(out.map((e) => (e.payload as LeadUnmatched).reason).sort(), ['lookup-error', 'no-match']);
    assert.equal(out[0]!.metadata.query_filters, { email: 'x@y.example' });
    assert.is(out[0]!.metadata.fallback, true);
  } finally {
    await h.stop();
  }
});

actor('no copy from the generator, or no job in the input: permanent failures (DLQ, no retries)', async () => {
  const h = await startLead(() => [copywriterActor({ generator: () => ({ subject: ' ', body: 'x' }) })]);
  try {
    await h.send([enriched([row('lead-0001', 'Ada')]), createEnvelope({ type: TOPICS.leadEnriched, payload: { matched: 0 } })]);
    await h.drain();
    const dead = await h.dlq(TOPICS.leadEnriched);
    assert.equal(
      dead.map((d) => d.attempts),
      [1, 1],
    );
    assert.ok(dead.some((d) => /copy generator returned no subject or body for lead lead-0001/.test(d.error)));
    assert.ok(dead.some((d) => /invalid lead\.enriched: \$\.job\.campaignId: required/.test(d.error)));
  } finally {
    await h.stop();
  }
});

template.run();
actor.run();

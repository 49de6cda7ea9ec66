/**
 * Lead actors as handler specifications (given / when / then, src/actors/runtime/spec.ts): the
 * same delivery steps as the runtime, no Redis, no polling.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { campaignManagerActor } from '../src/actors/lead/campaign-manager.js';
import { copywriterActor } from '../src/actors/lead/copywriter.js';
import { deliveryActor, type DeliveryAdapter, type DeliveryRequest } from '../src/actors/lead/delivery.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { DeliveryOutcome, DraftCreated, DraftPersisted, JobContext } from '../src/actors/lead/types.js';
import { given } from '../src/actors/runtime/spec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { withProvenance } from '../src/envelope/provenance.js';
import { draftId } from '../src/persistence/lead/tables.js';

const mail = (over: Record<string, unknown> = {}) =>
  createEnvelope({
    type: TOPICS.emailReceived,
    payload: {
      messageId: 'm-1@mail.example',
      from: 'ada@acme.example',
      to: 'spring-launch@campaigns.example',
      subject: 'Interested in a demo',
      body: 'Hello',
      ...over,
    },
    idempotencyKey: 'm-1@mail.example',
  });

const cm = suite('campaign manager (specifications)');

cm('a new mail becomes a lead.job of its campaign; a reply a reply.job', async () => {
  const r = await given(mail())
    .when(campaignManagerActor())
    .then({ outputs: [{ type: TOPICS.leadJob }] });
  const job = r.outputs[0]!.payload as { jobType: string; campaignId: string };
  assert.equal([job.jobType, job.campaignId], ['lead', 'spring-launch']);
  await given(mail({ subject: 'Re: Interested', inReplyTo: 'x@mail.example' }))
    .when(campaignManagerActor())
    .then({ outputs: [{ type: TOPICS.replyJob }] });
});

cm('a malformed mail is dead-lettered at once (no retries), naming the problem', async () => {
  await given(mail({ from: 'not-an-address' }))
    .when(campaignManagerActor())
    .then({ deadLetter: 'handler-error', error: /invalid email: \$\.from/ });
});

cm('a mail already turned into a job is skipped as a duplicate', async () => {
  await given(mail(), { committed: ['m-1@mail.example'] })
    .when(campaignManagerActor())
    .then('duplicate');
});

const cw = suite('copywriter (specifications)');

const job: JobContext = { jobType: 'lead', campaignId: 'spring', subject: 'Interested in a demo' };
const row = withProvenance(
  { id: 'lead-0001', email: 'ada@acme.example', first_name: 'Ada', company: 'Acme Robotics Inc.', title: 'CTO' },
  { source: 'persistence:leads', retrievedAt: '2026-01-01T00:00:00.000Z' },
);
const enriched = (records: (typeof row)[]) =>
  createEnvelope({ type: TOPICS.leadEnriched, payload: { job, matched: records.length }, records, metadata: { source: 'rag-agent' } });

cw('one draft per matched lead, with its deterministic id and the lead row', async () => {
  const r = await given(enriched([row]))
    .when(copywriterActor())
    .then({ outputs: [{ type: TOPICS.draftCreated }] });
  const draft = r.outputs[0]!.payload as DraftCreated;
  assert.is(draft.draftId, draftId('lead-0001', 'spring'));
  assert.is(draft.to, 'ada@acme.example');
  assert.equal(r.outputs[0]!.records, [row]);
});

cw('no match: lead.unmatched with the reason', async () => {
  await given(enriched([]))
    .when(copywriterActor())
    .then({ outputs: [{ type: TOPICS.leadUnmatched, payload: { job, reason: 'no-match' } }] });
});

cw('a generator that fails is retried; one that returns nothing is a permanent dead letter', async () => {
  await given(enriched([row]))
    .when(
      copywriterActor({
        generator: () => {
          throw new Error('LLM timeout');
        },
      }),
    )
    .then('retry');
  await given(enriched([row]))
    .when(copywriterActor({ generator: () => ({ subject: '', body: '' }) }))
    .then({ deadLetter: 'handler-error', error: /no subject or body/ });
});

const dl = suite('delivery (specifications)');

const persisted = (changed = true) =>
  createEnvelope({
    type: TOPICS.draftPersisted,
    payload: {
      draftId: 'draft-1',
      leadId: 'lead-0001',
      campaignId: 'spring',
      to: 'ada@acme.example',
      subject: 'S',
      body: 'B',
      job: { jobType: 'lead', campaignId: 'spring' },
      changed,
    } satisfies DraftPersisted,
    records: [row],
  });
class Recording implements DeliveryAdapter {
  readonly name = 'recording';
  readonly sent: DeliveryRequest[] = [];
  constructor(private readonly fail = false) {}
  async send(r: DeliveryRequest) {
    this.sent.push(r);
    if (this.fail) throw new Error('SMTP 451 try again later');
    return { providerMessageId: 'prov-1' };
  }
}

dl('disabled by default: nothing sent, delivery.skipped; enabled: sent through the adapter', async () => {
  const off = new Recording();
  const r = await given(persisted())
    .when(deliveryActor({ adapter: off }))
    .then({ outputs: [{ type: TOPICS.deliverySkipped }] });
  assert.is((r.outputs[0]!.payload as DeliveryOutcome).reason, 'delivery-disabled');
  assert.is(off.sent.length, 0);
  const on = new Recording();
  await given(persisted())
    .when(deliveryActor({ adapter: on, enabled: true }))
    .then({ outputs: [{ type: TOPICS.deliverySent }] });
  assert.is(on.sent.length, 1);
});

dl('a provider error is retried (the next attempt parked for its backoff)', async () => {
  const r = await given(persisted())
    .when(deliveryActor({ adapter: new Recording(true), enabled: true }))
    .then('retry');
  assert.is(r.retry?.envelope.attempt, 2);
});

cm.run();
cw.run();
dl.run();

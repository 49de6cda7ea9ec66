import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deliveryActor, type DeliveryAdapter, type DeliveryRequest } from '../src/actors/lead/delivery.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { DeliveryOutcome, DraftPersisted } from '../src/actors/lead/types.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { withProvenance } from '../src/envelope/provenance.js';
import { startLead } from './lead-harness.js';

class RecordingAdapter implements DeliveryAdapter {
  readonly name = 'recording';
  readonly sent: DeliveryRequest[] = [];
  constructor(private readonly failures = 0) {}
  async send(r: DeliveryRequest) {
    if (this.sent.length < this.failures) {
      this.sent.push(r);
      throw new Error('SMTP 451 try again later');
    }
    this.sent.push(r);
    return { providerMessageId: `prov-${this.sent.length}` };
  }
}

const persisted = (changed = true, key?: string) =>
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
    records: [withProvenance({ id: 'lead-0001' }, { source: 'persistence:leads', retrievedAt: '2026-01-01T00:00:00.000Z' })],
    ...(key ? { idempotencyKey: key } : {}),
  });

const s = suite('delivery: disabled by default, explicit opt-in');

s('by default nothing is sent, even with an adapter: delivery.skipped (delivery-disabled)', async () => {
  const adapter = new RecordingAdapter();
  const h = await startLead(() => [deliveryActor({ adapter })]);
  try {
    await h.send([persisted()]);
    await h.drain();
    const [out] = await h.envelopes(TOPICS.deliverySkipped);
    assert.equal(out!.payload as DeliveryOutcome, {
      draftId: 'draft-1',
      leadId: 'lead-0001',
      campaignId: 'spring',
      adapter: 'recording',
      reason: 'delivery-disabled',
    });
    assert.is(out!.records[0]!.provenance!.row_id, 'lead-0001');
    assert.equal(adapter.sent, []);
    assert.equal(await h.envelopes(TOPICS.deliverySent), []);
  } finally {
    await h.stop();
  }
});

s('enabled: sends through the adapter with a stable idempotency key; unchanged drafts are not resent', async () => {
  const adapter = new RecordingAdapter();
  const h = await startLead(() => [deliveryActor({ enabled: true, adapter })]);
  try {
    const fresh = persisted(true, 'flow-1');
    await h.send([fresh, persisted(false)]);
    await h.drain();
    assert.equal(adapter.sent, [{ draftId: 'draft-1', to: 'ada@acme.example', subject: 'S', body: 'B', idempotencyKey: 'flow-1' }]);
    const [sent] = await h.envelopes(TOPICS.deliverySent);
    assert.is((sent!.payload as DeliveryOutcome).providerMessageId, 'prov-1');
    const [skipped] = await h.envelopes(TOPICS.deliverySkipped);
    assert.is((skipped!.payload as DeliveryOutcome).reason, 'unchanged');
  } finally {
    await h.stop();
  }
});

s('a failing send is retried by the runtime', async () => {
  const adapter = new RecordingAdapter(1);
  const h = await startLead(() => [
    deliveryActor({ enabled: true, adapter, actor: { maxAttempts: 3, backoff: { initialMs: 10, maxMs: 50, multiplier: 2, jitter: 0 } } }),
  ]);
  try {
    await h.send([persisted(true, 'flow-2')]);
    await h.drain();
    assert.is(adapter.sent.length, 2);
    assert.is((await h.envelopes(TOPICS.deliverySent)).length, 1);
    assert.equal(await h.dlq(TOPICS.draftPersisted), []);
  } finally {
    await h.stop();
  }
});

s.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { campaignManagerActor } from '../src/actors/lead/campaign-manager.js';
import { campaignIdOf, isReply, validateEmail } from '../src/actors/lead/email.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { Job } from '../src/actors/lead/types.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { startLead } from './lead-harness.js';

const mail = (over: Record<string, unknown> = {}) => ({
  messageId: 'm-1@mail.example',
  from: 'Ada@Acme.example',
  to: 'spring-launch@campaigns.example',
  subject: 'Interested in a demo',
  body: 'Hello',
  ...over,
});

const rules = suite('campaign manager rules: validation and classification');

rules('a complete mail is valid; addresses are trimmed and lower-cased', () => {
  const r = validateEmail(mail({ from: '  Ada@Acme.example ' }));
  assert.ok(r.ok);
  if (r.ok) assert.is(r.email.from, 'ada@acme.example');
});

rules('every problem is named by its JSON path', () => {
  const r = validateEmail({ from: 'not-an-address', subject: 7, body: 'x', to: 'a@b.example' });
  assert.not.ok(r.ok);
  if (!r.ok) assert.equal(r.problems, ['$.messageId: required', '$.subject: must be a string', '$.from: not an email address']);
  const arr = validateEmail([1, 2]);
  assert.equal(arr.ok ? [] : arr.problems, ['$: must be an object']);
  const empty = validateEmail(mail({ subject: '  ' }));
  assert.equal(empty.ok ? [] : empty.problems, ['$.subject: must not be empty']);
});

rules('replies: inReplyTo, or a Re:/AW:/SV: subject', () => {
  assert.ok(isReply({ subject: 'Hello', inReplyTo: 'x@y' }));
  assert.ok(isReply({ subject: 'Re: Hello' }));
  assert.ok(isReply({ subject: ' aw : Hallo' }));
  assert.not.ok(isReply({ subject: 'Regarding your offer' }));
  assert.not.ok(isReply({ subject: 'Hello', inReplyTo: '' }));
});

rules('the campaign is the local part of the recipient', () => {
  assert.is(campaignIdOf({ to: 'spring-launch@campaigns.example' }, 'inbound'), 'spring-launch');
  assert.is(campaignIdOf({ to: 'Summer Sale!@x.example' }, 'inbound'), 'summer-sale');
  assert.is(campaignIdOf({ to: '@x.example' }, 'inbound'), 'inbound');
});

const actor = suite('campaign-manager actor');

actor('new mail becomes lead.job, a reply becomes reply.job; the mail is the job record', async () => {
  const h = await startLead(() => [campaignManagerActor()]);
  try {
    const fresh = createEnvelope({ type: TOPICS.emailReceived, payload: mail(), idempotencyKey: 'm-1@mail.example' });
    const reply = createEnvelope({
      type: TOPICS.emailReceived,
      payload: mail({ messageId: 'm-2@mail.example', subject: 'Re: our note', inReplyTo: 'out-1@campaigns.example' }),
      idempotencyKey: 'm-2@mail.example',
    });
    await h.send([fresh, reply]);
    await h.drain();
    const [lead] = await h.envelopes(TOPICS.leadJob);
    const [answer] = await h.envelopes(TOPICS.replyJob);
    const job = lead!.payload as Job;
    assert.equal([job.jobType, job.campaignId, job.limit], ['lead', 'spring-launch', 1]);
    assert.match(job.query, /^from: ada@acme\.example\nsubject: Interested in a demo\nHello$/);
    assert.is(lead!.causationId, fresh.id);
    assert.is(lead!.correlationId, fresh.correlationId);
    assert.equal(lead!.records[0]!.provenance, { row_id: 'm-1@mail.example', source: 'email:email', retrieved_at: fresh.createdAt });
    assert.equal([(answer!.payload as Job).jobType, (answer!.payload as Job).email!.inReplyTo], ['reply', 'out-1@campaigns.example']);
  } finally {
    await h.stop();
  }
});

actor('malformed mail goes straight to the DLQ with its reason (no retries); the actor keeps going', async () => {
  const h = await startLead(() => [campaignManagerActor()]);
  try {
    const bad = createEnvelope({ type: TOPICS.emailReceived, payload: { from: 'x@y.example', subject: 'no body or id' } });
    const good = createEnvelope({ type: TOPICS.emailReceived, payload: mail({ messageId: 'm-3@mail.example' }) });
    await h.send([bad, good]);
    await h.drain();
    const dlq = await h.dlq(TOPICS.emailReceived);
    assert.is(dlq.length, 1);
    assert.is(dlq[0]!.reason, 'handler-error');
    assert.is(dlq[0]!.attempts, 1, 'dead-lettered on the first attempt: no retries');
    assert.is(dlq[0]!.actor, 'campaign-manager');
    assert.match(dlq[0]!.error, /PermanentError: invalid email: \$\.messageId: required; \$\.to: required; \$\.body: required/);
    assert.is(dlq[0]!.envelope!.id, bad.id);
    assert.is((await h.envelopes(TOPICS.leadJob)).length, 1);
  } finally {
    await h.stop();
  }
});

actor('the same messageId twice makes one job', async () => {
  const h = await startLead(() => [campaignManagerActor()]);
  try {
    const a = createEnvelope({ type: TOPICS.emailReceived, payload: mail(), idempotencyKey: 'm-1@mail.example' });
    const b = createEnvelope({ type: TOPICS.emailReceived, payload: mail(), idempotencyKey: 'm-1@mail.example' });
    await h.send([a]);
    await h.drain();
    await h.send([b]);
    await h.drain();
    assert.is((await h.envelopes(TOPICS.leadJob)).length, 1);
    assert.match(await h.runtime.registry.metrics(), /stream_actor_duplicates_skipped_total\{actor="campaign-manager"\} 1/);
  } finally {
    await h.stop();
  }
});

rules.run();
actor.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { orchestratorActor } from '../src/actors/lead/orchestrator-actor.js';
import { defaultRegistry, jobContextOf, replyIntentOf } from '../src/actors/lead/orchestrators.js';
import { isRegistryError, Registry, type Orchestrator, type OrchestratorTools } from '../src/actors/lead/registry.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { Job, RagRequest } from '../src/actors/lead/types.js';
import { isPermanentError } from '../src/actors/errors.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { ManualClock } from '../src/clock.js';
import { memoryService, startLead } from './lead-harness.js';
import { capturingLogger } from './support/quiet-logger.js';

const job = (over: Partial<Job> = {}): Job => ({ jobType: 'lead', campaignId: 'c1', query: 'from: a@b.example', limit: 1, context: {}, ...over });
const tools = (): OrchestratorTools => ({ persistence: memoryService(5).readOnly(), clock: new ManualClock(), logger: capturingLogger().logger });
const echo = (name: string, emits: string[] = ['rag.request']): Orchestrator => ({
  name,
  emits,
  run: (j) => [{ type: 'rag.request', payload: { text: j.query, seen: j.context } }],
});

const reg = suite('registry: orchestrators by job type');

reg('resolves what was registered; unknown types are a permanent RegistryError', () => {
  const r = new Registry().register('lead', echo('one'));
  assert.is(r.resolve('lead').name, 'one');
  assert.equal(r.jobTypes(), ['lead']);
  try {
    r.resolve('fax');
    assert.unreachable();
  } catch (err) {
    assert.ok(isRegistryError(err, 'REGISTRY_UNKNOWN_JOB_TYPE'));
    assert.ok(isPermanentError(err), 'the runtime dead-letters it at once');
    assert.match((err as Error).message, /no orchestrator registered for job type fax \(known: lead\)/);
  }
});

reg('registering a type or a plugin twice is an error', () => {
  const r = new Registry().register('lead', echo('one')).use({ name: 'p' });
  assert.throws(
    () => r.register('lead', echo('two')),
    (e: unknown) => isRegistryError(e, 'REGISTRY_DUPLICATE'),
  );
  assert.throws(
    () => r.use({ name: 'p' }),
    (e: unknown) => isRegistryError(e, 'REGISTRY_DUPLICATE'),
  );
});

reg('two registries never share state', () => {
  const a = new Registry().register('lead', echo('a'));
  const b = new Registry();
  assert.not.ok(b.has('lead'));
  assert.ok(a.has('lead'));
});

const plugins = suite('registry: plugins');

plugins('enrich runs before the orchestrator, after can add steps; both only for their job types', async () => {
  const r = new Registry()
    .register('lead', echo('o'))
    .register('reply', echo('o2'))
    .use({ name: 'tag', enrich: (j) => ({ ...j, context: { ...j.context, tagged: true } }) })
    .use({
      name: 'notify',
      jobTypes: ['reply'],
      emits: ['lead.notified'],
      after: (_j, outs) => [...outs, { type: 'lead.notified', payload: { n: outs.length } }],
    });
  const lead = await r.run(job(), tools());
  assert.equal(lead.outputs, [{ type: 'rag.request', payload: { text: 'from: a@b.example', seen: { tagged: true } } }]);
  const reply = await r.run(job({ jobType: 'reply' }), tools());
  assert.equal(
    reply.outputs.map((o) => o.type),
    ['rag.request', 'lead.notified'],
  );
  assert.equal(r.emitsFor(['lead']), ['rag.request']);
  assert.equal(r.emitsFor(['reply']).sort(), ['lead.notified', 'rag.request']);
});

plugins('the built-in reply-intent plugin tags replies for the copywriter', async () => {
  const r = defaultRegistry();
  const done = await r.run(
    job({ jobType: 'reply', email: { messageId: 'm', from: 'a@b.example', subject: 'Re: hi', body: 'Can we schedule a call?' } }),
    tools(),
  );
  const request = done.outputs[0]!.payload as RagRequest;
  assert.is(request.job.intent, 'meeting');
  assert.equal(['Please unsubscribe me', 'I am out of office', 'What does it cost?', 'ok'].map(replyIntentOf), [
    'unsubscribe',
    'out-of-office',
    'question',
    'other',
  ]);
  assert.equal(jobContextOf(job({ jobType: 'campaign', occurrence: 2 })), { jobType: 'campaign', campaignId: 'c1', occurrence: 2 });
});

const actor = suite('orchestrator actor: dispatch through the registry');

actor('a job runs its orchestrator and plugins; outputs are derived from the job', async () => {
  const registry = new Registry().register('lead', echo('lead-o')).use({
    name: 'extra',
    emits: ['lead.notified'],
    after: (_j, outs) => [...outs, { type: 'lead.notified', payload: {}, key: 'n1' }, { type: 'lead.notified', payload: {}, key: 'n2' }],
  });
  const h = await startLead(() => [orchestratorActor({ name: 'lead-orchestrator', consumes: [TOPICS.leadJob], registry })]);
  try {
    const input = createEnvelope({ type: TOPICS.leadJob, payload: job(), idempotencyKey: 'job-1' });
    const unknown = createEnvelope({ type: TOPICS.leadJob, payload: job({ jobType: 'fax' }) });
    const malformed = createEnvelope({ type: TOPICS.leadJob, payload: { jobType: 'lead' } });
    await h.send([input, unknown, malformed]);
    await h.drain();
    const [req] = await h.envelopes(TOPICS.ragRequest);
    assert.is(req!.causationId, input.id);
    assert.is(req!.idempotencyKey, 'job-1>rag.request');
    assert.is((await h.envelopes('lead.notified')).length, 2, 'two steps of one type, told apart by key');
    const dead = await h.dlq(TOPICS.leadJob);
    assert.equal(
      dead.map((d) => d.attempts),
      [1, 1],
    );
    assert.ok(dead.some((d) => /no orchestrator registered for job type fax/.test(d.error)));
    assert.ok(dead.some((d) => /invalid job: \$\.campaignId: required/.test(d.error)));
    const events = h.lines().filter((l) => l.message === 'job started' || l.message === 'job succeeded');
    // The malformed job fails before it starts; the unknown type starts and fails.
    assert.equal(events.map((l) => l.message).sort(), ['job started', 'job started', 'job succeeded']);
    assert.match(await h.runtime.registry.metrics(), /stream_actor_custom_jobs_succeeded_total\{job_type="lead",actor="lead-orchestrator"\} 1/);
  } finally {
    await h.stop();
  }
});

reg.run();
plugins.run();
actor.run();

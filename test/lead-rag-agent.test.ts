import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataCoordinator } from '../src/actors/lead/data-coordinator.js';
import { RagAgent } from '../src/actors/lead/rag/agent.js';
import type { RagOptions } from '../src/actors/lead/rag/options.js';
import { ragAgentActor } from '../src/actors/lead/rag-agent.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { LeadEnriched, RagRequest } from '../src/actors/lead/types.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { stableHash } from '../src/envelope/hash.js';
import { PersistenceAdapterError } from '../src/persistence/errors.js';
import { type PersistenceTraceEvent } from '../src/persistence/service.js';
import type { ReadOnlyPersistence } from '../src/persistence/types.js';
import { ManualClock } from '../src/clock.js';
import { startLead } from './lead-harness.js';
import { capturingLogger } from './support/quiet-logger.js';
import { leadMemoryAdapter, leadPersistenceService } from '../src/persistence/lead/persistence.js';

const LEADS = [
  { id: 'lead-0001', email: 'ada@acme-robotics.example', first_name: 'Ada', company: 'Acme Robotics Inc.', client_id: 'client-1' },
  { id: 'lead-0002', email: 'bob@acme-robotics.example', first_name: 'Bob', company: 'Acme Robotics Inc.', client_id: 'client-1' },
  { id: 'lead-0003', email: 'cy@globex.example', first_name: 'Cy', company: 'Globex GmbH', client_id: 'client-2' },
  { id: 'lead-0004', email: 'di@initech.example', first_name: 'Di', company: 'Initech LLC', client_id: 'client-3' },
];

/** A real service over a memory store of LEADS that counts the queries reaching it. */
function fixture(options: Partial<RagOptions> = {}, clock = new ManualClock()) {
  const traces: PersistenceTraceEvent[] = [];
  const service = leadPersistenceService(leadMemoryAdapter({ seed: { leads: LEADS } }), { onTrace: (e) => traces.push(e) });
  const coordinator = new DataCoordinator(service.readOnly());
  const { logger, lines } = capturingLogger('info');
  const agent = new RagAgent(options, clock);
  const run = (text: string, extra: Partial<RagRequest> = {}) =>
    agent.run({ job: { jobType: 'lead', campaignId: 'c1' }, text, ...extra }, { coordinator, logger });
  const queries = () => traces.filter((t) => t.op === 'query').length;
  return { agent, clock, coordinator, run, queries, lines, service, logger };
}

const basics = suite('rag agent: lookup and provenance');

basics('an exact email finds its lead; records carry provenance; metadata says how', async () => {
  const f = fixture();
  const r = await f.run('from: ada@acme-robotics.example\nhello');
  assert.is(r.records.length, 1);
  assert.is(r.records[0]!.id, 'lead-0001');
  const { id: _id, provenance: _p, ...rest } = r.records[0]!;
  assert.equal(r.records[0]!.provenance, {
    source: 'persistence:leads',
    retrieved_at: new Date(f.clock.now()).toISOString(),
    row_id: 'lead-0001',
    row_hash: stableHash({ id: 'lead-0001', ...rest }),
  });
  assert.is(r.status, 'SUCCESS');
  assert.is(r.metadata.status, 'SUCCESS');
  assert.is(r.metadata.source, 'rag-agent');
  assert.equal(r.metadata.query_filters, { email: 'ada@acme-robotics.example' });
  assert.is(r.metadata.total_count, 1);
  assert.is(r.metadata.fallback, false);
  assert.is(r.metadata.cache, 'miss');
  assert.equal(r.metadata.pagination, { offset: 0, limit: 50, returned: 1, has_more: false });
  assert.is(r.error, undefined);
});

basics('limits are clamped to maxLimit and pages report has_more', async () => {
  const f = fixture({ maxLimit: 1 });
  const r = await f.run('leads of client-1', { limit: 500 });
  assert.is(r.records.length, 1);
  assert.equal(r.metadata.pagination, { offset: 0, limit: 1, returned: 1, has_more: true });
  assert.is(r.metadata.total_count, 2);
  const next = await f.run('leads of client-1', { offset: 1, limit: 1 });
  assert.is(next.records[0]!.id, 'lead-0002');
  assert.is(next.metadata.pagination!.has_more, false);
});

const cache = suite('rag agent: cache keyed by the filter hash');

cache('the same filters again are served from the cache (no store query)', async () => {
  const f = fixture();
  await f.run('from: ada@acme-robotics.example');
  assert.is(f.queries(), 1);
  // Different text, same filters (email case and whitespace normalised by the hash).
  const again = await f.run('mail from ADA@acme-robotics.example please');
  assert.is(again.metadata.cache, 'hit');
  assert.is(again.records[0]!.id, 'lead-0001');
  assert.is(f.queries(), 1);
});

cache('the cache is per agent instance', async () => {
  const f = fixture();
  await f.run('from: ada@acme-robotics.example');
  const other = new RagAgent({}, f.clock);
  const r = await other.run(
    { job: { jobType: 'lead', campaignId: 'c1' }, text: 'from: ada@acme-robotics.example' },
    { coordinator: f.coordinator, logger: f.logger },
  );
  assert.is(r.metadata.cache, 'miss');
  assert.is(f.queries(), 2);
});

cache('bounded: the least recently used entry is evicted', async () => {
  const f = fixture({ cacheSize: 2 });
  await f.run('lead-0001');
  await f.run('lead-0002');
  assert.is((await f.run('lead-0001')).metadata.cache, 'hit'); // now 0002 is the oldest
  await f.run('lead-0003'); // evicts 0002
  assert.is((await f.run('lead-0001')).metadata.cache, 'hit');
  assert.is((await f.run('lead-0002')).metadata.cache, 'miss');
});

cache('entries expire after cacheTtlMs on the agent clock', async () => {
  const f = fixture({ cacheTtlMs: 1_000 });
  await f.run('lead-0001');
  f.clock.advance(999);
  assert.is((await f.run('lead-0001')).metadata.cache, 'hit');
  f.clock.advance(1);
  assert.is((await f.run('lead-0001')).metadata.cache, 'miss');
});

const reform = suite('rag agent: bounded reformulation');

reform('writing from another address: the email is dropped and the lead id finds the lead', async () => {
  const f = fixture();
  const r = await f.run('from: ada.home@gmail.example\nthis is Ada (lead-0001)');
  assert.is(r.records[0]!.id, 'lead-0001');
  assert.equal(
    (r.metadata.attempts as { step: string; rows: number }[]).map((a) => [a.step, a.rows]),
    [
      ['original', 0],
      ['drop-email', 1],
    ],
  );
  assert.equal(r.metadata.query_filters, { id: 'lead-0001' });
  assert.is(r.metadata.fallback, false);
});

reform('another legal suffix: the company is shortened ("Globex Corp" -> "Globex")', async () => {
  const f = fixture();
  const r = await f.run('from: info@globex-group.example\nwe are the partnerships team at Globex Corp and would like to talk');
  assert.is(r.records[0]!.id, 'lead-0003');
  assert.equal(
    (r.metadata.attempts as { step: string }[]).map((a) => a.step),
    ['original', 'drop-email', 'shorten-company'],
  );
  assert.equal(r.metadata.query_filters, { company: 'Globex' });
});

reform('no more than maxReformulations relaxed attempts', async () => {
  const f = fixture({ maxReformulations: 1, maxFallbacksPerMin: 0 });
  const r = await f.run('from: info@globex-group.example\nwe are at Globex Corp');
  assert.is(r.records.length, 0);
  assert.equal(
    (r.metadata.attempts as { step: string }[]).map((a) => a.step),
    ['original', 'drop-email'],
  );
  assert.is(f.queries(), 2);
});

const fallback = suite('rag agent: rate-limited fallback');

fallback('nothing found: the offline fallback searches the sender domain as a company', async () => {
  const f = fixture();
  const r = await f.run('from: sales@initech.example\nhello');
  assert.is(r.records[0]!.id, 'lead-0004');
  assert.is(r.metadata.fallback, true);
  assert.equal(r.metadata.query_filters, { company: 'initech' });
  assert.is((r.metadata.attempts as { step: string }[]).at(-1)!.step, 'fallback');
});

fallback('an unknown sender ends with no records, fallback tried', async () => {
  const f = fixture();
  const r = await f.run('from: a@contoso.example\nI work at Contoso Ltd');
  assert.is(r.records.length, 0);
  assert.is(r.metadata.fallback, true);
  assert.is(r.metadata.total_count, 0);
  assert.is(r.status, 'NO_RESULTS');
  assert.is(r.metadata.status, 'NO_RESULTS');
});

fallback('MAX_FALLBACKS_PER_MIN is a sliding window on the agent clock', async () => {
  const f = fixture({ maxFallbacksPerMin: 2 });
  const unknown = async (n: number) => (await f.run(`from: x${n}@contoso.example`)).metadata;
  assert.is((await unknown(1)).fallback, true); // t = 0
  f.clock.advance(30_000);
  assert.is((await unknown(2)).fallback, true); // t = 30 s
  f.clock.advance(15_000);
  const limited = await unknown(3); // t = 45 s: two in the last minute
  assert.is(limited.fallback, false);
  assert.is(limited.fallback_skipped, 'rate-limited');
  f.clock.advance(15_001); // t = 60.001 s: the first one left the window, the second has not
  assert.is((await unknown(4)).fallback, true);
  assert.is((await unknown(5)).fallback, false);
});

fallback('an injected planner is asked when the text has no filters, and as the fallback', async () => {
  const asked: string[] = [];
  const f = fixture({ planner: (input) => (asked.push(input.reason), input.reason === 'no-filters' ? { filters: { company: 'acme' } } : {}) });
  const r = await f.run('who is our robotics contact?');
  assert.equal(
    r.records.map((x) => x.id),
    ['lead-0001', 'lead-0002'],
  );
  assert.equal(asked, ['no-filters']);
  const none = await f.run('from: x@contoso.example');
  assert.is(none.records.length, 0);
  assert.equal(asked, ['no-filters', 'no-rows']);
});

const errors = suite('rag agent: never throws');

errors('a planner that throws gives an empty result with the error in the metadata', async () => {
  const f = fixture({
    planner: () => {
      throw new Error('LLM quota exceeded');
    },
  });
  const r = await f.run('no filters in here');
  assert.is(r.records.length, 0);
  assert.match(String(r.metadata.error), /planner failed: Error: LLM quota exceeded/);
  assert.is(r.metadata.error_stage, 'planner');
  assert.is(r.error!.retryable, false);
  const rejected = fixture({ planner: async () => Promise.reject(new Error('timeout')) });
  const r2 = await rejected.run('from: x@contoso.example');
  assert.is(r2.error!.stage, 'planner');
});

errors('a store outage is reported as retryable, a refused table is not', async () => {
  const down: ReadOnlyPersistence = {
    capabilities: { ilike: true },
    query: async () => {
      throw new PersistenceAdapterError({ adapter: 'postgres', operation: 'query', table: 'leads', reason: 'unavailable', message: 'connect ECONNREFUSED' });
    },
    getById: async () => null,
    columns: async () => [],
  };
  const agent = new RagAgent({}, new ManualClock());
  const { logger } = capturingLogger();
  const r = await agent.run({ job: { jobType: 'lead', campaignId: 'c' }, text: 'lead-0001' }, { coordinator: new DataCoordinator(down), logger });
  assert.equal([r.records.length, r.error!.stage, r.error!.retryable], [0, 'query', true]);
  const noLeads = leadPersistenceService(leadMemoryAdapter(), { tables: { drafts: '*' } });
  const r2 = await agent.run(
    { job: { jobType: 'lead', campaignId: 'c' }, text: 'lead-0001' },
    { coordinator: new DataCoordinator(noLeads.readOnly()), logger },
  );
  assert.equal([r2.error!.stage, r2.error!.retryable], ['query', false]);
});

errors('a garbage request is an empty result, not an exception', async () => {
  const f = fixture();
  const r = await f.agent.run(null as unknown as RagRequest, { coordinator: f.coordinator, logger: f.logger });
  assert.is(r.records.length, 0);
  assert.is(r.metadata.cache, 'bypass');
});

const debug = suite('rag agent: debug output through the redacting logger');

debug('RAG_DEBUG_IO and RAG_DEEP_DEBUG log I/O and steps, redacted and truncated', async () => {
  const secret = 'sk_' + 'live_' + 'Z'.repeat(24);
  const f = fixture({ debugIo: true, deepDebug: true, debugMaxChars: 300 });
  await f.run(`from: ada@acme-robotics.example\napi_key=${secret} ${'padding '.repeat(100)}`);
  const lines = f.lines();
  const io = lines.filter((l) => l.message === 'rag io');
  const steps = lines.filter((l) => l.message === 'rag step');
  assert.is(io.length, 1);
  assert.ok(steps.length >= 2, 'parsed + original steps');
  const text = JSON.stringify(lines);
  assert.not.ok(text.includes(secret), 'secret never logged');
  assert.not.ok(text.includes('ada@acme-robotics.example'), 'emails masked');
  assert.ok(text.includes('[REDACTED]'));
  assert.ok(String(io[0]!.request).length <= 300);
  assert.ok(String(io[0]!.request).endsWith('…'));
});

debug('without the flags the agent logs nothing', async () => {
  const f = fixture();
  await f.run('from: ada@acme-robotics.example');
  assert.equal(f.lines(), []);
});

const coord = suite('data coordinator: coalescing');

coord('concurrent identical queries reach the store once', async () => {
  const f = fixture();
  const filters = { company: 'Acme' };
  const results = await Promise.all([1, 2, 3].map(() => f.coordinator.queryLeads(filters, { offset: 0, limit: 5 })));
  assert.is(f.queries(), 1);
  assert.is(f.coordinator.coalesced, 2);
  assert.ok(results.every((r) => r.total === 2));
  assert.is(f.coordinator.inFlight, 0);
  await f.coordinator.queryLeads(filters, { offset: 0, limit: 5 });
  assert.is(f.queries(), 2, 'nothing is kept once the call finished');
  assert.is((await Promise.all([f.coordinator.getLead('lead-0003'), f.coordinator.getLead('lead-0003')]))[1]!.email, 'cy@globex.example');
  assert.ok((await f.coordinator.leadColumns()).includes('company'));
});

coord('two agents asking the same thing at once share one store call', async () => {
  const f = fixture();
  const second = new RagAgent({}, f.clock);
  const req = { job: { jobType: 'lead', campaignId: 'c' }, text: 'lead-0002' };
  const [a, b] = await Promise.all([
    f.agent.run(req, { coordinator: f.coordinator, logger: f.logger }),
    second.run(req, { coordinator: f.coordinator, logger: f.logger }),
  ]);
  assert.equal([a.records[0]!.id, b.records[0]!.id], ['lead-0002', 'lead-0002']);
  assert.is(f.queries(), 1);
});

const actor = suite('rag-agent actor');

actor('emits lead.enriched with records and metadata; a planner failure is an empty result, not a retry', async () => {
  const h = await startLead(() => [ragAgentActor({ planner: () => Promise.reject(new Error('no LLM today')) })]);
  try {
    const ok = createEnvelope({
      type: TOPICS.ragRequest,
      payload: { job: { jobType: 'lead', campaignId: 'c' }, text: 'from: ada.lovelace@x.example lead-0001' },
    });
    const bad = createEnvelope({ type: TOPICS.ragRequest, payload: { job: { jobType: 'lead', campaignId: 'c' }, text: 'nothing to parse' } });
    await h.send([ok, bad]);
    await h.drain();
    const out = await h.envelopes(TOPICS.leadEnriched);
    const byCause = new Map(out.map((e) => [e.causationId, e]));
    const good = byCause.get(ok.id)!;
    assert.is(good.records[0]!.id, 'lead-0001');
    assert.is((good.payload as LeadEnriched).matched, 1);
    assert.is(good.metadata.source, 'rag-agent');
    const failed = byCause.get(bad.id)!;
    assert.equal(failed.records, []);
    assert.match(String((failed.payload as LeadEnriched).error), /no LLM today/);
    assert.equal(await h.dlq(TOPICS.ragRequest), []);
  } finally {
    await h.stop();
  }
});

basics.run();
cache.run();
reform.run();
fallback.run();
errors.run();
debug.run();
coord.run();
actor.run();

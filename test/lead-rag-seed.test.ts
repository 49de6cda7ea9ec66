/**
 * The RAG agent against the seed's behaviour, on a real PostgreSQL: the seed's limits
 * (RAG_DEFAULT_LIMIT 50, RAG_MAX_LIMIT 500) and summary threshold (200), metadata that tells
 * the truth about what came back when the persistence service caps a page, SUCCESS/NO_RESULTS,
 * provenance with row_id + row_hash and raw_row only on the request's flag, and reformulation
 * that drops the email, strips the company suffix, then drops the company, bounded by
 * RAG_REFORMULATION_MAX_ATTEMPTS (default 3, from the environment).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataCoordinator } from '../src/actors/lead/data-coordinator.js';
import { RagAgent } from '../src/actors/lead/rag/agent.js';
import { DEFAULT_RAG_OPTIONS, ragOptionsFromEnv, type RagOptions } from '../src/actors/lead/rag/options.js';
import type { RagRequest } from '../src/actors/lead/types.js';
import { stableHash } from '../src/envelope/hash.js';
import { PostgresAdapter } from '../src/persistence/adapters/postgres.js';
import { ManualClock } from '../src/clock.js';
import { testPostgres, type TestPostgres } from './support/postgres.js';
import { capturingLogger } from './support/quiet-logger.js';
import { leadPersistenceService } from '../src/persistence/lead/persistence.js';

const pad = (n: number): string => String(n).padStart(4, '0');
// 320 leads of one client over a few companies: more than the summary threshold (200).
const LEADS = Array.from({ length: 320 }, (_, i) => ({
  id: `lead-${pad(i)}`,
  email: `p${i}@co${i % 4}.example`,
  first_name: `P${i}`,
  company: i === 7 ? 'Globex GmbH' : `Company ${i % 4}`,
  client_id: i < 300 ? 'client-big' : `client-${i}`,
}));

let pg: TestPostgres | null = null;

async function fixture(options: Partial<RagOptions> = {}, serviceMaxLimit?: number) {
  pg ??= await testPostgres('RAG seed tests');
  if (!pg) return null;
  const adapter = new PostgresAdapter({ pool: pg.pool, schema: pg.schema });
  const service = leadPersistenceService(adapter, serviceMaxLimit === undefined ? {} : { maxLimit: serviceMaxLimit });
  if ((await service.query('leads', { limit: 1 })).total === 0) {
    for (const row of LEADS) await service.insert('leads', row);
  }
  const coordinator = new DataCoordinator(service.readOnly());
  const { logger } = capturingLogger('info');
  const agent = new RagAgent(options, new ManualClock());
  const run = (text: string, extra: Partial<RagRequest> = {}) =>
    agent.run({ job: { jobType: 'lead', campaignId: 'c1' }, text, ...extra }, { coordinator, logger });
  return { run };
}

const s = suite('rag agent: seed behaviour (real PostgreSQL)');

s.after(async () => {
  await pg?.close();
});

s('seed defaults: default limit 50, max limit 500, summary above 200 rows, 3 reformulations', () => {
  assert.is(DEFAULT_RAG_OPTIONS.defaultLimit, 50);
  assert.is(DEFAULT_RAG_OPTIONS.maxLimit, 500);
  assert.is(DEFAULT_RAG_OPTIONS.summaryThreshold, 200);
  assert.is(DEFAULT_RAG_OPTIONS.maxReformulations, 3);
  assert.equal(ragOptionsFromEnv({ RAG_DEFAULT_LIMIT: '20', RAG_MAX_LIMIT: '300', RAG_SUMMARY_THRESHOLD: '150', RAG_REFORMULATION_MAX_ATTEMPTS: '1' }), {
    defaultLimit: 20,
    maxLimit: 300,
    summaryThreshold: 150,
    maxReformulations: 1,
  });
  assert.throws(() => ragOptionsFromEnv({ RAG_REFORMULATION_MAX_ATTEMPTS: 'many' }), /RAG_REFORMULATION_MAX_ATTEMPTS must be an integer/);
});

s('a request without a limit gets 50 rows; has_more and the counts describe the page', async () => {
  const f = await fixture();
  if (!f) return;
  const r = await f.run('', { filters: { client_id: 'client-big' } });
  assert.is(r.records.length, 50);
  assert.is(r.status, 'SUCCESS');
  assert.is(r.metadata.total_count, 300);
  assert.equal(r.metadata.pagination, { offset: 0, limit: 50, returned: 50, has_more: true });
});

s('above RAG_SUMMARY_THRESHOLD the result carries a summary instead of every row', async () => {
  const f = await fixture();
  if (!f) return;
  const r = await f.run('', { filters: { client_id: 'client-big' }, limit: 999_999 });
  assert.is(r.status, 'SUCCESS');
  assert.is(r.records.length, 0, 'no row listed');
  assert.ok(r.summary);
  assert.is(r.summary.rows, 300);
  assert.is(
    r.summary.by_company.reduce((n, c) => n + c.rows, 0),
    300,
  );
  assert.equal(r.summary.sample_ids.slice(0, 2), ['lead-0000', 'lead-0001']);
  assert.equal(r.metadata.summary, r.summary);
  assert.equal(r.metadata.pagination, { offset: 0, limit: 500, returned: 300, has_more: false });
});

s('limits are truthful: a persistence cap below RAG_MAX_LIMIT is what the metadata reports', async () => {
  const f = await fixture({ summaryThreshold: 1000 }, 100);
  if (!f) return;
  const r = await f.run('', { filters: { client_id: 'client-big' }, limit: 999_999 });
  assert.is(r.records.length, 100);
  assert.equal(r.metadata.pagination, { offset: 0, limit: 100, returned: 100, has_more: true }, 'not "limit: 500" for a page of 100');
  assert.equal(r.metadata.limit_capped, { requested: 500, applied: 100 });
});

s('SUCCESS / NO_RESULTS; provenance has row_id and row_hash; raw_row only when the request asks', async () => {
  const f = await fixture({ includeRawRows: true });
  if (!f) return;
  const hit = await f.run('lead-0003');
  assert.is(hit.status, 'SUCCESS');
  const p = hit.records[0]!.provenance!;
  assert.is(p.row_id, 'lead-0003');
  const { provenance: _p, ...row } = hit.records[0]!;
  assert.is(p.row_hash, stableHash(row));
  assert.not.ok('raw_row' in p, 'a global permission alone never copies rows');
  const raw = await f.run('lead-0004', { includeRawRows: true });
  const { provenance: _raw, ...rawRow } = raw.records[0]!;
  assert.equal(raw.records[0]!.provenance!.raw_row, rawRow, 'the request flag copies the row');
  const forbidden = await (await fixture({ includeRawRows: false }))!.run('lead-0005', { includeRawRows: true });
  assert.not.ok('raw_row' in forbidden.records[0]!.provenance!, 'includeRawRows: false in options forbids it');
  const none = await f.run('from: nobody@nowhere.example', { filters: { email: 'nobody@nowhere.example' } });
  assert.is(none.status, 'NO_RESULTS');
  assert.is(none.metadata.status, 'NO_RESULTS');
});

s('reformulation: drop email, strip the company suffix, then drop the company', async () => {
  const f = await fixture({ maxFallbacksPerMin: 0 });
  if (!f) return;
  const r = await f.run('', { filters: { email: 'cy.home@elsewhere.example', company: 'Wrongco Inc.', client_id: 'client-307' } });
  assert.equal(
    (r.metadata.attempts as { step: string }[]).map((a) => a.step),
    ['original', 'drop-email', 'shorten-company', 'drop-company'],
  );
  assert.is(r.records[0]!.id, 'lead-0307');
  assert.equal(r.metadata.query_filters, { client_id: 'client-307' });
  const bounded = await (await fixture({ maxFallbacksPerMin: 0, ...ragOptionsFromEnv({ RAG_REFORMULATION_MAX_ATTEMPTS: '2' }) }))!.run('', {
    filters: { email: 'cy.home@elsewhere.example', company: 'Wrongco Inc.', client_id: 'client-307' },
  });
  assert.equal(
    (bounded.metadata.attempts as { step: string }[]).map((a) => a.step),
    ['original', 'drop-email', 'shorten-company'],
  );
  assert.is(bounded.status, 'NO_RESULTS');
});

s.run();

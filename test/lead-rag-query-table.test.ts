/**
 * The RAG agent's query_table tool: `rag.query` over any allowlisted table -> `rag.result`, read
 * through the read-only facade, with the lead lookup's rules (limit clamp and truthful pagination,
 * SUCCESS / NO_RESULTS, summary above the threshold, row_id + row_hash, raw_row only on request).
 * A refused table or column is an error in the result, not a dead letter. Real Redis, real PostgreSQL.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ragAgentActor } from '../src/actors/lead/rag-agent.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { RagTableResult } from '../src/actors/lead/types.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { PostgresAdapter } from '../src/persistence/adapters/postgres.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import { startLead } from './lead-harness.js';
import { postgresSkipReason, testPostgres } from './support/postgres.js';
import { deletePrefix, redisBackend, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { leadPersistenceService } from '../src/persistence/lead/persistence.js';
import { seedLeads } from '../src/persistence/lead/database.js';

const s = gated(suite('[redis][postgres] rag-agent: the query_table tool'), (await redisSkipReason()) ?? (await postgresSkipReason()));

s('any allowlisted table, read-only, same limits, metadata, status and provenance as the lead lookup', async () => {
  const backend = await redisBackend();
  const pg = await testPostgres('query_table');
  if (!backend || !pg) throw new Error('the gated suite has Redis and PostgreSQL');
  const adapter = new PostgresAdapter({ pool: pg.pool, schema: pg.schema });
  await seedLeads(adapter, generateMockLeads(40));
  const service = leadPersistenceService(adapter);
  const h = await startLead(() => [ragAgentActor({ maxLimit: 4, summaryThreshold: 3 })], { backend, service, logLevel: 'error' });
  try {
    const queries = {
      big: { table: 'leads', where: { client_id: 'client-1' }, limit: 999_999 },
      raw: { table: 'leads', where: { id: 'lead-0001' }, includeRawRows: true },
      plain: { table: 'leads', contains: { company: 'a' }, where: { id: 'lead-0002' } },
      empty: { table: 'drafts' },
      refused: { table: 'pg_user' },
      column: { table: 'leads', where: { passwd: 'x' } },
    };
    const sent = Object.entries(queries).map(([k, payload]) => [k, createEnvelope({ type: TOPICS.ragQuery, payload, idempotencyKey: `q-${k}` })] as const);
    await h.send(sent.map(([, e]) => e));
    await h.drain();
    const results = await h.envelopes(TOPICS.ragResult);
    const of = (k: keyof typeof queries): Envelope => results.find((r) => r.causationId === sent.find(([n]) => n === k)![1].id)!;
    const clientOne = (await service.query('leads', { filters: [{ column: 'client_id', op: 'eq', value: 'client-1' }], limit: 1 })).total;
    assert.ok(clientOne > 4, 'the seed has more client-1 leads than the limit');

    const big = of('big');
    assert.equal(big.payload, { table: 'leads', status: 'SUCCESS', matched: 4 } satisfies RagTableResult);
    assert.equal(big.metadata.pagination, { offset: 0, limit: 4, returned: 4, has_more: true }, 'the limit RAG_MAX_LIMIT applied is the one reported');
    assert.is(big.metadata.total_count, clientOne);
    assert.is(big.records.length, 0, 'above the summary threshold: a summary, no rows');
    assert.is((big.metadata.summary as { rows: number }).rows, 4);

    const raw = of('raw');
    assert.is(raw.records.length, 1);
    const p = raw.records[0]!.provenance!;
    assert.equal([p.row_id, p.source, /^[0-9a-f]{64}$/.test(String(p.row_hash))], ['lead-0001', 'persistence:leads', true]);
    assert.is((p.raw_row as { id: string }).id, 'lead-0001', 'raw_row because the request asked for it');
    const plain = of('plain');
    assert.ok(plain.records.length <= 1 && plain.records.every((r) => r.provenance?.raw_row === undefined), 'no raw_row unless asked');

    assert.equal([(of('empty').payload as RagTableResult).status, of('empty').metadata.total_count], ['NO_RESULTS', 0]);
    const refused = of('refused').payload as RagTableResult;
    assert.equal([refused.status, refused.matched], ['NO_RESULTS', 0]);
    assert.match(refused.error!, /table "pg_user" is not in the allowlist/);
    assert.match((of('column').payload as RagTableResult).error!, /column "passwd" of table "leads" is not in the allowlist/);
    assert.is((await h.dlq(TOPICS.ragQuery)).length, 0, 'a refused query is an answer, not a dead letter');
  } finally {
    await h.stop();
    await deletePrefix(backend, h.keys.prefix);
    await backend.close();
    await pg.close();
  }
});

s.run();

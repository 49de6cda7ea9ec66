/**
 * The whole lead topology in one process on a real Redis, writing to a real PostgreSQL (an
 * isolated, migrated schema), fed the bundled mock mail: the same outcome as on the memory shim.
 */
import { entityReport } from '../src/actors/lead/pipeline/entity-report.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLeadTopology } from '../src/actors/lead/topology.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import { waitUntilDrained } from '../src/actors/runtime/drain.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { PostgresAdapter } from '../src/persistence/adapters/postgres.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import { defaultMockEmailFile } from '../src/actors/lead/pipeline/demo.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { generateMockEmails } from '../src/actors/lead/pipeline/mock-emails.js';
import { pipelineReport } from '../src/actors/lead/pipeline/report.js';
import { createKeys } from '../src/streams/keys.js';
import { FAST_RUNTIME } from './lead-harness.js';
import { postgresSkipReason, testPostgres } from './support/postgres.js';
import { capturingLogger } from './support/quiet-logger.js';
import { deletePrefix, redisBackend, redisSkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { leadPersistenceService } from '../src/persistence/lead/persistence.js';
import { seedLeads } from '../src/persistence/lead/database.js';

const s = gated(suite('[redis + postgres] lead topology in one process'), (await redisSkipReason()) ?? (await postgresSkipReason()));

s('bundled mock mail -> drafts and audit rows in PostgreSQL, dead letters in Redis', async () => {
  const backend = await redisBackend();
  assert.ok(backend, 'Redis');
  const pg = await testPostgres('lead pipeline tests');
  assert.ok(pg, 'PostgreSQL');
  const prefix = uniquePrefix('leadpg');
  const keys = createKeys(prefix);
  const adapter = new PostgresAdapter({ pool: pg.pool, schema: pg.schema });
  const service = leadPersistenceService(adapter);
  const actors = buildLeadTopology({ service });
  const runtime = new ActorRuntime(actors, {
    backend,
    keys,
    consumer: 'pg-0',
    logger: capturingLogger('warn').logger,
    persistence: service,
    options: FAST_RUNTIME,
  });
  try {
    await seedLeads(adapter, generateMockLeads(200));
    await runtime.start();
    const lines = createInterface({ input: createReadStream(defaultMockEmailFile(), 'utf8'), crlfDelay: Infinity });
    const ingest = await ingestEmails(backend, keys, lines, { source: 'mock-emails.jsonl' });
    await waitUntilDrained(backend, keys, actors, { timeoutMs: 90_000, pollMs: 50 });

    const { stats } = generateMockEmails();
    assert.is(ingest.ingested, stats.lines - stats.notJson);
    const q = async (sql: string) => (await pg.pool.query(sql)).rows as Record<string, unknown>[];
    const q0 = async (sql: string) => Number((await q(sql))[0]!.n);
    const report = await pipelineReport(backend, keys, service.readOnly());
    assert.is(report.matched, stats.expectedMatched);
    assert.is(report.unmatched, 0);
    assert.is(report.leadsCreated, stats.expectedNewLeads, 'each unknown sender became a lead through the write agent');
    const created = await q0(`SELECT count(*)::int AS n FROM "${pg.schema}".leads WHERE id LIKE 'lead-%' AND first_name IS NULL AND status = 'new'`);
    assert.is(created, stats.expectedNewLeads, 'the new leads are rows in PostgreSQL');
    assert.equal(report.deadLettered, { 'handler-error (campaign-manager)': stats.invalid, 'not-json (ingest)': stats.notJson });

    const [drafts] = await q(`SELECT count(*)::int AS n FROM "${pg.schema}".drafts`);
    // The lead entity writes one draft per matched lead or blocks it (an opted-out lead).
    const entities = await entityReport(backend, keys);
    assert.is(Number(drafts!.n) + entities.draftsBlocked, stats.expectedMatched + stats.expectedNewLeads);
    assert.is(entities.rebuilt.same, entities.rebuilt.total, 'every lead rebuilt from its log equals its snapshot');
    // Every new-lead draft is the template over the lead row it was written for.
    const spring = await q(
      `SELECT d.subject, l.first_name, l.company FROM "${pg.schema}".drafts d JOIN "${pg.schema}".leads l ON l.id = d.lead_id WHERE d.campaign_id = 'spring-launch'`,
    );
    assert.is(spring.length + (entities.campaigns['spring-launch']?.blocked ?? 0), stats.newLead + stats.alias + stats.expectedNewLeads);
    assert.is(entities.campaigns['spring-launch']?.drafted, spring.length, 'the campaign entity counted its drafts');
    // A created lead has only its address: the template greets it without a name.
    for (const r of spring)
      assert.is(r.subject, r.first_name === null ? 'Hello, an idea for your team' : `${String(r.first_name)}, an idea for ${String(r.company)}`);
    const jobs = stats.expectedMatched + stats.expectedNewLeads;
    const audit = await q(`SELECT type, count(*)::int AS n FROM "${pg.schema}".audit GROUP BY type ORDER BY type`);
    assert.equal(Object.fromEntries(audit.map((r) => [r.type, r.n])), {
      [TOPICS.deliverySkipped]: drafts!.n,
      [TOPICS.draftPersisted]: drafts!.n,
      [TOPICS.leadEnriched]: jobs + stats.expectedNewLeads,
      [TOPICS.persistenceWritten]: stats.expectedNewLeads,
    });
    const [prov] = await q(`SELECT provenance FROM "${pg.schema}".audit WHERE type = 'draft.persisted' LIMIT 1`);
    const records = (prov!.provenance as { records: { row_id: string; source: string }[] }).records;
    assert.equal(
      records.map((r) => r.source),
      ['postgres:drafts', 'persistence:leads'],
    );
  } finally {
    await runtime.stop();
    await deletePrefix(backend, prefix);
    await backend.close();
    await pg.close();
  }
});

s.run();

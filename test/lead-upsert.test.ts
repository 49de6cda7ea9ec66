/**
 * The lead-upsert workflow: new-lead mail from an unknown sender no longer ends at lead.unmatched.
 * The copywriter asks the write agent for the lead, the RAG agent looks the written row up, and
 * the new lead goes down the flow (copywriter -> lead entity -> db-writer) like any other.
 * Real Redis, real PostgreSQL, the whole topology.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TOPICS } from '../src/actors/lead/topics.js';
import { buildLeadTopology } from '../src/actors/lead/topology.js';
import type { LeadEnriched } from '../src/actors/lead/types.js';
import { PostgresAdapter } from '../src/persistence/adapters/postgres.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import { draftId, leadIdOfEmail } from '../src/persistence/lead/tables.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { startLead } from './lead-harness.js';
import { postgresSkipReason, testPostgres } from './support/postgres.js';
import { deletePrefix, redisBackend, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { leadPersistenceService } from '../src/persistence/lead/persistence.js';
import { seedLeads } from '../src/persistence/lead/database.js';

const s = gated(suite('[redis][postgres] lead-upsert: an unknown sender becomes a lead'), (await redisSkipReason()) ?? (await postgresSkipReason()));

const mail = (messageId: string, from: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ messageId, from, to: 'spring-launch@campaigns.example', subject: 'Inquiry', body: 'Hi, I saw your ad.', ...extra });

s('new-lead mail from an unknown sender: one lead row (written once), looked up, drafted and persisted; an unknown reply stays unmatched', async () => {
  const backend = await redisBackend();
  const pg = await testPostgres('lead-upsert');
  if (!backend || !pg) throw new Error('the gated suite has Redis and PostgreSQL');
  const adapter = new PostgresAdapter({ pool: pg.pool, schema: pg.schema });
  await seedLeads(adapter, generateMockLeads(20));
  const service = leadPersistenceService(adapter);
  const h = await startLead(() => buildLeadTopology({}), { backend, service, logLevel: 'error' });
  try {
    const sender = 'Newcomer@Unknown-Corp.example';
    const id = leadIdOfEmail(sender);
    // Two mails from the same unknown sender, and a reply from another unknown address.
    await ingestEmails(
      backend,
      h.keys,
      [
        mail('m-1@x.example', sender),
        mail('m-2@x.example', sender, { subject: 'Inquiry again' }),
        mail('m-3@x.example', 'stranger@nowhere.example', { subject: 'Re: hello', inReplyTo: 'out-1@campaigns.example' }),
      ],
      { source: 'test' },
    );
    await h.drain(30_000);
    const lead = await service.getById('leads', id);
    assert.equal([lead?.email, lead?.status], ['newcomer@unknown-corp.example', 'new'], 'the sender is a lead in PostgreSQL');
    assert.is(
      (await service.query('leads', { filters: [{ column: 'email', op: 'eq', value: 'newcomer@unknown-corp.example' }] })).total,
      1,
      'one row for two mails',
    );
    const written = await h.envelopes(TOPICS.persistenceWritten);
    // The second mail may find the lead by address, or (its lookup cached empty) ask again: that write changes nothing.
    assert.is(written.filter((e) => (e.payload as { changed: boolean }).changed).length, 1, 'written once');
    assert.ok(written.every((e) => (e.payload as { id: string }).id === id));
    const followUps = (await h.envelopes(TOPICS.leadEnriched)).filter((e) => (e.payload as LeadEnriched).createdLead === id);
    assert.is(followUps.length, written.length, 'the RAG agent looked the new lead up after each write');
    assert.ok(
      followUps.every((e) => e.records.length === 1 && e.records[0]!.id === id && e.records[0]!.provenance?.row_id === id),
      'found, with provenance',
    );
    const draft = await service.getById('drafts', draftId(id, 'spring-launch'));
    assert.ok(draft, "db-writer persisted the new lead's draft");
    assert.is((await service.query('drafts', {})).total, 1, 'the lead entity let one draft through for the campaign');
    const unmatched = await h.envelopes(TOPICS.leadUnmatched);
    assert.equal(
      unmatched.map((e) => (e.payload as { job: { jobType: string; from?: string } }).job.from),
      ['stranger@nowhere.example'],
      'only the unknown reply ends unmatched',
    );
    assert.is(await service.getById('leads', leadIdOfEmail('stranger@nowhere.example')), null, 'a reply does not create a lead');
    assert.is((await h.dlq(TOPICS.persistenceWriteRequested)).length, 0);
  } finally {
    await h.stop();
    await deletePrefix(backend, h.keys.prefix);
    await backend.close();
    await pg.close();
  }
});

s.run();

/**
 * The persistence write agent (persistence-writer): allowlisted writes requested by envelope,
 * idempotent by primary key, refusals dead-lettered with their reason. It is the only actor of
 * the lead topology that writes `leads`. Real Redis, real PostgreSQL.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { persistenceWriterActor, type PersistenceWriteRequest, type PersistenceWritten } from '../src/actors/lead/persistence-writer.js';
import { LEAD_ACTOR_NAMES, TOPICS } from '../src/actors/lead/topics.js';
import { buildLeadTopology } from '../src/actors/lead/topology.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { PostgresAdapter } from '../src/persistence/adapters/postgres.js';
import { startLead } from './lead-harness.js';
import { postgresSkipReason, testPostgres } from './support/postgres.js';
import { deletePrefix, redisBackend, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { leadPersistenceService } from '../src/persistence/lead/persistence.js';

const s = gated(suite('[redis][postgres] persistence-writer: the write agent'), (await redisSkipReason()) ?? (await postgresSkipReason()));

const request = (payload: unknown, key: string) => createEnvelope({ type: TOPICS.persistenceWriteRequested, payload, idempotencyKey: key });

s('writes an allowlisted row once (redelivery and a repeated request change nothing), dead-letters refused tables and invalid rows', async () => {
  const backend = await redisBackend();
  const pg = await testPostgres('persistence-writer');
  if (!backend || !pg) throw new Error('the gated suite has Redis and PostgreSQL');
  const service = leadPersistenceService(new PostgresAdapter({ pool: pg.pool, schema: pg.schema }));
  const h = await startLead(() => [persistenceWriterActor()], { backend, service });
  try {
    const row = { id: 'lead-new-1', email: 'new1@contoso.example', status: 'new' };
    const first = request({ table: 'leads', row, context: { job: { campaignId: 'spring' } } } satisfies PersistenceWriteRequest, 'w-1');
    // The same envelope twice (a redelivery), then a fresh request for the same row.
    await h.send([first, first, request({ table: 'leads', row }, 'w-2')]);
    await h.send([
      request({ table: 'drafts', row: { id: 'd-1', lead_id: 'lead-new-1', campaign_id: 'spring' } }, 'w-3'),
      request({ table: 'leads', row: { id: 'lead-new-2' } }, 'w-4'),
      request({ table: 'leads', row: { id: 'lead-new-3', email: 'x@contoso.example', shoe_size: 44 } }, 'w-5'),
    ]);
    await h.drain();
    const leads = await service.query('leads', { filters: [{ column: 'email', op: 'eq', value: 'new1@contoso.example' }] });
    assert.is(leads.total, 1, 'one row in PostgreSQL');
    assert.is(leads.rows[0]!.id, 'lead-new-1');
    const written = (await h.envelopes(TOPICS.persistenceWritten)).map((e) => e.payload as PersistenceWritten);
    assert.equal(
      written.map((w) => [w.table, w.id, w.changed]),
      [
        ['leads', 'lead-new-1', true],
        ['leads', 'lead-new-1', false],
      ],
      'the redelivered envelope was skipped; the repeated request wrote nothing',
    );
    assert.equal(written[0]!.context, { job: { campaignId: 'spring' } }, 'the requester context is echoed');
    const reasons = (await h.dlq(TOPICS.persistenceWriteRequested)).map((d) => d.error ?? '');
    assert.is(reasons.length, 3);
    assert.match(reasons.join('\n'), /table "drafts" is not writable by persistence-writer \(allowed: leads\)/);
    assert.match(reasons.join('\n'), /\$\.row\.email: required/);
    assert.match(reasons.join('\n'), /\$\.row\.shoe_size: not a column of leads/);
    assert.is((await service.query('drafts', {})).total, 0, 'the refused write reached nothing');
    assert.is((await service.query('leads', {})).total, 1, 'invalid rows were not written');
  } finally {
    await h.stop();
    await deletePrefix(backend, h.keys.prefix);
    await backend.close();
    await pg.close();
  }
});

s('in the lead topology only persistence-writer writes leads; no actor needs the service by closure', () => {
  const writes = Object.fromEntries(
    buildLeadTopology({})
      .filter((a) => a.writes.length > 0)
      .map((a) => [a.name, a.writes]),
  );
  assert.equal(writes, { [LEAD_ACTOR_NAMES.persistenceWriter]: ['leads'], [LEAD_ACTOR_NAMES.dbWriter]: ['drafts'], [LEAD_ACTOR_NAMES.audit]: ['audit'] });
});

s.run();

/**
 * The campaign manager reads campaigns from the `campaigns` table: a known campaign's name and
 * client travel with its jobs; mail to an unknown campaign inbox falls back to the default
 * campaign (the requested id kept); a schedule for an unknown campaign is dead-lettered; with no
 * catalogue (an empty table) ids pass as given. Real Redis, real PostgreSQL.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { campaignManagerActor } from '../src/actors/lead/campaign-manager.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import type { Job } from '../src/actors/lead/types.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { PostgresAdapter } from '../src/persistence/adapters/postgres.js';
import { seedRows } from '../src/persistence/migrate.js';
import { mockCampaigns } from '../src/persistence/lead/mock-campaigns.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { startLead } from './lead-harness.js';
import { postgresSkipReason, testPostgres } from './support/postgres.js';
import { deletePrefix, redisBackend, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { leadPersistenceService } from '../src/persistence/lead/persistence.js';

const s = gated(suite('[redis][postgres] campaign-manager: campaigns from the campaigns table'), (await redisSkipReason()) ?? (await postgresSkipReason()));

const mail = (messageId: string, to: string) => JSON.stringify({ messageId, from: 'ada@acme.example', to, subject: 'Hello', body: 'Tell me more' });

s('known campaigns carry their row; unknown mail falls back to inbound; an unknown schedule is dead-lettered; no catalogue, no check', async () => {
  const backend = await redisBackend();
  const pg = await testPostgres('campaigns table');
  if (!backend || !pg) throw new Error('the gated suite has Redis and PostgreSQL');
  const adapter = new PostgresAdapter({ pool: pg.pool, schema: pg.schema });
  const service = leadPersistenceService(adapter);
  // First without a catalogue: the table is empty, so every id is taken as given.
  const bare = await startLead(() => [campaignManagerActor()], { backend, service, logLevel: 'error' });
  try {
    await ingestEmails(backend, bare.keys, [mail('m-0@x.example', 'black-friday@campaigns.example')], { source: 'test' });
    await bare.drain();
    assert.equal(
      (await bare.envelopes(TOPICS.leadJob)).map((e) => (e.payload as Job).campaignId),
      ['black-friday'],
    );
  } finally {
    await bare.stop();
    await deletePrefix(backend, bare.keys.prefix);
  }
  assert.equal(await seedRows(adapter, 'campaigns', mockCampaigns()), { written: 4, unchanged: 0 });
  const h = await startLead(() => [campaignManagerActor()], { backend, service, logLevel: 'error' });
  try {
    await ingestEmails(backend, h.keys, [mail('m-1@x.example', 'spring-launch@campaigns.example'), mail('m-2@x.example', 'black-friday@campaigns.example')], {
      source: 'test',
    });
    await h.send([
      createEnvelope({ type: TOPICS.campaignScheduled, payload: { campaignId: 'no-such-campaign', query: 'client_id: client-1' }, idempotencyKey: 'sched-1' }),
      createEnvelope({
        type: TOPICS.campaignScheduled,
        payload: { campaignId: 'partner-program', query: 'client_id: client-3', startAt: 0 },
        idempotencyKey: 'sched-2',
      }),
    ]);
    await h.drain();
    const jobs = (await h.envelopes(TOPICS.leadJob)).map((e) => e.payload as Job);
    const byMessage = (id: string) => jobs.find((j) => j.email?.messageId === id)!;
    assert.equal(
      [byMessage('m-1@x.example').campaignId, byMessage('m-1@x.example').context.campaign],
      ['spring-launch', { name: 'Spring launch', client_id: 'client-1', status: 'active' }],
    );
    assert.equal(
      [byMessage('m-2@x.example').campaignId, byMessage('m-2@x.example').context.requestedCampaignId],
      ['inbound', 'black-friday'],
      'unknown inbox: the default campaign, the requested id kept',
    );
    assert.equal(
      jobs.filter((j) => j.jobType === 'campaign').map((j) => j.campaignId),
      ['partner-program'],
      'a known campaign is scheduled',
    );
    const dead = await h.dlq(TOPICS.campaignScheduled);
    assert.is(dead.length, 1);
    assert.match(dead[0]!.error, /unknown campaign "no-such-campaign": not in the campaigns table/);
  } finally {
    await h.stop();
    await deletePrefix(backend, h.keys.prefix);
    await backend.close();
    await pg.close();
  }
});

s.run();

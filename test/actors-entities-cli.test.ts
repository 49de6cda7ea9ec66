/**
 * `actors state` and `actors rebuild` on real Redis, against the lead entity as the pipeline runs
 * it: a draft approved, an unsubscribe reply, the state read back, the snapshot deleted and
 * rebuilt from the log, and the bad inputs (unknown entity: exit 2; unknown id: exit 1).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { leadEntity, type LeadState } from '../src/actors/lead/entities.js';
import { TOPICS } from '../src/actors/lead/topics.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { createKeys } from '../src/streams/keys.js';
import { jsonOf, runCli } from './support/cli.js';
import { capturingLogger } from './support/quiet-logger.js';
import { prefixedRedis, testRedis, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

const s = gated(suite('actors state / rebuild'), await redisSkipReason());

s('state shows the lead; a deleted snapshot is rebuilt from the log to the same state; bad names are usage errors', async () => {
  const h = await prefixedRedis('ecli');
  if (!h) throw new Error('the gated suite has a Redis');
  const url = (await testRedis())!.url;
  const keys = createKeys(h.prefix);
  const cli = (...args: string[]) => runCli('actors', [...args, '--redis-url', url, '--prefix', h.prefix]);
  try {
    const draft = {
      draftId: 'd1',
      leadId: 'lead-1',
      campaignId: 'spring',
      to: 'Ada@Initech.example',
      subject: 'Hi',
      body: 'Hello',
      job: { jobType: 'campaign', campaignId: 'spring' },
    };
    const reply = {
      jobType: 'reply',
      campaignId: 'spring',
      query: 'q',
      email: { messageId: 'm1', from: 'ada@initech.example', subject: 'Re: Hi', body: 'please unsubscribe me' },
      context: {},
    };
    await h.backend.appendMany([
      {
        stream: keys.topic(TOPICS.draftCreated),
        fields: encodeEnvelope(createEnvelope({ type: TOPICS.draftCreated, payload: draft, partitionKey: 'ada@initech.example', idempotencyKey: 'd1' })),
      },
      {
        stream: keys.topic(TOPICS.draftCreated),
        fields: encodeEnvelope(
          createEnvelope({ type: TOPICS.draftCreated, payload: { ...draft, draftId: 'd2' }, partitionKey: 'ada@initech.example', idempotencyKey: 'd2' }),
        ),
      },
      {
        stream: keys.topic(TOPICS.replyJob),
        fields: encodeEnvelope(createEnvelope({ type: TOPICS.replyJob, payload: reply, partitionKey: 'ada@initech.example', idempotencyKey: 'r1' })),
      },
    ]);
    const rt = new ActorRuntime([leadEntity({ startId: '0' })], {
      backend: h.backend,
      keys,
      consumer: 'c-0',
      logger: capturingLogger().logger,
      options: { blockMs: 100, trimIntervalMs: 0 },
    });
    await rt.start();
    try {
      await waitFor('three lead events', async () => ((await h.backend.streamInfo(keys.entityLog('lead')))?.length ?? 0) >= 3 || null, 15_000);
    } finally {
      await rt.stop();
    }
    const shown = await cli('state', 'lead', 'ada@initech.example', '--json');
    assert.is(shown.code, 0, shown.stderr);
    const [st] = jsonOf<{ source: string; version: number; lastEventId: string; state: LeadState }[]>(shown);
    assert.is(st!.source, 'snapshot');
    assert.is(st!.version, 3);
    assert.equal(
      [st!.state.status, st!.state.drafts, st!.state.blocked, st!.state.campaigns],
      ['opted-out', 1, 1, ['spring']],
      'second draft in the campaign blocked, then opted out',
    );
    assert.is((await h.backend.range(keys.topic(TOPICS.draftApproved), '-', '+')).length, 1, 'only the approved draft went downstream');

    const human = await cli('state', 'lead', 'ada@initech.example');
    assert.match(human.stdout, /from snapshot\): version 3, last event \d+-\d+/);

    await h.backend.deleteKeys([keys.snapshot('lead', 'ada@initech.example')]);
    const dry = jsonOf<{ changed: number }>(await cli('rebuild', 'lead', '--dry-run', '--json'));
    assert.is(dry.changed, 1);
    assert.is((await h.backend.getMany([keys.snapshot('lead', 'ada@initech.example')]))[0], null, 'a dry run writes nothing');
    const rebuilt = await cli('rebuild', 'lead', '--id', 'ada@initech.example');
    assert.is(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /folded 1 entity from the log; rewrote 1, 0 unchanged/);
    const again = jsonOf<{ source: string; version: number; lastEventId: string; state: LeadState }[]>(
      await cli('state', 'lead', 'ada@initech.example', '--json'),
    );
    assert.equal(again, [st], 'same state, version, last event and source after the rebuild');

    const unknown = await cli('state', 'ledger', 'x');
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, /unknown entity ledger \(known: lead, campaign\)/);
    const missing = await cli('rebuild', 'lead', '--id', 'nobody@example.com');
    assert.is(missing.code, 1);
  } finally {
    await h.cleanup();
  }
});

s.run();

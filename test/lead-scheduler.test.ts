import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { campaignManagerActor } from '../src/actors/lead/campaign-manager.js';
import { orchestratorActor } from '../src/actors/lead/orchestrator-actor.js';
import { defaultRegistry } from '../src/actors/lead/orchestrators.js';
import { dueAtMs, occurrenceExists, resolveSchedule } from '../src/actors/lead/scheduler.js';
import { LEAD_ACTOR_NAMES, TOPICS } from '../src/actors/lead/topics.js';
import type { CampaignSchedule, Job } from '../src/actors/lead/types.js';
import { isPermanentError } from '../src/actors/errors.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { scheduleCampaign } from '../src/actors/lead/pipeline/schedule.js';
import { ManualClock } from '../src/clock.js';
import { startLead, type LeadHarness } from './lead-harness.js';
import { waitFor } from './support/wait.js';

const rules = suite('scheduler rules');

rules('a one-shot schedule has exactly one occurrence, at startAt (default: now)', () => {
  const s = resolveSchedule({ campaignId: 'c1', query: 'client-3' }, 5_000);
  assert.is(dueAtMs(s, 0), 5_000);
  assert.ok(occurrenceExists(s, 0));
  assert.not.ok(occurrenceExists(s, 1));
  assert.is(resolveSchedule({ campaignId: 'c1', query: 'q', startAt: '2026-03-01T10:00:00Z' }, 0).startAtMs, Date.UTC(2026, 2, 1, 10));
});

rules('a repeating schedule stops after count or until', () => {
  const byCount = resolveSchedule({ campaignId: 'c', query: 'q', startAt: 0, everyMs: 100, count: 3 }, 0);
  assert.equal(
    [0, 1, 2, 3].map((n) => occurrenceExists(byCount, n)),
    [true, true, true, false],
  );
  assert.is(dueAtMs(byCount, 2), 200);
  const byUntil = resolveSchedule({ campaignId: 'c', query: 'q', startAt: 0, everyMs: 100, until: 250 }, 0);
  assert.equal(
    [0, 1, 2, 3].map((n) => occurrenceExists(byUntil, n)),
    [true, true, true, false],
  );
});

rules('bad schedules are permanent errors naming the field', () => {
  const bad: unknown[] = [
    null,
    { query: 'q' },
    { campaignId: 'c' },
    { campaignId: 'c', query: 'q', everyMs: 0 },
    { campaignId: 'c', query: 'q', startAt: 'yesterday' },
    { campaignId: 'c', query: 'q', count: 3 },
  ];
  for (const payload of bad) {
    try {
      resolveSchedule(payload, 0);
      assert.unreachable(`accepted ${JSON.stringify(payload)}`);
    } catch (err) {
      assert.ok(isPermanentError(err), String(err));
      assert.match((err as Error).message, /invalid campaign schedule: \$/);
    }
  }
});

const actor = suite('scheduler on the runtime (delayed delivery, manual clock)');

/** campaign-manager plus the lead orchestrator: the runtime promotes a topic's delayed entries only where someone consumes it. */
async function start(clock: ManualClock): Promise<LeadHarness> {
  const registry = defaultRegistry();
  return startLead(() => [campaignManagerActor(), orchestratorActor({ name: LEAD_ACTOR_NAMES.leadOrchestrator, consumes: [TOPICS.leadJob], registry })], {
    clock,
  });
}

const schedule = (payload: CampaignSchedule) => createEnvelope({ type: TOPICS.campaignScheduled, payload, idempotencyKey: `sched-${payload.campaignId}` });
const jobs = async (h: LeadHarness) => (await h.envelopes(TOPICS.leadJob)).map((e) => e.payload as Job);

actor('one-shot at a later time: parked until due, then emitted once', async () => {
  const clock = new ManualClock();
  const h = await start(clock);
  try {
    const at = clock.now() + 60_000;
    const env = await scheduleCampaign(h.backend, h.keys, { campaignId: 'spring', query: 'client_id: client-3', startAt: at, limit: 5 }, { clock });
    assert.is(env.idempotencyKey, `schedule:spring:${at}`);
    await waitFor('job parked', async () => (await h.backend.delayedCount(h.keys.delayed(TOPICS.leadJob))) === 1);
    assert.equal(await jobs(h), []);
    clock.advance(59_999);
    // The runtime promotes on this same clock: what the backend will not promote now, no tick can.
    assert.is(await h.backend.promoteDue(h.keys.delayed(TOPICS.leadJob), h.keys.topic(TOPICS.leadJob), clock.now(), 10), 0, 'not before it is due');
    assert.equal(await jobs(h), []);
    clock.advance(1);
    await waitFor('job emitted', async () => (await jobs(h)).length === 1);
    await h.drain();
    const [job] = await jobs(h);
    assert.equal([job!.jobType, job!.campaignId, job!.occurrence, job!.limit, job!.scheduledFor], ['campaign', 'spring', 0, 5, new Date(at).toISOString()]);
    assert.is((await h.envelopes(TOPICS.ragRequest)).length, 1, 'the lead orchestrator took it up');
    assert.is(await h.backend.delayedCount(h.keys.delayed(TOPICS.campaignScheduled)), 0, 'nothing else scheduled');
  } finally {
    await h.stop();
  }
});

actor('repeating every interval: one job per occurrence, then it stops after count', async () => {
  const clock = new ManualClock();
  const h = await start(clock);
  try {
    const t0 = clock.now();
    await h.send([schedule({ campaignId: 'weekly', query: 'client-1', everyMs: 1_000, count: 3 })]);
    await waitFor('first job (due at once)', async () => (await jobs(h)).length === 1);
    await waitFor('next tick parked', async () => (await h.backend.delayedCount(h.keys.delayed(TOPICS.campaignScheduled))) === 1);
    clock.advance(1_000);
    await waitFor('second job', async () => (await jobs(h)).length === 2);
    clock.advance(1_000);
    await waitFor('third job', async () => (await jobs(h)).length === 3);
    await h.drain();
    clock.advance(10_000);
    await h.drain();
    const all = await jobs(h);
    assert.equal(
      all.map((j) => j.occurrence),
      [0, 1, 2],
    );
    assert.equal(
      all.map((j) => Date.parse(j.scheduledFor!) - t0),
      [0, 1_000, 2_000],
    );
    const keys = (await h.envelopes(TOPICS.leadJob)).map((e) => e.idempotencyKey);
    assert.is(new Set(keys).size, 3);
    assert.ok(keys[2]!.includes('#tick-2>lead.job#occ-2'), keys[2]);
  } finally {
    await h.stop();
  }
});

actor('scheduleCampaign refuses a bad schedule before writing anything', async () => {
  const h = await start(new ManualClock());
  try {
    const err = await scheduleCampaign(h.backend, h.keys, { campaignId: 'x', query: 'q', everyMs: 1.5 }).catch((e: unknown) => e);
    assert.ok(isPermanentError(err));
    assert.is(await h.backend.streamInfo(h.keys.topic(TOPICS.campaignScheduled)).then((i) => i?.length ?? 0), 0);
  } finally {
    await h.stop();
  }
});

actor('a bad schedule is dead-lettered, not retried', async () => {
  const h = await start(new ManualClock());
  try {
    await h.send([createEnvelope({ type: TOPICS.campaignScheduled, payload: { campaignId: 'x', query: 'q', everyMs: -5 } })]);
    await h.drain();
    const [dead] = await h.dlq(TOPICS.campaignScheduled);
    assert.match(dead!.error, /everyMs: must be a positive integer/);
    assert.is(dead!.attempts, 1);
  } finally {
    await h.stop();
  }
});

rules.run();
actor.run();

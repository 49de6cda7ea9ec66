import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { publishedTypes } from '../src/actors/entity/types.js';
import { entityReport } from '../src/actors/lead/pipeline/entity-report.js';
import { buildLeadTopology, isTopologyError, LEAD_ACTOR_NAMES, OUTCOME_TOPICS, selectActors, TOPICS } from '../src/actors/lead/index.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { generateMockEmails } from '../src/actors/lead/pipeline/mock-emails.js';
import { pipelineReport } from '../src/actors/lead/pipeline/report.js';
import { partitionOf } from '../src/streams/keys.js';
import { memoryService, startLead } from './lead-harness.js';

const s = suite('lead topology');

s('every actor, in flow order, with its topics', () => {
  const actors = buildLeadTopology({ service: memoryService(5) });
  assert.equal(
    actors.map((a) => a.name),
    Object.values(LEAD_ACTOR_NAMES),
  );
  const by = new Map(actors.map((a) => [a.name, a]));
  assert.equal(by.get('campaign-manager')!.consumes, [TOPICS.emailReceived, TOPICS.campaignScheduled]);
  assert.equal(by.get('lead-orchestrator')!.emits, [TOPICS.ragRequest]);
  assert.equal(by.get('audit')!.consumes, [...OUTCOME_TOPICS]);
  assert.equal(by.get('audit')!.emits, []);
});

s('closed: every emitted topic has a consumer in the topology', () => {
  const actors = buildLeadTopology({ service: memoryService(5) });
  const consumed = new Set(actors.flatMap((a) => a.consumes));
  // An entity's events that stay in its log (the event store) are not emitted downstream.
  for (const a of actors) for (const t of publishedTypes(a)) assert.ok(consumed.has(t), `${a.name} emits ${t}, which nobody reads`);
});

s('per-actor settings apply; selectActors picks by name and names unknown ones', () => {
  const actors = buildLeadTopology({ service: memoryService(5), actors: { 'rag-agent': { concurrency: 3, maxAttempts: 9 } } });
  const [rag] = selectActors(actors, ['rag-agent']);
  assert.equal([rag!.concurrency, rag!.maxAttempts], [3, 9]);
  assert.equal(
    selectActors(actors, ['audit', 'db-writer']).map((a) => a.name),
    ['db-writer', 'audit'],
  );
  try {
    selectActors(actors, ['audit', 'mailer']);
    assert.unreachable();
  } catch (err) {
    assert.ok(isTopologyError(err));
    assert.match((err as Error).message, /unknown actor mailer \(known: campaign-manager, /);
  }
});

s('partitioned topics: each flow stays on its sender partition, and the outcome is the same', async () => {
  const P = 3;
  const h = await startLead((service) => buildLeadTopology({ service }), { partitions: P });
  try {
    const { lines, stats } = generateMockEmails();
    const ingest = await ingestEmails(h.backend, h.keys, lines, { source: 'mock', partitions: P });
    await h.drain(30_000);
    const report = await pipelineReport(h.backend, h.keys, h.service.readOnly(), P);
    const entities = await entityReport(h.backend, h.keys, P);
    assert.equal(
      [report.matched, report.leadsCreated, report.unmatched, report.draftRows + entities.draftsBlocked],
      [stats.expectedMatched, stats.expectedNewLeads, 0, stats.expectedMatched + stats.expectedNewLeads],
    );
    assert.is(entities.rebuilt.same, entities.rebuilt.total, 'every lead rebuilt from its log equals its snapshot');
    assert.is(report.deadLetteredTotal, stats.invalid + stats.notJson);
    assert.is(ingest.ingested, stats.lines - stats.notJson);
    for (let p = 0; p < P; p++) {
      const persisted = await h.backend.range(h.keys.topic(TOPICS.draftPersisted, p), '-', '+');
      assert.ok(persisted.length > 0, `partition ${p} has work`);
      for (const e of persisted) {
        const env = JSON.parse(e.fields[1]!) as { partitionKey: string };
        assert.is(partitionOf(env.partitionKey, P), p, 'the draft is on the partition of the mail that caused it');
      }
    }
  } finally {
    await h.stop();
  }
});

s.run();

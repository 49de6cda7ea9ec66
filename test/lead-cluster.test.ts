/**
 * The whole lead topology on a local 3-master Redis Cluster with P = 3 partitions: mail routed by
 * sender, two runtimes sharing every partition, a master killed and restarted mid-run. The outcome
 * must equal the memory shim's (the bundled data's expected figures): nothing lost, nothing doubled.
 */
import { entityReport } from '../src/actors/lead/pipeline/entity-report.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLeadTopology } from '../src/actors/lead/topology.js';
import { waitUntilDrained } from '../src/actors/runtime/drain.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import { generateMockEmails } from '../src/actors/lead/pipeline/mock-emails.js';
import { pipelineReport } from '../src/actors/lead/pipeline/report.js';
import { createKeys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { FAST_RUNTIME } from './lead-harness.js';
import { capturingLogger } from './support/quiet-logger.js';
import { RedisTestCluster } from './support/redis-cluster.js';
import { redisBinarySkipReason, uniquePrefix } from './support/redis.js';
import { gated } from './support/skip.js';
import { leadMemoryAdapter, leadPersistenceService } from '../src/persistence/lead/persistence.js';

const s = gated(suite('[cluster] lead topology, P = 3, master restart'), redisBinarySkipReason());

s('bundled mail through two runtimes on a 3-master cluster: the same outcome as in memory', async () => {
  const P = 3;
  const cluster = await RedisTestCluster.start();
  const keys = createKeys(uniquePrefix('leadcl'));
  const backends = [0, 1, 2].map(() => new RedisStreamBackend({ clusterNodes: cluster.nodes, maxRetriesPerRequest: null }));
  const service = leadPersistenceService(leadMemoryAdapter({ seed: { leads: generateMockLeads(200) } }));
  const actors = buildLeadTopology({ service });
  const runtimes = ['a', 'b'].map(
    (who, i) =>
      new ActorRuntime(actors, {
        backend: backends[i]!,
        keys,
        consumer: `cl-${who}`,
        partitions: P,
        logger: capturingLogger('error').logger,
        persistence: service,
        options: FAST_RUNTIME,
      }),
  );
  const producer = backends[2]!;
  try {
    await producer.connect();
    for (const r of runtimes) await r.start();
    const { lines, stats } = generateMockEmails();
    const half = Math.floor(lines.length / 2);
    const first = await ingestEmails(producer, keys, lines.slice(0, half), { source: 'first-half', partitions: P });
    await cluster.restartMaster(2);
    const second = await ingestEmails(producer, keys, lines.slice(half), { source: 'second-half', partitions: P });
    assert.is(first.ingested + second.ingested, stats.lines - stats.notJson);
    await waitUntilDrained(producer, keys, actors, { timeoutMs: 90_000, pollMs: 100, partitions: P });
    const report = await pipelineReport(producer, keys, service.readOnly(), P);
    assert.is(report.matched, stats.expectedMatched);
    assert.is(report.unmatched, 0);
    assert.is(report.leadsCreated, stats.expectedNewLeads);
    const entities = await entityReport(producer, keys, P);
    assert.is(
      report.draftsPersisted + entities.draftsBlocked,
      stats.expectedMatched + stats.expectedNewLeads,
      'one draft.persisted per lead, matched or created (or blocked by the lead entity), no duplicate',
    );
    assert.is(report.draftRows, report.draftsPersisted);
    assert.is(entities.rebuilt.same, entities.rebuilt.total, 'every lead rebuilt from its log equals its snapshot');
    assert.equal(report.deadLettered, { 'handler-error (campaign-manager)': stats.invalid, 'not-json (ingest)': stats.notJson });
  } finally {
    for (const r of runtimes) await r.stop();
    for (const b of backends) await b.close();
    await cluster.dispose();
  }
});

s.run();

import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TOPICS } from '../src/actors/lead/topics.js';
import { createLogger } from '../src/monitoring/logger.js';
import { formatDemoSummary, runDemo } from '../src/actors/lead/pipeline/demo.js';
import { generateMockEmails } from '../src/actors/lead/pipeline/mock-emails.js';

const s = suite('npm start demo');

s('runDemo: the numbers follow from the bundled data', async () => {
  const { stats } = generateMockEmails();
  const sum = await runDemo({ logger: createLogger({ silent: true }) });
  const jobs = stats.expectedMatched + stats.expectedNewLeads;
  assert.is(sum.ingest.ingested, stats.lines - stats.notJson, 'every JSON object line is ingested');
  assert.is(sum.ingest.rejected.length, stats.notJson);
  assert.is(sum.ingest.duplicates, stats.duplicates);
  assert.is(sum.duplicatesSkipped, stats.duplicates, 'the campaign manager skipped each duplicate');
  assert.is(sum.leadJobs + sum.replyJobs, jobs);
  assert.is(sum.replyJobs, stats.replies);
  assert.is(sum.matched, stats.expectedMatched);
  assert.is(sum.leadsCreated, stats.expectedNewLeads, 'each unknown sender became a lead through the write agent');
  assert.is(sum.unmatched, 0, 'nobody ends at lead.unmatched');
  // The lead entity lets one draft per lead (matched or created) through, or blocks it (opted out, bounced, ...).
  assert.is(sum.draftsPersisted + sum.entities.draftsBlocked, stats.expectedMatched + stats.expectedNewLeads, 'one draft per lead, written or blocked');
  assert.ok(sum.entities.draftsBlocked > 0 && (sum.entities.blockedByReason['opted-out'] ?? 0) > 0, 'leads who unsubscribed get no draft');
  assert.is(sum.draftRows, sum.draftsPersisted);
  // One audit row per outcome: lead.enriched (every job, and the lookup of each created lead), persistence.written, draft.persisted, delivery.skipped.
  assert.is(sum.auditRows, jobs + 2 * stats.expectedNewLeads + 2 * sum.draftsPersisted);
  assert.is(sum.rowsPersisted, sum.draftRows + sum.auditRows);
  assert.is(sum.topics[TOPICS.deliverySkipped], sum.draftsPersisted, 'delivery is disabled by default');
  assert.ok(
    sum.entities.rebuilt.total > 0 && sum.entities.rebuilt.same === sum.entities.rebuilt.total,
    'rebuilding every lead from the log gives its snapshot',
  );
  assert.ok(sum.entities.leadsByStatus['opted-out']! > 0 && sum.entities.leadsByStatus.drafted! > 0);
  assert.is(sum.topics[TOPICS.deliverySent], 0);
  assert.equal(sum.deadLettered, { 'handler-error (campaign-manager)': stats.invalid, 'not-json (ingest)': stats.notJson });
  assert.is(sum.sample!.type, TOPICS.draftPersisted);
  assert.ok(sum.sample!.records.length >= 2 && sum.sample!.records.every((r) => r.provenance?.row_id), 'draft row and lead row, each with provenance');
  const text = formatDemoSummary(sum);
  assert.match(text, /leads matched/);
  assert.match(text, /leads created \(unknown senders\)/);
  assert.match(text, /"provenance"/);
});

s('npm start: exits 0 and prints the summary on stdout, logs only on stderr', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/demo.ts'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /leads matched/);
  assert.match(r.stdout, /sample draft\.persisted envelope/);
  assert.match(r.stdout, /lead states \(snapshots\)/);
  assert.match(r.stdout, /rebuild from the lead log: (\d+)\/\1 lead states identical/);
  assert.not.match(r.stdout, /"level":/);
});

s.run();

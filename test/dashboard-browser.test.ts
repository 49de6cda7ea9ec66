/**
 * The dashboard in a real browser (Debian's headless chromium) over a real Redis with the lead
 * pipeline running: the numbers on the page are Redis's own (XLEN, XPENDING), a replay from the
 * page moves the entry and the page shows it, a hostile dead letter renders as text and runs
 * nothing, writes without the token are refused, and the envelope view draws a flow's causal tree.
 * Screenshots go to test-artifacts/.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLeadTopology } from '../src/actors/lead/topology.js';
import { deadLetterFields } from '../src/actors/runtime/dead-letter.js';
import { countCommands, createDashboardMetrics } from '../src/dashboard/metrics.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import type { Envelope } from '../src/envelope/types.js';
import { defaultMockEmailFile } from '../src/actors/lead/pipeline/demo.js';
import { ingestEmails } from '../src/actors/lead/pipeline/ingest.js';
import type { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { startLead, type LeadHarness } from './lead-harness.js';
import { artifact, browserTestsRun, launchBrowser } from './support/browser.js';
import { deletePrefix, redisBackend, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

const TOKEN = 'dashboard-test-token-0123456789';
const s = gated(suite('[redis + chromium] dashboard in a browser'), await redisSkipReason());
const test = browserTestsRun('dashboard browser tests') ? s : s.skip;

interface Ctx {
  backend: RedisStreamBackend;
  own: RedisStreamBackend;
  lead: LeadHarness;
  dashboard: Dashboard;
  browser: Browser;
  page: Page;
  dialogs: string[];
  prefix: string;
}
let ctx: Ctx | null = null;

const count = (text: string | null): number => Number((text ?? '').replace(/,/g, ''));

s.before(async () => {
  if (!browserTestsRun('dashboard browser tests (setup)')) return;
  const backend = await redisBackend();
  if (!backend) throw new Error('the gated suite has a Redis');
  const prefix = uniquePrefix('dash');
  const lead = await startLead((service) => buildLeadTopology({ service }), { backend, prefix, logLevel: 'error' });
  // Forty mails of the bundled file, broken lines included: drafts, audit rows and dead letters.
  const lines = readFileSync(defaultMockEmailFile(), 'utf8').split('\n').filter(Boolean).slice(0, 40);
  await ingestEmails(backend, lead.keys, lines, { source: 'dashboard-test' });
  await lead.drain(60_000);
  // The dashboard gets its own connection, as in `actors dashboard`: its /metrics count its commands only.
  const own = (await redisBackend())!;
  const metrics = createDashboardMetrics();
  countCommands(own.connection, metrics);
  const dashboard = await startDashboard(
    { backend: own, keys: lead.keys, metrics, definitions: lead.actors, source: 'Redis (test)' },
    { port: 0, allowWrites: true, token: TOKEN, pollIntervalMs: 300 },
  );
  const browser = (await launchBrowser('dashboard browser tests'))!;
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  ctx = { backend, own, lead, dashboard, browser, page, dialogs, prefix };
});

s.after(async () => {
  if (!ctx) return;
  await ctx.browser.close();
  await ctx.dashboard.close();
  await ctx.lead.stop();
  await deletePrefix(ctx.backend, ctx.prefix);
  await ctx.backend.close();
  await ctx.own.close();
});

async function open(view: string, hash = ''): Promise<Page> {
  const { page, dashboard } = ctx!;
  await page.goto('about:blank'); // a URL differing only in its #fragment would not reload the page
  await page.goto(`${dashboard.url}?view=${view}${hash}`);
  await page.waitForSelector('body[data-ready=true]');
  return page;
}

test('the Streams view shows XLEN and XPENDING of every stream and group', async () => {
  if (!ctx) return;
  const page = await open('streams');
  await page.waitForSelector('[data-testid=streams-table] tbody tr');
  const rows = await page.$$eval('[data-testid=streams-table] tbody tr', (trs) =>
    trs.map((tr) => ({
      stream: tr.getAttribute('data-stream')!,
      group: tr.getAttribute('data-group')!,
      length: tr.querySelector('[data-col=length]')!.textContent,
      pending: tr.querySelector('[data-col=pending]')!.textContent,
    })),
  );
  const redis = ctx.backend.connection;
  const streams = [...new Set(rows.map((r) => r.stream))];
  assert.ok(streams.length >= 10, `the pipeline's streams are listed (${streams.length})`);
  // Every stream of the prefix: topics, retries, DLQs and entity logs.
  const listed = await ctx.backend.scanKeys(`${ctx.prefix}:*`);
  const types = await Promise.all(listed.map((k) => redis.type(k)));
  assert.equal(streams.sort(), listed.filter((_, i) => types[i] === 'stream').sort(), 'one row per stream of the prefix');
  let checkedPending = 0;
  for (const r of rows) {
    if (r.length !== '') assert.is(count(r.length), await redis.xlen(r.stream), `length of ${r.stream}`);
    if (r.group) {
      const [n] = (await redis.xpending(r.stream, r.group)) as [number];
      assert.is(count(r.pending), n, `pending of ${r.group} on ${r.stream}`);
      checkedPending += 1;
    }
  }
  assert.ok(checkedPending >= 10);
  const dlqTotal = (await Promise.all(streams.filter((k) => ctx!.lead.keys.parse(k)?.kind === 'dlq').map((k) => redis.xlen(k)))).reduce((a, b) => a + b, 0);
  assert.ok(dlqTotal > 0, 'the broken mails were dead-lettered');
  assert.is(await page.getAttribute('[data-testid=totals]', 'data-dlq'), String(dlqTotal));
  await page.screenshot({ path: artifact('dashboard-streams.png'), fullPage: true });
  await open('topology');
  await page.waitForSelector('[data-testid=topology] g.node.actor');
  const actors = await page.$$eval('[data-testid=topology] g.node.actor', (gs) => gs.map((g) => g.getAttribute('data-node')));
  for (const a of ctx.lead.actors) assert.ok(actors.includes(`actor:${a.name}`), `actor ${a.name} drawn`);
  await page.screenshot({ path: artifact('dashboard-topology.png'), fullPage: true });
});

test('a hostile dead letter renders as text and runs nothing', async () => {
  if (!ctx) return;
  const { keys } = ctx.lead;
  const img = '<img src=x onerror="window.__xss=1;alert(1)">';
  const script = '<script>window.__xss=2;alert(2)</script>';
  const envelope: Envelope = { ...createEnvelope({ type: 'email.received', payload: { subject: img, body: script } }), attempt: 3 };
  const id = await ctx.backend.append(
    keys.dlq('email.received'),
    deadLetterFields({
      reason: 'handler-error',
      error: `boom ${script}`,
      attempts: 3,
      actor: '<b>campaign-manager</b>',
      source: keys.topic('email.received'),
      sourceId: '1-1',
      failedAtMs: Date.now(),
      envelope,
    }),
  );
  const page = await open('dlq');
  const row = page.locator(`[data-testid=dlq-table] tr[data-id="${id}"]`);
  await row.waitFor();
  await row.locator('td').nth(3).click();
  const shown = await page.textContent('[data-testid=dlq-envelope]');
  assert.ok(shown!.includes('<img src=x onerror=\\"window.__xss=1;alert(1)\\">'), 'the payload is shown as its text');
  assert.ok((await page.textContent('[data-testid=dlq-error]'))!.includes(script));
  assert.ok((await row.textContent())!.includes('<b>campaign-manager</b>'));
  assert.is(await page.evaluate('window.__xss'), undefined, 'no script ran');
  assert.is(await page.locator('img').count(), 0, 'no element was created from the payload');
  assert.is(await page.locator('#dlq script, #dlq b').count(), 0);
  assert.equal(ctx.dialogs, [], 'no alert fired');
  await page.screenshot({ path: artifact('dashboard-dlq-hostile.png'), fullPage: true });
});

test('writes without the token are refused (403) and change nothing', async () => {
  if (!ctx) return;
  const { keys } = ctx.lead;
  const id = await ctx.backend.append(
    keys.dlq('email.received'),
    deadLetterFields({
      reason: 'handler-error',
      error: 'x',
      attempts: 1,
      actor: 'campaign-manager',
      source: keys.topic('email.received'),
      sourceId: '1-2',
      failedAtMs: Date.now(),
      envelope: createEnvelope({ type: 'email.received', payload: {} }),
    }),
  );
  const stream = keys.dlq('email.received');
  const page = await open('dlq');
  // A string, not a function: the test transpiler would add helpers the page does not have.
  const body = JSON.stringify(JSON.stringify({ items: [{ stream, id }] }));
  const statuses = await page.evaluate(`(async () => {
    const post = (path, headers) => fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: ${body} }).then((r) => r.status);
    return [await post('/api/dlq/purge', {}), await post('/api/dlq/purge', { 'X-Dashboard-Token': 'wrong-token-wrong-token' }), await post('/api/dlq/replay', {})];
  })()`);
  assert.equal(statuses, [403, 403, 403]);
  assert.is((await ctx.backend.range(stream, id, id)).length, 1, 'the entry is still in the DLQ');
});

test('a replay from the page moves the entry back onto its stream, and the page shows it', async () => {
  if (!ctx) return;
  const { keys } = ctx.lead;
  const dlq = keys.dlq('email.received');
  const mail = JSON.parse(readFileSync(defaultMockEmailFile(), 'utf8').split('\n')[0]!) as Record<string, unknown>;
  const envelope = { ...createEnvelope({ type: 'email.received', payload: { ...mail, messageId: `replayed-${Date.now()}` } }), attempt: 3 };
  const id = await ctx.backend.append(
    dlq,
    deadLetterFields({
      reason: 'handler-error',
      error: 'TimeoutError: smtp did not answer',
      attempts: 3,
      actor: 'campaign-manager',
      source: keys.topic('email.received'),
      sourceId: '1-3',
      failedAtMs: Date.now(),
      envelope,
    }),
  );
  const before = await ctx.backend.connection.xlen(keys.topic('email.received'));
  const page = await open('dlq', `#token=${TOKEN}`);
  const row = page.locator(`[data-testid=dlq-table] tr[data-id="${id}"]`);
  await row.waitFor();
  await row.locator('input[type=checkbox]').check();
  await page.click('[data-testid=dlq-replay]');
  assert.is(await page.textContent('[data-testid=modal-title]'), 'Replay 1 dead letter?', 'the confirmation says how many');
  await page.screenshot({ path: artifact('dashboard-dlq-confirm.png') });
  await page.click('[data-testid=modal-ok]');
  await page.waitForSelector('[data-testid=dlq-result].ok');
  assert.is(await page.textContent('[data-testid=dlq-result]'), 'replayed 1, skipped 0, already gone 0');
  assert.is((await ctx.backend.range(dlq, id, id)).length, 0, 'gone from the DLQ');
  const replayed = await ctx.backend.revRange(keys.topic('email.received'), '+', '-', 1);
  assert.ok(replayed[0]!.fields.join('\n').includes(envelope.id), 'back on email.received');
  assert.is(await ctx.backend.connection.xlen(keys.topic('email.received')), before + 1);
  await page.waitForSelector(`[data-testid=dlq-table] tr[data-id="${id}"]`, { state: 'detached' });
  // The header's DLQ total follows Redis once the collector has run again.
  const dlqLen = await ctx.backend.connection.xlen(dlq);
  await waitFor('the DLQ total on the page', async () => (await page.getAttribute('[data-testid=totals]', 'data-dlq')) === String(dlqLen));
  await page.screenshot({ path: artifact('dashboard-dlq-replayed.png'), fullPage: true });
});

test('the Envelope view draws the causal tree of a flow with per-hop times', async () => {
  if (!ctx) return;
  const jobs = await ctx.lead.envelopes('lead.job');
  const job = jobs[0]!;
  const page = await open('envelope');
  await page.fill('[data-testid=trace-q]', job.correlationId);
  await page.click('[data-testid=trace-go]');
  await page.waitForSelector('[data-testid=trace-tree] li, [data-testid=trace-status]:text-matches("^(?!looking)")');
  const status = await page.textContent('[data-testid=trace-status]');
  assert.match(status!, /envelopes in flow/, status!);
  const ids = await page.$$eval('[data-testid=trace-tree] li', (lis) => lis.map((li) => li.getAttribute('data-envelope')));
  assert.ok(ids.includes(job.id), 'the lead.job of the flow is in the tree');
  assert.ok(ids.length >= 4, `the flow's hops are drawn (${ids.length})`);
  const root = await page.textContent('[data-testid=trace-tree] > ul > li > button .type');
  assert.is(root, 'email.received', 'the flow starts at the mail');
  assert.match((await page.textContent('[data-testid=trace-tree] ul ul button'))!, /\+\d/);
  await page.screenshot({ path: artifact('dashboard-envelope.png'), fullPage: true });
});

s.run();

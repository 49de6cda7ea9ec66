/**
 * The dashboard over 1,000 streams (each with a consumer group and some pending entries) on a
 * real Redis, in a real browser: the Streams view lists every one (200 a page) with Redis's own numbers, and
 * the page load time and the dashboard's Redis load per collection are printed (measured and
 * reported, never asserted: timings depend on the machine).
 */
import type { Browser } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memoryUsageOf } from '../src/cli/health/command.js';
import { countCommands, createDashboardMetrics } from '../src/dashboard/metrics.js';
import { startDashboard } from '../src/dashboard/server.js';
import { createKeys } from '../src/streams/keys.js';
import { artifact, browserTestsRun, launchBrowser } from './support/browser.js';
import { prefixedRedis, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

const STREAMS = 1_000;
const s = gated(suite('[redis + chromium] dashboard with 1,000 streams'), await redisSkipReason());
const test = browserTestsRun('dashboard load test') ? s : s.skip;

test('every stream is listed with its XLEN; load time and Redis commands per collection are reported', async () => {
  const r = await prefixedRedis('dload');
  if (!r) throw new Error('the gated suite has a Redis');
  const keys = createKeys(r.prefix);
  let browser: Browser | null = null;
  const redis = r.backend.connection;
  try {
    // 1,000 topic streams, 5 entries each, a group per stream that has read 2 of them (2 pending, lag 3): one pipeline.
    const pipe = redis.pipeline();
    for (let i = 0; i < STREAMS; i += 1) {
      const key = keys.topic(`load.t${i}`);
      for (let j = 0; j < 5; j += 1) pipe.xadd(key, '*', 'n', String(j));
      pipe.xgroup('CREATE', key, `actor${i % 50}`, '0');
      pipe.xreadgroup('GROUP', `actor${i % 50}`, 'c0', 'COUNT', 2, 'STREAMS', key, '>');
    }
    await pipe.exec();
    const own = (await prefixedRedis('dload-own'))!;
    const metrics = createDashboardMetrics();
    countCommands(own.backend.connection, metrics);
    const d = await startDashboard(
      { backend: own.backend, keys, metrics, memoryUsage: memoryUsageOf(own.backend.connection, false), source: 'Redis (load test)' },
      { port: 0 },
    );
    try {
      browser = (await launchBrowser('dashboard load test'))!;
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const started = performance.now();
      await page.goto(`${d.url}?view=streams`);
      await page.locator('[data-testid=stream-count]', { hasText: `${STREAMS} of ${STREAMS} streams` }).waitFor({ timeout: 60_000 });
      const loadMs = performance.now() - started;
      await page.screenshot({ path: artifact('dashboard-load-1000.png') });
      // The table shows 200 streams a page: walk every page.
      const rows: (string | null)[][] = [];
      for (let p = 1; ; p += 1) {
        await page.locator('[data-testid=streams-page]', { hasText: `page ${p} of 5` }).waitFor();
        rows.push(
          ...(await page.$$eval('[data-testid=streams-table] tbody tr', (trs) =>
            trs.map((tr) => [
              tr.getAttribute('data-stream'),
              tr.querySelector('[data-col=length]')!.textContent,
              tr.querySelector('[data-col=pending]')!.textContent,
            ]),
          )),
        );
        if (await page.isDisabled('[data-testid=streams-next]')) break;
        await page.click('[data-testid=streams-next]');
      }
      assert.is(new Set(rows.map(([key]) => key)).size, STREAMS, 'every stream once over the pages');
      assert.ok(
        rows.every(([, len, pending]) => len === '5' && pending === '2'),
        'XLEN 5 and 2 pending on every row',
      );
      // Redis load: commands of one more collection, from the dashboard's own /metrics.
      const snap1 = await d.collector.latest();
      const before = metrics.commandTotal();
      const text = await (await fetch(`${d.url}metrics`)).text();
      assert.match(text, /dashboard_redis_commands_total\{command="xinfo"\} \d+/);
      const snap2 = await waitFor(
        'the next collection',
        async () => {
          const snap = await d.collector.latest();
          return snap.at > snap1.at ? snap : null;
        },
        30_000,
        50,
      );
      const perCollection = metrics.commandTotal() - before;
      console.log(
        `\n  measured: page with ${STREAMS} streams shown in ${loadMs.toFixed(0)} ms (goto to the first 200 rows and the 1,000-stream count rendered); one collection ${snap2.collectMs} ms, ${perCollection} Redis commands; total commands so far ${metrics.commandTotal()}`,
      );
    } finally {
      await d.close();
      await own.cleanup();
    }
  } finally {
    await browser?.close();
    await r.cleanup();
  }
});

s.run();

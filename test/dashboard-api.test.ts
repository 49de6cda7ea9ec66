/**
 * The dashboard's HTTP API against a real Redis, without a browser: the guards (read-only by
 * default, the token header, methods, Host, body size), the shared collector (viewers do not add
 * Redis load), the dashboard's own command count on /metrics, DLQ paging over a large DLQ and the
 * page never naming the credentials of REDIS_URL.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deadLetterFields } from '../src/actors/runtime/dead-letter.js';
import { sourceLabel } from '../src/cli/actors/dashboard.js';
import { resolveStreamsConfig } from '../src/config.js';
import { countCommands, createDashboardMetrics } from '../src/dashboard/metrics.js';
import { startDashboard, type Dashboard } from '../src/dashboard/server.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import type { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { prefixedRedis, testRedis, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

interface Reply {
  status: number;
  body: string;
  json: () => Record<string, unknown>;
}

function call(d: Dashboard, method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: d.port,
        method,
        path,
        headers: { ...(opts.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

async function commandsOnMetrics(d: Dashboard): Promise<number> {
  const text = (await call(d, 'GET', '/metrics')).body;
  return [...text.matchAll(/^dashboard_redis_commands_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

const s = gated(suite('[redis] dashboard API'), await redisSkipReason());

async function withDashboard(
  tag: string,
  options: Parameters<typeof startDashboard>[1],
  fn: (d: Dashboard, backend: RedisStreamBackend, keys: Keys) => Promise<void>,
  seed?: (backend: RedisStreamBackend, keys: Keys) => Promise<unknown>,
): Promise<void> {
  const r = await prefixedRedis(tag);
  if (!r) throw new Error('the gated suite has a Redis');
  const keys = createKeys(r.prefix);
  // Streams written before the start are in the dashboard's first collection (it collects at start).
  if (seed) await seed(r.backend, keys);
  const metrics = createDashboardMetrics();
  countCommands(r.backend.connection, metrics);
  const d = await startDashboard({ backend: r.backend, keys, metrics, source: 'Redis (test)' }, { port: 0, ...options });
  try {
    await fn(d, r.backend, keys);
  } finally {
    await d.close();
    await r.cleanup();
  }
}

const deadLetter = (keys: Keys, n: number, actor = 'billing') =>
  deadLetterFields({
    reason: 'handler-error',
    error: `failure ${n}`,
    attempts: 2,
    actor,
    source: keys.topic('order.placed'),
    sourceId: `1-${n}`,
    failedAtMs: Date.now(),
    envelope: createEnvelope({ type: 'order.placed', payload: { n } }),
  });

s('read-only by default: replay and purge are 403 and the entry stays', async () => {
  await withDashboard('dro', {}, async (d, backend, keys) => {
    const id = await backend.append(keys.dlq('order.placed'), deadLetter(keys, 1));
    const body = JSON.stringify({ items: [{ stream: keys.dlq('order.placed'), id }] });
    const [replay, purge] = await Promise.all([
      call(d, 'POST', '/api/dlq/replay', { body }),
      call(d, 'POST', '/api/dlq/purge', { body, headers: { 'X-Dashboard-Token': 'anything-anything' } }),
    ]);
    assert.is(replay.status, 403);
    assert.match(String(replay.json().error), /read-only/);
    assert.is(purge.status, 403);
    assert.is(d.token, null);
    assert.is((await backend.range(keys.dlq('order.placed'), id, id)).length, 1);
  });
});

s('with --allow-writes: the token header is required; a right one purges exactly the selection', async () => {
  await withDashboard('dwr', { allowWrites: true }, async (d, backend, keys) => {
    assert.ok(d.token && d.token.length >= 24, 'a token is generated');
    const stream = keys.dlq('order.placed');
    const a = await backend.append(stream, deadLetter(keys, 1));
    const b = await backend.append(stream, deadLetter(keys, 2));
    const body = JSON.stringify({ items: [{ stream, id: a }] });
    assert.is((await call(d, 'POST', '/api/dlq/purge', { body })).status, 403);
    assert.is((await call(d, 'POST', '/api/dlq/purge', { body, headers: { 'X-Dashboard-Token': `${d.token!}x` } })).status, 403);
    assert.is((await call(d, 'POST', '/api/dlq/purge', { body, headers: { Cookie: `token=${d.token!}` } })).status, 403, 'a cookie is not a token');
    const ok = await call(d, 'POST', '/api/dlq/purge', { body, headers: { 'X-Dashboard-Token': d.token! } });
    assert.is(ok.status, 200, ok.body);
    assert.equal(ok.json(), { purged: 1, gone: 0 });
    assert.equal(
      (await backend.range(stream, '-', '+')).map((e) => e.id),
      [b],
    );
    // A selection may only name DLQ streams of this prefix: never a topic, never another prefix.
    const bad = await call(d, 'POST', '/api/dlq/purge', {
      body: JSON.stringify({ items: [{ stream: keys.topic('order.placed'), id: b }] }),
      headers: { 'X-Dashboard-Token': d.token! },
    });
    assert.is(bad.status, 400);
    const form = await call(d, 'POST', '/api/dlq/purge', {
      body: 'items=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Dashboard-Token': d.token! },
    });
    assert.is(form.status, 415, 'a form post is not accepted');
  });
});

s('methods, Host, URL and body size are bounded', async () => {
  await withDashboard('dhd', { allowWrites: true, maxBodyBytes: 1024 }, async (d) => {
    assert.is((await call(d, 'PUT', '/api/dlq/purge', { body: '{}' })).status, 405);
    assert.is((await call(d, 'DELETE', '/')).status, 405);
    assert.is((await call(d, 'GET', '/api/config', { headers: { Host: 'evil.example:80' } })).status, 421, 'DNS rebinding: a foreign Host is refused');
    assert.is((await call(d, 'GET', '/api/config', { headers: { Host: `localhost:${d.port}` } })).status, 200);
    const big = JSON.stringify({ items: [], pad: 'x'.repeat(4096) });
    assert.is((await call(d, 'POST', '/api/dlq/purge', { body: big, headers: { 'X-Dashboard-Token': d.token! } })).status, 413);
    assert.is((await call(d, 'GET', `/api/dlq?actor=${'a'.repeat(2000)}`)).status, 400);
    assert.is((await call(d, 'GET', '/../package.json')).status, 404, 'only the listed assets are served');
    const page = await call(d, 'GET', '/');
    assert.is(page.status, 200);
    assert.match(page.body, /<script type="module" src="\/app.js">/);
    const uplot = await call(d, 'GET', '/vendor/uPlot.iife.min.js');
    assert.is(uplot.status, 200, 'uPlot comes from its npm package, not a CDN');
    assert.not.match(page.body, /https?:\/\//, 'the page loads nothing from the internet');
  });
});

s("one shared collection serves every viewer; /metrics counts the dashboard's own commands", async () => {
  const seed = (backend: RedisStreamBackend, keys: Keys) =>
    backend.appendMany([...Array(20).keys()].map((i) => ({ stream: keys.topic(`t${i}`), fields: ['k', 'v'] })));
  await withDashboard(
    'dsh',
    { pollIntervalMs: 60_000 },
    async (d) => {
      const first = await call(d, 'GET', '/api/snapshot');
      assert.is((first.json().streams as unknown[]).length, 20);
      const after1 = await commandsOnMetrics(d);
      assert.ok(after1 > 20, `one collection reads every stream (${after1} commands)`);
      const many = await Promise.all([...Array(10).keys()].map(() => call(d, 'GET', '/api/snapshot')));
      assert.ok(many.every((r) => r.status === 200));
      assert.is(await commandsOnMetrics(d), after1, 'ten more viewers within the poll interval cost Redis nothing');
      const text = (await call(d, 'GET', '/metrics')).body;
      assert.match(text, /dashboard_redis_commands_total\{command="scan"\} [1-9]/);
      assert.match(text, /dashboard_collection_seconds_count 1\b/);
    },
    seed,
  );
});

s('the topology comes from the groups in Redis, for any actors: edges with lag and pending, consumers dead without a heartbeat', async () => {
  const seed = async (backend: RedisStreamBackend, keys: Keys) => {
    const redis = backend.connection;
    const topic = keys.topic('order.placed');
    for (let i = 0; i < 5; i += 1) await redis.xadd(topic, '*', 'n', String(i));
    await redis.xgroup('CREATE', topic, 'billing', '0');
    await redis.xreadgroup('GROUP', 'billing', 'worker-1', 'COUNT', 2, 'STREAMS', topic, '>');
    await backend.setWithTtl(keys.heartbeat('shipping', 'worker-2'), '1', 60_000);
    await redis.xgroup('CREATE', topic, 'shipping', '0');
    const read = (await redis.xreadgroup('GROUP', 'shipping', 'worker-2', 'COUNT', 5, 'STREAMS', topic, '>')) as [string, [string, string[]][]][];
    await redis.xack(topic, 'shipping', ...read[0]![1].map(([id]) => id));
  };
  await withDashboard(
    'dtop',
    {},
    async (d) => {
      const snap = (await call(d, 'GET', '/api/snapshot')).json() as {
        topology: {
          nodes: { id: string; consumersAlive: number; consumersDead: number; length: number }[];
          edges: { from: string; to: string; lag: number; pending: number }[];
        };
      };
      const { nodes, edges } = snap.topology;
      assert.equal(
        nodes.map((n) => n.id),
        ['actor:billing', 'actor:shipping', 'topic:order.placed'],
      );
      const edge = (to: string) => edges.find((e) => e.from === 'topic:order.placed' && e.to === to);
      assert.equal([edge('actor:billing')?.lag, edge('actor:billing')?.pending], [3, 2]);
      assert.equal([edge('actor:shipping')?.lag, edge('actor:shipping')?.pending], [0, 0]);
      const billing = nodes.find((n) => n.id === 'actor:billing')!;
      assert.equal([billing.consumersAlive, billing.consumersDead], [0, 1], 'worker-1 has no heartbeat key');
      const shipping = nodes.find((n) => n.id === 'actor:shipping')!;
      assert.equal([shipping.consumersAlive, shipping.consumersDead], [1, 0]);
    },
    seed,
  );
});

s('DLQ pages: newest first, no entry twice, filters, over a 1,200-entry DLQ', async () => {
  await withDashboard('dpg', {}, async (d, backend, keys) => {
    const stream = keys.dlq('order.placed');
    await backend.appendMany([...Array(1200).keys()].map((i) => ({ stream, fields: deadLetter(keys, i, i % 10 === 0 ? 'audit' : 'billing') })));
    await backend.append(keys.dlq('lead.enriched'), deadLetter(keys, 9999, 'copywriter'));
    // The DLQ view lists the DLQ streams of the last collection (at most one poll interval old).
    await waitFor('a collection that sees both DLQ streams', async () => (await d.collector.latest()).streams.length === 2, 10_000, 50);
    const seen: string[] = [];
    let cursor: unknown = null;
    let pages = 0;
    do {
      const r = await call(d, 'GET', `/api/dlq?topic=order.placed${cursor ? `&cursor=${encodeURIComponent(JSON.stringify(cursor))}` : ''}`);
      assert.is(r.status, 200, r.body);
      const page = r.json() as { items: { id: string }[]; cursor: unknown; total: number; scanned: number };
      assert.is(page.total, 1200);
      assert.ok(page.items.length <= 50 && page.scanned <= 50, 'a page reads one page of entries');
      seen.push(...page.items.map((i) => i.id));
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== null && pages < 100);
    const all = (await backend.revRange(stream, '+', '-')).map((e) => e.id);
    assert.equal(seen, all, 'every entry once, newest first');
    const audit = (await call(d, 'GET', '/api/dlq?actor=audit')).json() as { items: { actor: string; error: string }[] };
    assert.is(audit.items.length, 50);
    assert.ok(audit.items.every((i) => i.actor === 'audit'));
    const both = (await call(d, 'GET', '/api/dlq')).json() as { items: { topic: string }[]; total: number };
    assert.is(both.total, 1201);
    assert.is(both.items[0]!.topic, 'lead.enriched', 'merged over DLQ streams by time');
    assert.is((await call(d, 'GET', '/api/dlq?olderThan=forever')).status, 400);
  });
});

s('`actors dashboard` as a process: prints the URL and the token once, serves the page, exits 0 on SIGTERM', async () => {
  const r = await prefixedRedis('dcli');
  if (!r) throw new Error('the gated suite has a Redis');
  const url = (await testRedis())!.url;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/actors.ts', 'dashboard', '--redis-url', url, '--prefix', r.prefix, '--port', '0', '--allow-writes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  try {
    const printed = await waitFor('the URL and token on stdout', () => /open (http:\/\/127\.0\.0\.1:(\d+)\/)#token=(\S+)/.exec(out), 30_000, 50);
    const [, base, , token] = printed;
    assert.is(out.split(token!).length - 1, 2, 'the token is printed on two lines of one start message, not repeated');
    const cfg = (await (await fetch(`${base}api/config`)).json()) as { prefix: string; writable: boolean; source: string };
    assert.equal([cfg.prefix, cfg.writable], [r.prefix, true]);
    const res = await fetch(`${base}api/dlq/purge`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Dashboard-Token': token! },
      body: JSON.stringify({ items: [{ stream: createKeys(r.prefix).dlq('x'), id: '1-1' }] }),
    });
    assert.equal(await res.json(), { purged: 0, gone: 1 }, 'the printed token opens writes');
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    await r.cleanup();
    assert.is(code, 0);
  }
});

s('no credential of REDIS_URL reaches the page', () => {
  const secret = 'hunter2-very-secret';
  for (const url of [`redis://ops:${secret}@db.internal:6380/0`, `rediss://:${secret}@cache.example:6379`]) {
    const label = sourceLabel(resolveStreamsConfig({ redisUrl: url }, {}));
    assert.not.ok(label.includes(secret), label);
    assert.not.ok(label.includes('ops'), label);
    assert.match(label, /^Redis( \(TLS\))? (db\.internal:6380|cache\.example:6379)$/);
  }
});

s.run();

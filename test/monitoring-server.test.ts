import { request } from 'node:http';
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActorMetrics } from '../src/monitoring/metrics.js';
import { startMonitoringServer, type MonitoringServer, type MonitoringServerOptions } from '../src/monitoring/server.js';

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

// Plain node:http with keep-alive off, so close() is never waiting on a pooled socket.
function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer(opts: Partial<MonitoringServerOptions>, body: (server: MonitoringServer, registry: Registry) => Promise<void>): Promise<void> {
  const registry = opts.registry ?? new Registry();
  const server = await startMonitoringServer({ port: 0, ready: () => true, ...opts, registry });
  try {
    await body(server, registry);
  } finally {
    await server.close();
  }
}

const metrics = suite('server: /metrics');

metrics('serves the registry in Prometheus text format with its content type', async () => {
  await withServer({}, async (server, registry) => {
    createActorMetrics(registry).forActor('copywriter').processed(2);
    const res = await get(server.port, '/metrics');
    assert.is(res.status, 200);
    assert.is(res.type, registry.contentType);
    assert.ok(res.body.includes('stream_actor_processed_total{actor="copywriter"} 2'), res.body);
  });
});

metrics('ignores the query string', async () => {
  await withServer({}, async (server) => {
    assert.is((await get(server.port, '/metrics?name[]=x')).status, 200);
  });
});

metrics('answers 500 when collecting fails, and keeps serving', async () => {
  const registry = new Registry();
  let fail = true;
  const broken = { metrics: () => (fail ? Promise.reject(new Error('collector broke')) : registry.metrics()), contentType: registry.contentType };
  await withServer({ registry: broken as unknown as Registry }, async (server) => {
    assert.is((await get(server.port, '/metrics')).status, 500);
    fail = false;
    assert.is((await get(server.port, '/metrics')).status, 200);
  });
});

const health = suite('server: /healthz');

health('200 {"status":"ok"} when ready() is true, sync or async', async () => {
  for (const ready of [() => true, async () => true]) {
    await withServer({ ready }, async (server) => {
      const res = await get(server.port, '/healthz');
      assert.is(res.status, 200);
      assert.ok(res.type?.startsWith('application/json'));
      assert.equal(JSON.parse(res.body), { status: 'ok' });
    });
  }
});

health('503 {"status":"unavailable"} when ready() is false, throws or rejects', async () => {
  const notReady: (() => Promise<boolean> | boolean)[] = [
    () => false,
    async () => false,
    () => {
      throw new Error('redis down');
    },
    () => Promise.reject(new Error('redis down')),
  ];
  for (const ready of notReady) {
    await withServer({ ready }, async (server) => {
      const res = await get(server.port, '/healthz');
      assert.is(res.status, 503);
      assert.equal(JSON.parse(res.body), { status: 'unavailable' });
    });
  }
});

health('503 when ready() never answers, so a probe does not hang', async () => {
  await withServer({ ready: () => new Promise<boolean>(() => {}), readyTimeoutMs: 20 }, async (server) => {
    assert.is((await get(server.port, '/healthz')).status, 503);
  });
});

health('follows readiness as it changes', async () => {
  let up = false;
  await withServer({ ready: () => up }, async (server) => {
    assert.is((await get(server.port, '/healthz')).status, 503);
    up = true;
    assert.is((await get(server.port, '/healthz')).status, 200);
  });
});

const routing = suite('server: routing and lifecycle');

routing('404 for other paths, 405 for other methods on known paths', async () => {
  await withServer({}, async (server) => {
    assert.is((await get(server.port, '/')).status, 404);
    assert.is((await get(server.port, '/metrics/extra')).status, 404);
    assert.is((await get(server.port, '/metrics', 'POST')).status, 405);
  });
});

routing('port 0 picks a free port and reports the real one; a taken port rejects', async () => {
  await withServer({}, async (server) => {
    assert.ok(server.port > 0);
    assert.is((await get(server.port, '/healthz')).status, 200);
    try {
      await startMonitoringServer({ port: server.port, registry: new Registry(), ready: () => true });
      assert.unreachable('second listen on the same port');
    } catch (err) {
      assert.is((err as NodeJS.ErrnoException).code, 'EADDRINUSE');
    }
  });
});

routing('close() stops the server', async () => {
  const server = await startMonitoringServer({ port: 0, registry: new Registry(), ready: () => true });
  await server.close();
  try {
    await get(server.port, '/healthz');
    assert.unreachable('request after close');
  } catch (err) {
    assert.is((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  }
});

metrics.run();
health.run();
routing.run();

// A tiny node:http server for Prometheus scrapes and liveness/readiness probes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { createRedactor } from './redact.js';

/** Options of `startMonitoringServer`. */
export interface MonitoringServerOptions {
  /** Port to listen on; 0 picks a free one (the real one is returned). */
  port: number;
  /** Interface to bind. Default '127.0.0.1' (expose on purpose, e.g. '0.0.0.0' in a container). */
  host?: string;
  /** Registry served on /metrics. */
  registry: Registry;
  /** Readiness check behind /healthz; false, a throw or a timeout answers 503. */
  ready: () => Promise<boolean> | boolean;
  /** A readiness check slower than this counts as not ready, so probes never hang. Default 2000. */
  readyTimeoutMs?: number;
}

/** Defaults of `MonitoringServerOptions`. */
export const DEFAULT_MONITORING_SERVER_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  readyTimeoutMs: 2000,
});

/** A running monitoring server. */
export interface MonitoringServer {
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting connections and resolves once open ones are done. */
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function isReady(ready: MonitoringServerOptions['ready'], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    // Promise.resolve().then: a synchronous throw in ready() becomes a rejection, hence 503.
    return (await Promise.race([Promise.resolve().then(ready), timeout])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: Required<MonitoringServerOptions>): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== '/metrics' && path !== '/healthz') return sendJson(res, 404, { status: 'not found' });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendJson(res, 405, { status: 'method not allowed' });
  }
  if (path === '/healthz') {
    const ok = await isReady(opts.ready, opts.readyTimeoutMs);
    return sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
  }
  const body = redactLabelValues(await opts.registry.metrics());
  res.writeHead(200, { 'Content-Type': opts.registry.contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

/** Serves `GET /metrics` (Prometheus text) and `GET /healthz` (200 ok / 503 unavailable); 404 elsewhere. */
export function startMonitoringServer(options: MonitoringServerOptions): Promise<MonitoringServer> {
  const opts: Required<MonitoringServerOptions> = { ...DEFAULT_MONITORING_SERVER_OPTIONS, ...withoutUndefined(options) };
  const server = createServer((req, res) => {
    handle(req, res, opts).catch(() => {
      // A failing collector must not kill the process; the scrape just fails.
      if (!res.headersSent) sendJson(res, 500, { status: 'error' });
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done, fail) => {
            // Node >= 19 also drops idle keep-alive sockets on close(), so a scraper cannot hold it open.
            server.close((err) => (err ? fail(err) : done()));
          }),
      });
    });
  });
}

// No length cut: a label value is never worth truncating the exposition for.
const labelRedactor = createRedactor({ maxStringLength: Number.MAX_SAFE_INTEGER });
const LABEL_VALUE = /="((?:[^"\\\n]|\\.)*)"/g;

/**
 * Masks secrets in every label value of a Prometheus text exposition. The registry may hold
 * metrics the runtime did not create (a user's own), so the scrape output is the last edge.
 */
export function redactLabelValues(body: string): string {
  return body
    .split('\n')
    .map((line) => (line.startsWith('#') || !line.includes('{') ? line : line.replace(LABEL_VALUE, (_m, v: string) => `="${labelRedactor.redactString(v)}"`)))
    .join('\n');
}

function withoutUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

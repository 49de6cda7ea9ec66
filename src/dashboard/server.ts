/**
 * The dashboard server (node:http): the pages and their assets (uPlot served from its npm
 * package, no CDN), a JSON API over one shared Collector, live updates by server-sent events, and
 * replay/purge of dead letters behind --allow-writes and a token. Only GET and POST; every answer
 * carries the security headers of http.ts.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DlqFilter } from '../cli/dlq/select.js';
import { createRedactor } from '../monitoring/redact.js';
import type { StreamBackend } from '../streams/backend.js';
import type { Keys } from '../streams/keys.js';
import { serveAsset } from './assets.js';
import { Collector, type Snapshot } from './collector.js';
import { parseSelection, purgeSelection, readDlqPage, replaySelection } from './dlq.js';
import { allowedHosts, checkHost, HttpError, readJson, sameToken, SECURITY_HEADERS, sendJson, TOKEN_HEADER } from './http.js';
import type { DashboardMetrics } from './metrics.js';
import { DEFAULT_DASHBOARD_OPTIONS, type DashboardOptions } from './options.js';
import type { ActorShape } from './topology.js';
import { traceForPage } from './trace.js';

/** What the server reads from (the caller owns and closes the backend). */
export interface DashboardSources {
  backend: StreamBackend;
  keys: Keys;
  metrics: DashboardMetrics;
  /** Registered actor definitions, when the process has them (they add what each actor emits). */
  definitions?: readonly ActorShape[];
  /** MEMORY USAGE per key; absent on the shim. */
  memoryUsage?: (keys: string[]) => Promise<(number | null)[]>;
  /** Shown in the header, e.g. "Redis 127.0.0.1:6379" or "memory demo"; never carries credentials. */
  source: string;
  now?: () => number;
}

/** A running dashboard. */
export interface Dashboard {
  url: string;
  port: number;
  /** The write token (null when read-only). */
  token: string | null;
  collector: Collector;
  close(): Promise<void>;
}

const DURATION_RE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function durationParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  const m = DURATION_RE.exec(v);
  if (!m) throw new HttpError(400, `${name} must be like 30s, 10m, 2h or 7d`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

function textParam(v: string | null, name: string): string | undefined {
  if (v === null || v === '') return undefined;
  if (v.length > 1_000) throw new HttpError(400, `${name} is too long`);
  return v;
}

function dlqStreamsOf(snap: Snapshot, topic: string | undefined): { key: string; length: number }[] {
  return snap.streams.filter((s) => s.kind === 'dlq' && (topic === undefined || s.topic === topic)).map((s) => ({ key: s.key, length: s.length }));
}

/** Starts the dashboard; resolves once it listens. */
export async function startDashboard(src: DashboardSources, options: Partial<DashboardOptions> = {}): Promise<Dashboard> {
  const o: DashboardOptions = { ...DEFAULT_DASHBOARD_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  const token = o.allowWrites ? (o.token ?? randomBytes(24).toString('base64url')) : null;
  const now = src.now ?? Date.now;
  const redactor = createRedactor();
  const collector = new Collector(
    { backend: src.backend, keys: src.keys, definitions: src.definitions ?? [], ...(src.memoryUsage ? { memoryUsage: src.memoryUsage } : {}), now },
    o,
    src.metrics,
    now,
  );
  let hosts: Set<string> | null = null;
  const sse = new Set<ServerResponse>();

  const requireWrite = (req: IncomingMessage): void => {
    if (token === null) throw new HttpError(403, 'the dashboard is read-only (start it with --allow-writes)');
    const given = req.headers[TOKEN_HEADER];
    if (typeof given !== 'string' || !sameToken(given, token)) throw new HttpError(403, `missing or wrong ${TOKEN_HEADER} header`);
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const p = url.searchParams;
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /api/config':
        return sendJson(res, 200, {
          prefix: src.keys.prefix,
          source: src.source,
          writable: token !== null,
          pollIntervalMs: o.pollIntervalMs,
          dlqPageSize: o.dlqPageSize,
          maxSelection: o.maxSelection,
        });
      case 'GET /api/snapshot':
        return sendJson(res, 200, await collector.latest());
      case 'GET /api/series': {
        const key = textParam(p.get('stream'), 'stream') ?? '';
        collector.demand();
        return sendJson(res, 200, collector.streamSeries(key));
      }
      case 'GET /api/dlq': {
        const snap = await collector.latest();
        const filter: DlqFilter = {};
        const topic = textParam(p.get('topic'), 'topic');
        if (topic !== undefined) filter.topic = topic;
        const actor = textParam(p.get('actor'), 'actor');
        if (actor !== undefined) filter.actor = actor;
        const reason = textParam(p.get('reason'), 'reason');
        if (reason !== undefined) filter.reason = reason;
        const olderThan = durationParam(p.get('olderThan'), 'olderThan');
        if (olderThan !== undefined) filter.olderThanMs = olderThan;
        const newerThan = durationParam(p.get('newerThan'), 'newerThan');
        if (newerThan !== undefined) filter.newerThanMs = newerThan;
        let cursor: Record<string, string> | null = null;
        const c = p.get('cursor');
        if (c) {
          try {
            cursor = JSON.parse(c.slice(0, 100_000)) as Record<string, string>;
          } catch {
            throw new HttpError(400, 'cursor is not valid');
          }
        }
        const page = await readDlqPage(src.backend, src.keys, dlqStreamsOf(snap, filter.topic), filter, cursor, {
          pageSize: o.dlqPageSize,
          scanLimit: o.dlqScanLimit,
          now: now(),
          redactor,
        });
        return sendJson(res, 200, page);
      }
      case 'GET /api/trace': {
        const q = textParam(p.get('q'), 'q');
        if (q === undefined) throw new HttpError(400, 'q is required (envelope id, correlation id or idempotency key)');
        const answer = await traceForPage(src.backend, src.keys, q, redactor);
        return sendJson(res, answer.status, answer.body);
      }
      case 'POST /api/dlq/replay':
      case 'POST /api/dlq/purge': {
        requireWrite(req);
        const body = await readJson(req, o.maxBodyBytes);
        let refs;
        try {
          refs = parseSelection(src.keys, body, o.maxSelection);
        } catch (err) {
          throw new HttpError(400, (err as Error).message);
        }
        const result = url.pathname.endsWith('replay') ? await replaySelection(src.backend, src.keys, refs) : await purgeSelection(src.backend, src.keys, refs);
        collector.demand();
        return sendJson(res, 200, result);
      }
      default:
        throw new HttpError(404, 'no such endpoint');
    }
  };

  const events = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const push = (s: Snapshot): void => void res.write(`event: snapshot\ndata: ${JSON.stringify(s)}\n\n`);
    sse.add(res);
    const off = collector.subscribe(push);
    req.on('close', () => {
      off();
      sse.delete(res);
    });
    push(await collector.latest());
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    checkHost(req, hosts);
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') {
      res.setHeader('Allow', 'GET, HEAD, POST');
      throw new HttpError(405, 'only GET and POST');
    }
    if ((req.url ?? '').length > 8_192) throw new HttpError(414, 'URL too long');
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    if (req.method !== 'POST' && url.pathname === '/metrics') {
      const body = await src.metrics.registry.metrics();
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': src.metrics.registry.contentType, 'Cache-Control': 'no-store' });
      return void res.end(body);
    }
    if (req.method === 'GET' && url.pathname === '/api/events') return await events(req, res);
    if (url.pathname.startsWith('/api/')) return await api(req, res, url);
    if (req.method === 'POST') throw new HttpError(404, 'no such endpoint');
    if (!(await serveAsset(url.pathname, req, res))) throw new HttpError(404, 'not found');
  };

  const server = createServer({ maxHeaderSize: 16_384, requestTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      // Internal errors are not echoed to the page: they may name keys or hosts.
      const message = err instanceof HttpError ? err.message : 'internal error (see the dashboard log)';
      if (!(err instanceof HttpError)) process.stderr.write(`dashboard: ${redactor.redactString(String((err as Error)?.message ?? err))}\n`);
      if (!res.headersSent) sendJson(res, status, { error: message });
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Collect once right away, so the first page gets a ready snapshot instead of waiting for one.
  collector.demand();
  hosts = allowedHosts(o.host, port);
  const shownHost = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    token,
    collector,
    close: async () => {
      collector.stop();
      for (const res of sse) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

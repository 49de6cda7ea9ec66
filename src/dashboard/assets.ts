/**
 * The page's static files: ours from src/dashboard/assets, and uPlot's from its npm package (no
 * CDN: the page works with no internet). Only the files listed here are served, read once and kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from './http.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/** The assets folder: beside this module (the source tree, or dist where the build copies it), else the repository's src/dashboard/assets (a dist built without the copy). */
function assetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'assets');
  if (existsSync(join(beside, 'index.html'))) return beside;
  return resolve(here, '../../../src/dashboard/assets');
}

function uplotDir(): string {
  // uPlot's package.json exports only its entry points: resolve one, then take its folder.
  return dirname(createRequire(import.meta.url).resolve('uplot'));
}

/** URL path → file on disk. */
function table(): Map<string, string> {
  const a = assetsDir();
  const u = uplotDir();
  return new Map([
    ['/', join(a, 'index.html')],
    ['/index.html', join(a, 'index.html')],
    ['/app.js', join(a, 'app.js')],
    ['/views.js', join(a, 'views.js')],
    ['/graph.js', join(a, 'graph.js')],
    ['/dom.js', join(a, 'dom.js')],
    ['/style.css', join(a, 'style.css')],
    ['/vendor/uPlot.iife.min.js', join(u, 'uPlot.iife.min.js')],
    ['/vendor/uPlot.min.css', join(u, 'uPlot.min.css')],
  ]);
}

let files: Map<string, string> | null = null;
const cache = new Map<string, Buffer>();

/** Serves a listed asset; false when the path is not one. */
export async function serveAsset(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  files ??= table();
  const file = files.get(path);
  if (!file) return false;
  let body = cache.get(file);
  if (!body) {
    body = readFileSync(file);
    cache.set(file, body);
  }
  const ext = file.slice(file.lastIndexOf('.') + 1);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': TYPES[ext] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

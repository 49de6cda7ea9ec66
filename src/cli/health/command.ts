/**
 * streams-health: one report (table or JSON) whose exit status says healthy (0) or not (1), or a
 * report redrawn every N seconds with --watch until interrupted.
 */
import type { Redis } from 'ioredis';
import { createKeys } from '../../streams/keys.js';
import { EXIT, resolveToolConfig, type CliIO, type ConnectionFlags } from '../common.js';
import { connectTool, type ToolConnectionOptions } from '../connect.js';
import { collectHealth, type HealthOptions, type HealthReport } from './collect.js';
import { renderHealth } from './render.js';

/** What streams-health was asked. */
export interface StreamsHealthArgs extends ConnectionFlags {
  health: Partial<HealthOptions>;
  /** Redraw every this many seconds until `signal` aborts; null for one report. */
  watchSeconds: number | null;
  connection?: Partial<ToolConnectionOptions>;
}

/**
 * MEMORY USAGE of many keys: one pipelined round trip, or on a cluster one routed call per key
 * (a pipeline may not span slots); null where the command is unavailable (renamed on a managed Redis).
 */
export function memoryUsageOf(redis: Redis, cluster: boolean): (keys: string[]) => Promise<(number | null)[]> {
  return async (keys) => {
    if (keys.length === 0) return [];
    if (cluster)
      return await Promise.all(
        keys.map((k) =>
          redis.call('MEMORY', 'USAGE', k).then(
            (v) => (v === null ? null : Number(v)),
            () => null,
          ),
        ),
      );
    const pipe = redis.pipeline();
    for (const k of keys) pipe.call('MEMORY', 'USAGE', k);
    const res = (await pipe.exec()) ?? [];
    return keys.map((_, i) => {
      const [err, v] = res[i] ?? [null, null];
      return err || v === null || v === undefined ? null : Number(v);
    });
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs streams-health; resolves with the exit status (0 healthy, 1 unhealthy). */
export async function streamsHealth(args: StreamsHealthArgs, io: CliIO, signal?: AbortSignal): Promise<number> {
  const cfg = resolveToolConfig(args);
  const keys = createKeys(cfg.prefix);
  const conn = await connectTool(cfg, args.connection);
  try {
    const check = (): Promise<HealthReport> =>
      collectHealth({ backend: conn.backend, keys, memoryUsage: memoryUsageOf(conn.redis, conn.backend.isCluster) }, args.health);
    if (args.watchSeconds === null) {
      const report = await check();
      io.out(args.json ? JSON.stringify(report, null, 2) : renderHealth(report, { color: io.color ?? io.isTTY }));
      return report.healthy ? EXIT.ok : EXIT.problems;
    }
    let status: number = EXIT.ok;
    while (!signal?.aborted) {
      const report = await check();
      status = report.healthy ? EXIT.ok : EXIT.problems;
      // --json --watch writes one report per line (NDJSON); tables redraw the screen on a terminal.
      if (args.json) io.out(JSON.stringify(report));
      else io.out(`${io.isTTY ? '\x1b[2J\x1b[H' : ''}${renderHealth(report, { color: io.color ?? io.isTTY })}\n(every ${args.watchSeconds}s; Ctrl-C to stop)`);
      await sleep(args.watchSeconds * 1000, signal);
    }
    return status;
  } finally {
    await conn.close();
  }
}

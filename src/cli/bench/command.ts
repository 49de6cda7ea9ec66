/**
 * `streams-bench`: resolves the connection settings and options, runs the write benchmark with a
 * progress bar on stderr, and prints a table (or JSON). Exit codes: 0 done, 1 failed,
 * 2 bad flags or settings, 3 Redis unreachable.
 */
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { isConfigError, resolveStreamsConfig } from '../../config.js';
import { isStreamBackendError } from '../../streams/backend.js';
import { DEFAULT_REDIS_CONNECTION_OPTIONS, describeUrl } from '../../streams/connection-options.js';
import { connectionFailureMessage, EXIT } from '../common.js';
import { isBenchOptionError, resolveWriteBenchOptions } from './options.js';
import { runWriteBench, type WriteBenchResult } from './write-bench.js';

/** Exit codes of streams-bench: the operator commands' codes (EXIT), under the names this command uses. */
export const BENCH_EXIT = Object.freeze({ ok: EXIT.ok, failed: EXIT.problems, usage: EXIT.usage, unreachable: EXIT.unreachable });

/** The parsed flags (undefined: use the environment, then the default). */
export interface StreamsBenchArgs {
  count?: number;
  payloadBytes?: number;
  pipeline?: number;
  connections?: number;
  topic?: string;
  redisUrl?: string;
  prefix?: string;
  json?: boolean;
  cleanup?: boolean;
}

/** Where the command reads settings and writes output. */
export interface BenchIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Aborting stops the run after the batches in flight (Ctrl-C). */
  signal?: AbortSignal;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** The human-readable report of one run. */
export function renderWriteBench(r: WriteBenchResult): string {
  const table = new Table({ head: ['streams-bench', ''], style: { head: [], border: [] } });
  table.push(
    ['envelopes', `${fmt(r.count)}${r.aborted ? ' (aborted)' : ''}`],
    ['stream', r.stream],
    ['payload / entry', `${fmt(r.payloadBytes)} B payload, ${fmt(r.entryBytes)} B encoded envelope`],
    ['pipeline x connections', `${r.pipeline} x ${r.connections}`],
    ['duration', `${fmt(Math.round(r.durationMs))} ms`],
    ['throughput', `${fmt(r.envelopesPerSec)} envelopes/s`],
    ['batch latency p50 / p90 / p99 / max', `${r.latencyMs.p50} / ${r.latencyMs.p90} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms`],
    ['redis', r.redisVersion],
    ['cleanup', r.cleanedUp ? 'written entries deleted' : 'entries kept'],
  );
  return table.toString();
}

/** The prefix a run writes under when --prefix is not given: the configured one plus `-bench`. */
export function benchPrefix(prefix: string): string {
  return `${prefix}-bench`;
}

/** Runs streams-bench with parsed flags; returns the exit code. */
export async function streamsBench(args: StreamsBenchArgs, io: BenchIo): Promise<number> {
  const fail = (code: number, message: string): number => {
    io.stderr.write(`streams-bench: ${message.split('\n')[0]}\n`);
    return code;
  };
  let url = args.redisUrl;
  let bar: cliProgress.SingleBar | null = null;
  try {
    const cfg = resolveStreamsConfig({ redisUrl: args.redisUrl, prefix: args.prefix }, io.env);
    if (cfg.redisUrl === 'memory') return fail(BENCH_EXIT.usage, 'the write benchmark needs a Redis server (REDIS_URL=memory is not one)');
    url = cfg.redisUrl;
    // Never the application's own prefix by default: a benchmark must not write among real streams.
    const prefix = args.prefix ?? benchPrefix(cfg.prefix);
    const options = resolveWriteBenchOptions({
      redisUrl: cfg.redisUrl,
      prefix,
      topic: args.topic,
      count: args.count,
      payloadBytes: args.payloadBytes,
      pipeline: args.pipeline,
      connections: args.connections,
      cleanup: args.cleanup,
    });
    if (!args.json && io.stderr.isTTY === true) {
      bar = new cliProgress.SingleBar(
        { stream: io.stderr, format: 'writing [{bar}] {percentage}% {value}/{total} envelopes | {eta}s left', hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(options.count, 0);
    }
    const progress = bar;
    const result = await runWriteBench(options, {
      ...(io.signal ? { signal: io.signal } : {}),
      ...(progress ? { onProgress: (n: number) => progress.update(n) } : {}),
    });
    bar?.stop();
    io.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `${renderWriteBench(result)}\n`);
    return BENCH_EXIT.ok;
  } catch (err) {
    bar?.stop();
    if (isConfigError(err) || isBenchOptionError(err)) return fail(BENCH_EXIT.usage, err.message);
    // ioredis rejects a malformed URL with a TypeError before any connection is tried.
    if (err instanceof TypeError && /REDIS_URL/.test(err.message)) return fail(BENCH_EXIT.usage, err.message);
    if (isStreamBackendError(err, 'CONNECTION')) {
      const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? ` (${err.cause.message})` : '';
      return fail(BENCH_EXIT.unreachable, connectionFailureMessage(describeUrl(url ?? DEFAULT_REDIS_CONNECTION_OPTIONS.url), `${err.message}${cause}`));
    }
    if (isStreamBackendError(err, 'UNSUPPORTED')) return fail(BENCH_EXIT.unreachable, err.message);
    return fail(BENCH_EXIT.failed, `failed against ${describeUrl(url ?? DEFAULT_REDIS_CONNECTION_OPTIONS.url)}: ${(err as Error).message}`);
  }
}

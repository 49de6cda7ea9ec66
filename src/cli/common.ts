/**
 * What every operator command shares: exit codes, the error type that carries one, the connection
 * flags (resolved through the one config resolver), number/duration flag parsing and the runner
 * that turns any failure into one line on stderr and a meaningful exit status.
 */
import type { Argv } from 'yargs';
import { isConfigError, resolveStreamsConfig, type StreamsConfig } from '../config.js';
import { isStreamBackendError } from '../streams/backend.js';

/** Exit statuses of every command (documented in docs/OPERATIONS.md). */
export const EXIT = Object.freeze({
  /** Healthy, or the command did what was asked. */
  ok: 0,
  /** A check failed (health thresholds, a FAIL in redis-health), or some selected entries could not be replayed. */
  problems: 1,
  /** Bad flag or argument, unknown stream, group or entry, or a refused destructive command. */
  usage: 2,
  /** Redis could not be reached (or the connection was lost). */
  unreachable: 3,
});

/** Stable codes of CliError. */
export type CliErrorCode = 'USAGE' | 'NOT_FOUND' | 'REFUSED' | 'UNREACHABLE';

const EXIT_BY_CODE: Record<CliErrorCode, number> = { USAGE: EXIT.usage, NOT_FOUND: EXIT.usage, REFUSED: EXIT.usage, UNREACHABLE: EXIT.unreachable };

/** A failure a command reports to the operator as one line, with its exit status. */
export class CliError extends Error {
  readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
  /** The process exit status for this error. */
  get exitCode(): number {
    return EXIT_BY_CODE[this.code];
  }
}

/** True when err is a CliError (optionally with this code). */
export function isCliError(err: unknown, code?: CliErrorCode): err is CliError {
  return err instanceof CliError && (code === undefined || err.code === code);
}

/** The exit status for any error a command throws. */
export function exitCodeFor(err: unknown): number {
  if (isCliError(err)) return err.exitCode;
  if (isConfigError(err)) return EXIT.usage;
  if (isStreamBackendError(err, 'CONNECTION')) return EXIT.unreachable;
  if (isStreamBackendError(err, 'NOGROUP') || isStreamBackendError(err, 'BAD_ARGUMENT')) return EXIT.usage;
  return EXIT.problems;
}

/** Where a command writes; the bins pass process streams, tests may pass buffers. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (watch mode clears the screen only then). */
  isTTY: boolean;
  /** Colour in tables; default: isTTY. processIO sets it from `useColor`. */
  color?: boolean;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM=dumb. */
export function useColor(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

/** The process's stdout and stderr as a CliIO. */
export function processIO(): CliIO {
  return {
    out: (t) => void process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => void process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    isTTY: Boolean(process.stdout.isTTY),
    color: useColor(Boolean(process.stdout.isTTY)),
  };
}

/** Connection flags shared by the stream commands (undefined when absent: the env or default applies). */
export interface ConnectionFlags {
  redisUrl?: string | undefined;
  prefix?: string | undefined;
  json?: boolean | undefined;
}

/** The parsed connection flags (prefix is undefined where the command has no --prefix). */
export type ConnectionArgv = { 'redis-url': string | undefined; prefix: string | undefined; json: boolean };

/** Adds --redis-url (and --prefix unless told not to) and --json to a yargs parser. */
export function withConnectionFlags<T>(y: Argv<T>, opts: { prefix?: boolean } = {}): Argv<T & ConnectionArgv> {
  const withPrefix = opts.prefix !== false;
  const out = y
    .option('redis-url', { type: 'string', describe: 'redis:// or rediss:// URL, with ACL user and password [env REDIS_URL, default redis://127.0.0.1:6379]' })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable JSON on stdout' });
  if (!withPrefix) return out.group(['redis-url', 'json'], 'Connection and output:') as Argv<T & ConnectionArgv>;
  return out
    .option('prefix', { type: 'string', describe: 'key prefix of the streams [env STREAMS_PREFIX, default sa]' })
    .group(['redis-url', 'prefix', 'json'], 'Connection and output:');
}

/** Settles the common yargs behaviour: strict flags, --help, and a bad flag as one line with exit 2. */
export function strictParser<T>(y: Argv<T>, tool: string): Argv<T> {
  return y
    .scriptName(tool)
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      process.stderr.write(`${tool}: ${oneLine(msg ?? err?.message ?? 'invalid arguments')} (see --help)\n`);
      process.exit(EXIT.usage);
    });
}

/** Resolves flags over env and defaults (the shared resolver); refuses the memory shim, which has nothing to inspect. */
export function resolveToolConfig(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): StreamsConfig {
  const cfg = resolveStreamsConfig({ redisUrl: flags.redisUrl, prefix: flags.prefix } as Partial<StreamsConfig>, env);
  if (cfg.redisUrl === 'memory') throw new CliError('USAGE', 'REDIS_URL=memory is the in-process shim: there is no server to inspect; give a redis:// URL');
  return cfg;
}

/** A yargs coerce function: a non-negative number (an integer when asked). */
export function numberArg(flag: string, opts: { integer?: boolean; min?: number; max?: number } = {}): (v: unknown) => number {
  return (v) => {
    const n = typeof v === 'number' ? v : Number(String(v).trim());
    const min = opts.min ?? 0;
    const max = opts.max ?? Number.POSITIVE_INFINITY;
    if (String(v).trim() === '' || !Number.isFinite(n) || n < min || n > max || (opts.integer && !Number.isInteger(n))) {
      const range = Number.isFinite(max) ? `from ${min} to ${max}` : `>= ${min}`;
      throw new Error(`--${flag} must be ${opts.integer ? 'an integer' : 'a number'} ${range}, got "${String(v)}"`);
    }
    return n;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration like '500ms', '30s', '10m', '2h', '7d' or plain milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration (use e.g. 500ms, 30s, 10m, 2h, 7d)`);
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!);
}

/** A yargs coerce function for a duration flag. */
export function durationArg(flag: string): (v: unknown) => number {
  return (v) => {
    try {
      return parseDuration(String(v));
    } catch (err) {
      throw new Error(`--${flag}: ${(err as Error).message}`);
    }
  };
}

/**
 * The one wording of a connection failure, for every command: credentials refused (a wrong
 * password, or none where one is needed) or unreachable. `where` is the masked URL or node list.
 */
export function connectionFailureMessage(where: string, detail: string): string {
  const d = oneLine(detail).replace(/^cannot reach Redis( at \S+)?: /, '');
  if (/NOAUTH|WRONGPASS|NOPERM|invalid username-password|Authentication required/i.test(d)) {
    return `Redis at ${where} refused the credentials (wrong or missing password/user): ${d}`;
  }
  return `cannot reach Redis at ${where}: ${d}`;
}

/** Collapses a message to one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Masks the password of every redis:// or rediss:// URL inside a text. */
export function maskPasswords(text: string): string {
  return text.replace(/(rediss?:\/\/[^:@/\s]*:)[^@/\s]+@/g, '$1***@');
}

/** The one-line message for an error; URLs inside it are masked. */
export function errorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return oneLine(maskPasswords(text));
}

/** Runs a command: its result is the exit status; any error becomes `tool: message` on stderr and its status. */
export async function runTool(tool: string, io: CliIO, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    io.err(`${tool}: ${errorMessage(err)}`);
    return exitCodeFor(err);
  }
}

/** Ends the process with `code` once stdout and stderr are flushed (ioredis may keep timers alive briefly). */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

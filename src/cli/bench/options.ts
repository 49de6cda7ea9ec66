/** Options of the write benchmark (`streams-bench`), their defaults, and the one check of them. */

/** What one write benchmark run does. */
export interface WriteBenchOptions {
  /** redis:// or rediss:// URL. */
  redisUrl: string;
  /** Key prefix (STREAMS_PREFIX). */
  prefix: string;
  /** Topic written to (the envelopes' type). */
  topic: string;
  /** Envelopes written in total. */
  count: number;
  /** Size of each envelope's payload, as JSON bytes. */
  payloadBytes: number;
  /** Envelopes per appendMany call (one pipeline, one round trip). */
  pipeline: number;
  /** RedisStreamBackend instances writing concurrently, each with its own connection. */
  connections: number;
  /** Delete what was written once done (default; `--keep` turns it off). */
  cleanup: boolean;
}

/** Defaults, written once; the CLI flags default to these. */
export const DEFAULT_WRITE_BENCH_OPTIONS: Readonly<Omit<WriteBenchOptions, 'redisUrl' | 'prefix'>> = Object.freeze({
  topic: 'bench.write',
  count: 100_000,
  payloadBytes: 400,
  pipeline: 64,
  connections: 4,
  cleanup: true,
});

/** Largest accepted payload: the runtime's default entry limit is 1 MiB. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** An option that cannot be used, naming the option. */
export class BenchOptionError extends Error {
  readonly code = 'BENCH_BAD_OPTION';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
    this.name = 'BenchOptionError';
  }
}

/** True when err is a BenchOptionError. */
export function isBenchOptionError(err: unknown): err is BenchOptionError {
  return err instanceof BenchOptionError;
}

const TOPIC_RE = /^[A-Za-z0-9._-]+$/;

function integer(option: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BenchOptionError(option, `--${option} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Merges options over the defaults and checks them; throws BenchOptionError naming the bad one. */
export function resolveWriteBenchOptions(given: Partial<WriteBenchOptions> & Pick<WriteBenchOptions, 'redisUrl' | 'prefix'>): WriteBenchOptions {
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as typeof given;
  const o: WriteBenchOptions = { ...DEFAULT_WRITE_BENCH_OPTIONS, ...defined };
  integer('count', o.count, 1, 1_000_000_000);
  integer('payload-bytes', o.payloadBytes, 0, MAX_PAYLOAD_BYTES);
  integer('pipeline', o.pipeline, 1, 100_000);
  integer('connections', o.connections, 1, 1_000);
  if (typeof o.topic !== 'string' || !TOPIC_RE.test(o.topic))
    throw new BenchOptionError('topic', `--topic must match ${TOPIC_RE} (letters, digits, . _ -), got "${String(o.topic)}"`);
  return o;
}

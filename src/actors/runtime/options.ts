import type { ActorDefinition, BackoffOptions } from '../types.js';

/** Backoff defaults: 100 ms, doubling, capped at 30 s, +-20 % jitter. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 100, maxMs: 30_000, multiplier: 2, jitter: 0.2 });

/** Every actor option's default, written once. */
export const DEFAULT_ACTOR_OPTIONS: Readonly<Omit<ActorDefinition, 'name' | 'consumes' | 'handle'>> = Object.freeze({
  emits: [],
  writes: [],
  batchSize: 64,
  concurrency: 16,
  maxAttempts: 5,
  maxDeliveries: 5,
  backoff: DEFAULT_BACKOFF,
  claimIdleMs: 30_000,
  maxHandlerMs: 300_000,
  heartbeatMs: 5_000,
  idempotencyTtlMs: 7 * 24 * 3600_000,
  maxEntryBytes: 1024 * 1024,
  startId: '0',
  redactDeadLetters: false,
  steps: Object.freeze([]),
});

/** Process-wide runtime settings. */
export interface RuntimeOptions {
  /** How long one blocking read waits before looping (shutdown aborts it early anyway). */
  blockMs: number;
  /** How often due delayed entries (scheduled emits, retries) are moved onto their streams. */
  promoteIntervalMs: number;
  /** How often the safe trim runs; 0 disables it. */
  trimIntervalMs: number;
  /** Acknowledged entries younger than this are kept for replay. */
  retentionMs: number;
  /** Operator cap on stream length that may drop unread entries (off: 0). */
  maxLenCap: number;
  /** Dead letters older than this are removed from the DLQs of the topics this runtime consumes, counted and logged (0 keeps them forever). Runs with the trim. */
  dlqRetentionMs: number;
  /** Operator cap on each DLQ's length: older dead letters beyond it are removed, counted and logged (off: 0). */
  dlqMaxLen: number;
  /** Wait this long after an infrastructure error (Redis down) before trying again; doubles up to errorBackoffMaxMs. */
  errorBackoffMs: number;
  /** Cap of the doubling wait after infrastructure errors. */
  errorBackoffMaxMs: number;
  /** Shortest wait between two idle-entry claim passes that found nothing (the pass otherwise runs every claimIdleMs / 2). */
  claimIntervalMinMs: number;
  /** Delayed entries moved per promote call; a full batch is followed at once by another. */
  promoteBatchSize: number;
  /** A heartbeat lives this many heartbeat intervals, so one late beat does not make a live consumer look dead. */
  heartbeatTtlBeats: number;
  /** How long a graceful stop waits for in-flight work before giving up. */
  shutdownTimeoutMs: number;
  /** With an OpenTelemetry SDK: one `create <topic>` span per output envelope (off: outputs carry their `process` span's context; docs/TRACING.md). */
  traceCreateSpans: boolean;
}

/** Runtime defaults. */
export const DEFAULT_RUNTIME_OPTIONS: Readonly<RuntimeOptions> = Object.freeze({
  blockMs: 1_000,
  promoteIntervalMs: 100,
  trimIntervalMs: 60_000,
  retentionMs: 3600_000,
  maxLenCap: 0,
  dlqRetentionMs: 30 * 24 * 3600_000,
  dlqMaxLen: 0,
  errorBackoffMs: 100,
  errorBackoffMaxMs: 5_000,
  claimIntervalMinMs: 50,
  promoteBatchSize: 1_000,
  heartbeatTtlBeats: 3,
  shutdownTimeoutMs: 30_000,
  traceCreateSpans: false,
});

/** Shapes of a causal trace (see trace.ts), shared by the reader, the tree builder and the renderer. */
import { compareIds } from '../streams/backend.js';

/** Which envelope field the query matched. */
export type TraceMatch = 'envelope-id' | 'correlation-id' | 'idempotency-key';

/**
 * What one actor (consumer group) did with one envelope:
 * - `processed`: committed (its idempotency marker exists, or its outputs are on the streams);
 * - `retrying`: acked, a later attempt waits in the actor's retry backoff (no marker, no dead letter yet);
 * - `dead-lettered`: ended in the DLQ (see `deadLetter` for the reason);
 * - `duplicate`: skipped, an earlier envelope with the same idempotency key was processed;
 * - `in-flight`: delivered to a consumer, not committed yet (in the group's pending entries list);
 * - `unread`: the group has not read that far yet.
 */
export type TraceOutcome = 'processed' | 'retrying' | 'dead-lettered' | 'duplicate' | 'in-flight' | 'unread';

/** One stored copy of an envelope: the original on its topic, or a retry on an actor's retry stream. */
export interface TraceCopy {
  kind: 'topic' | 'retry';
  stream: string;
  id: string;
  attempt: number;
  /** Time the entry was appended (from its stream id), epoch ms. */
  atMs: number;
}

/** A DLQ entry of one envelope. */
export interface TraceDeadLetter {
  /** DLQ stream key and entry id. */
  stream: string;
  id: string;
  actor: string;
  reason: string;
  /** Error text, as stored (redacted when it was written). */
  error: string;
  attempts: number;
  failedAt: string;
  /** Where the input was read from. */
  source: string;
  sourceId: string;
}

/** One actor's handling of one envelope. */
export interface TraceConsumer {
  actor: string;
  outcome: TraceOutcome;
  /** Attempts seen (1 unless retried). */
  attempts: number;
  /** The retry copies this actor made (attempt > 1), oldest first. */
  retries: TraceCopy[];
  deadLetter?: TraceDeadLetter;
}

/** One hop of the flow: an envelope, where it is stored, who consumed it, and what it caused. */
export interface TraceNode {
  envelopeId: string;
  /** Envelope type, which is also its topic. */
  type: string;
  correlationId: string;
  causationId: string | null;
  idempotencyKey: string;
  createdAt: string;
  traceparent?: string;
  partition: number;
  /** Stream key and entry id of the original copy (for an envelope seen only in a DLQ: where it was read from). */
  stream: string;
  streamId: string;
  /** When the original was appended (epoch ms, from its stream id). */
  atMs: number;
  /** Milliseconds between the cause's append and this one's; null for a root. */
  sinceCauseMs: number | null;
  /** Highest attempt seen over every copy. */
  attempts: number;
  /** True for the envelope(s) the query named (every node of the flow for a correlation id). */
  matched: boolean;
  /** Set when an earlier envelope with the same idempotency key and type was seen: its id. */
  duplicateOf?: string;
  copies: TraceCopy[];
  consumers: TraceConsumer[];
  children: TraceNode[];
}

/** Counters of a trace read. */
export interface TraceStats {
  streamsScanned: number;
  entriesScanned: number;
  envelopes: number;
  deadLetters: number;
  /** True when maxEntries was reached before every stream was read: the tree may be incomplete. */
  truncated: boolean;
}

/** The causal tree of the flow(s) a query matched. */
export interface TraceResult {
  query: string;
  /** null when nothing matched. */
  matchedBy: TraceMatch | null;
  correlationIds: string[];
  roots: TraceNode[];
  stats: TraceStats;
}

/** One stream entry of the flow, decoded (internal to the reader and builder). */
export interface TraceRecord {
  kind: 'topic' | 'retry' | 'dlq';
  partition: number;
  stream: string;
  id: string;
  env: {
    id: string;
    type: string;
    correlationId: string;
    idempotencyKey: string;
    causationId: string | null;
    createdAt: string;
    attempt: number;
    traceparent?: string;
  };
  deadLetter?: TraceDeadLetter;
}

/** Epoch ms of a stream id. */
export function idTimeMs(id: string): number {
  const ms = Number(id.split('-')[0]);
  return Number.isFinite(ms) ? ms : 0;
}

/** Orders stream ids; a malformed one sorts first instead of throwing. */
export function safeCompareIds(a: string, b: string): number {
  try {
    return compareIds(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

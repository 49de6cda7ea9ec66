/** Provenance of one record: where it came from and when (raw_row only when explicitly asked for). */
export interface Provenance {
  row_id?: string;
  /** stableHash of the row when it has no id (kept for records written before row_hash). */
  hash?: string;
  /** sha256 (hex) of the row's stable JSON: proves which version of the row was read. */
  row_hash?: string;
  source: string;
  retrieved_at: string;
  raw_row?: Record<string, unknown>;
}

/** One record carried by an envelope; any JSON fields plus optional provenance. */
export interface EnvelopeRecord {
  [field: string]: unknown;
  provenance?: Provenance;
}

/** Pagination block of envelope metadata. */
export interface Pagination {
  offset: number;
  limit: number;
  /** Rows this page actually holds (can be below limit on the last page). */
  returned?: number;
  has_more?: boolean;
}

/** Envelope metadata, as in the seed: where the data came from and how it was fetched. */
export interface EnvelopeMetadata {
  source: string;
  retrieved_at: string;
  query_filters?: Record<string, unknown>;
  total_count?: number;
  fallback?: boolean;
  cache?: 'hit' | 'miss' | 'bypass';
  pagination?: Pagination;
  [extra: string]: unknown;
}

/** The one shape every actor reads and writes. `type` is also the topic it is published on. */
export interface Envelope<P = unknown> {
  id: string;
  type: string;
  version: number;
  idempotencyKey: string;
  correlationId: string;
  causationId: string | null;
  partitionKey: string;
  createdAt: string;
  attempt: number;
  /** W3C trace context of the span that created this envelope (continued by every hop). */
  traceparent?: string;
  /** W3C tracestate (vendor data) that travels with traceparent. */
  tracestate?: string;
  metadata: EnvelopeMetadata;
  records: EnvelopeRecord[];
  payload: P;
}

/** Current envelope schema version. */
export const ENVELOPE_VERSION = 1;

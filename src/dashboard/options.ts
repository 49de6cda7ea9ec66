/** Options of the dashboard server, with their defaults in one place. */

/** How the dashboard listens, polls and guards writes. */
export interface DashboardOptions {
  /** Address to listen on; loopback unless the operator says otherwise. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Replay and purge are refused unless this is true. */
  allowWrites: boolean;
  /** Token every write must carry in the X-Dashboard-Token header; generated when writes are allowed and none is given. */
  token: string | null;
  /** Shortest time between two collections of the whole prefix, whatever the number of viewers. */
  pollIntervalMs: number;
  /** A collection taking T ms waits at least T × this before the next one (keeps Redis load bounded on big prefixes). */
  pollBackoffFactor: number;
  /** Stop polling when no page has asked for data for this long. */
  idleAfterMs: number;
  /** How much rate/lag history the server keeps for the charts. */
  historyMs: number;
  /** Largest request body accepted (replay/purge selections). */
  maxBodyBytes: number;
  /** Most dead letters one replay or purge may select. */
  maxSelection: number;
  /** Dead letters per page of the DLQ view. */
  dlqPageSize: number;
  /** Most DLQ entries one page request may read while filtering (keeps a filtered page bounded on 100k entries). */
  dlqScanLimit: number;
}

/** Defaults of DashboardOptions: 127.0.0.1:8080, read-only, one collection every 2 s at most. */
export const DEFAULT_DASHBOARD_OPTIONS: Readonly<DashboardOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  allowWrites: false,
  token: null,
  pollIntervalMs: 2_000,
  pollBackoffFactor: 3,
  idleAfterMs: 30_000,
  historyMs: 10 * 60_000,
  maxBodyBytes: 256 * 1024,
  maxSelection: 1_000,
  dlqPageSize: 50,
  dlqScanLimit: 5_000,
});

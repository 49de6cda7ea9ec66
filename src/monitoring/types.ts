/** Structured logger surface used everywhere (winston's Logger satisfies it). Metadata is redacted at the edge. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
  child(meta: Record<string, unknown>): Logger;
}

/** Custom counters an actor's handler may bump (registered lazily, labelled with the actor). */
export interface CustomMetrics {
  /** Adds `by` (default 1) to a counter named `<name>_total`. */
  increment(name: string, labels?: Record<string, string>, by?: number): void;
}

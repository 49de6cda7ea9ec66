/**
 * PersistenceService: the one way the application touches a store. It wraps an adapter with
 * table and column allowlists, a limit clamp, the contains->equality fallback for adapters
 * without ILIKE, metrics on an injected registry and optional traces. Actors that only read
 * get `readOnly()`, a facade that refuses every write.
 */
import type { Registry } from 'prom-client';
import { PersistenceNotAllowedError, isPersistenceError, isPersistenceNotAllowedError, isPersistencePermissionError } from './errors.js';
import { ReadOnlyPersistenceFacade } from './facade.js';
import { PersistenceMetrics } from './metrics.js';
import type { OperationOutcome } from './metrics.js';
import type { AdapterCapabilities, Filter, PersistenceAdapter, QueryOptions, QueryResult, ReadOnlyPersistence, Row } from './types.js';

/** The operations the service performs (metric and trace label `op`). */
export type PersistenceOperation = 'query' | 'getById' | 'columns' | 'insert' | 'upsert' | 'update' | 'delete';

/** One finished operation, for the optional trace callback. */
export interface PersistenceTraceEvent {
  op: PersistenceOperation;
  /** The table, or `_unlisted` for one outside the allowlist (refused names never reach metrics or traces). */
  table: string;
  /** Wall time in milliseconds. */
  ms: number;
  /** Rows returned or written (0 for columns and for failures). */
  rows: number;
  outcome: OperationOutcome;
  /** The error's stable code when the operation failed. */
  errorCode?: string;
  /** True when a `contains` filter was run as equality because the adapter lacks ILIKE. */
  containsFallback?: boolean;
}

/** Options of PersistenceService; defaults in DEFAULT_PERSISTENCE_SERVICE_OPTIONS. */
export interface PersistenceServiceOptions {
  /** Allowed tables, each with the columns that may be filtered, ordered, written and listed (`'*'`: any). */
  tables: Readonly<Record<string, readonly string[] | '*'>>;
  /** Upper bound of a query's limit; a query without a limit gets this many rows at most. */
  maxLimit: number;
  /** Registry for `persistence_*` metrics; none means no metrics. */
  registry?: Registry;
  /** Called after every operation; errors it throws are ignored. */
  onTrace?: (event: PersistenceTraceEvent) => void;
}

/**
 * Defaults: at most 500 rows per query (the RAG agent's RAG_MAX_LIMIT default, so the agent's own
 * limit is what applies), no metrics, no traces. There is no default allowlist: the caller names
 * its tables (`columnAllowlist(tables)` allows every column of each).
 */
export const DEFAULT_PERSISTENCE_SERVICE_OPTIONS: Readonly<Omit<PersistenceServiceOptions, 'tables'>> = Object.freeze({
  maxLimit: 500,
});

/** Label used for tables outside the allowlist, so callers cannot blow up metric cardinality. */
const UNLISTED_TABLE = '_unlisted';

/** Allowlisted, measured access to one adapter. */
export class PersistenceService implements ReadOnlyPersistence {
  readonly #adapter: PersistenceAdapter;
  readonly #opts: Readonly<PersistenceServiceOptions>;
  readonly #metrics: PersistenceMetrics | undefined;

  constructor(adapter: PersistenceAdapter, options: Pick<PersistenceServiceOptions, 'tables'> & Partial<PersistenceServiceOptions>) {
    const opts = { ...DEFAULT_PERSISTENCE_SERVICE_OPTIONS, ...options };
    if (typeof opts.tables !== 'object' || opts.tables === null)
      throw new TypeError('PersistenceService needs its table allowlist (tables: { name: columns | "*" }; columnAllowlist(specs) builds one)');
    if (!Number.isSafeInteger(opts.maxLimit) || opts.maxLimit < 1) throw new RangeError(`maxLimit must be a positive integer, got ${opts.maxLimit}`);
    this.#adapter = adapter;
    this.#opts = Object.freeze(opts);
    this.#metrics = opts.registry === undefined ? undefined : new PersistenceMetrics(opts.registry);
  }

  /** The adapter's capabilities. */
  get capabilities(): AdapterCapabilities {
    return this.#adapter.capabilities;
  }

  /** Name of the adapter behind (`memory`, `postgres`, `supabase`). */
  get adapterName(): string {
    return this.#adapter.name;
  }

  /** Filters and order must use allowed columns; limit is clamped to maxLimit; contains becomes eq without ILIKE. */
  query(table: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const fallback = !this.#adapter.capabilities.ilike && (opts.filters ?? []).some((f) => f.op === 'contains');
    return this.#run(
      'query',
      table,
      async () => {
        const filters = (opts.filters ?? []).map((f) => this.#filter(table, f));
        if (opts.orderBy !== undefined) this.#checkColumn(table, opts.orderBy.column);
        const limit = Math.min(opts.limit ?? this.#opts.maxLimit, this.#opts.maxLimit);
        const result = await this.#adapter.query(table, { ...opts, filters, limit });
        return { value: { ...result, limit }, rows: result.rows.length };
      },
      fallback,
    );
  }

  /** The row with this id, or null. */
  getById(table: string, id: string): Promise<Row | null> {
    return this.#run('getById', table, async () => {
      const row = await this.#adapter.getById(table, id);
      return { value: row, rows: row === null ? 0 : 1 };
    });
  }

  /** The table's columns that the allowlist lets callers use (all of them for a `'*'` table), in table order. */
  columns(table: string): Promise<string[]> {
    return this.#run('columns', table, async () => {
      const allowed = this.#allowedColumns(table);
      const all = await this.#adapter.columns(table);
      return { value: allowed === '*' ? all : all.filter((c) => allowed.includes(c)), rows: 0 };
    });
  }

  /** Inserts a row whose columns are all allowed. */
  insert(table: string, row: Row): Promise<Row> {
    return this.#run('insert', table, async () => {
      this.#checkRow(table, row);
      return { value: await this.#adapter.insert(table, row), rows: 1 };
    });
  }

  /** Idempotent write by conflict columns; `changed` is false when the stored row already matched. */
  upsert(table: string, row: Row, conflictColumns: string[]): Promise<{ row: Row; changed: boolean }> {
    return this.#run('upsert', table, async () => {
      this.#checkRow(table, row);
      for (const c of conflictColumns) this.#checkColumn(table, c);
      const result = await this.#adapter.upsert(table, row, conflictColumns);
      return { value: result, rows: result.changed ? 1 : 0 };
    });
  }

  /** Applies an allowed patch to the row with this id; null when there is none. */
  update(table: string, id: string, patch: Row): Promise<Row | null> {
    return this.#run('update', table, async () => {
      this.#checkRow(table, patch);
      const row = await this.#adapter.update(table, id, patch);
      return { value: row, rows: row === null ? 0 : 1 };
    });
  }

  /** Deletes the row with this id; false when there was none. */
  delete(table: string, id: string): Promise<boolean> {
    return this.#run('delete', table, async () => {
      const deleted = await this.#adapter.delete(table, id);
      return { value: deleted, rows: deleted ? 1 : 0 };
    });
  }

  /** A read-only view of this service (allowlists, metrics and traces apply); writes through it throw. */
  readOnly(): ReadOnlyPersistenceFacade {
    return new ReadOnlyPersistenceFacade(this);
  }

  /** Closes the adapter (which leaves injected pools/clients to their owners). */
  close(): Promise<void> {
    return this.#adapter.close();
  }

  #allowedColumns(table: string): readonly string[] | '*' {
    const allowed = Object.prototype.hasOwnProperty.call(this.#opts.tables, table) ? this.#opts.tables[table] : undefined;
    if (allowed === undefined) throw new PersistenceNotAllowedError({ table, reason: 'table' });
    return allowed;
  }

  #checkColumn(table: string, column: string): void {
    const allowed = this.#allowedColumns(table);
    if (allowed !== '*' && !allowed.includes(column)) throw new PersistenceNotAllowedError({ table, column, reason: 'column' });
  }

  #checkRow(table: string, row: Row): void {
    this.#allowedColumns(table);
    for (const column of Object.keys(row)) this.#checkColumn(table, column);
  }

  #filter(table: string, f: Filter): Filter {
    this.#checkColumn(table, f.column);
    return f.op === 'contains' && !this.#adapter.capabilities.ilike ? { ...f, op: 'eq' } : f;
  }

  /** Runs one operation with the table check, metrics and trace around it. */
  async #run<T>(op: PersistenceOperation, table: string, work: () => Promise<{ value: T; rows: number }>, containsFallback = false): Promise<T> {
    const started = performance.now();
    const listed = Object.prototype.hasOwnProperty.call(this.#opts.tables, table);
    const label = listed ? table : UNLISTED_TABLE;
    let outcome: OperationOutcome = 'ok';
    let rows = 0;
    let errorCode: string | undefined;
    try {
      this.#allowedColumns(table);
      const done = await work();
      rows = done.rows;
      return done.value;
    } catch (err) {
      outcome = isPersistenceNotAllowedError(err) || isPersistencePermissionError(err) ? 'denied' : 'error';
      errorCode = isPersistenceError(err) ? err.code : 'UNKNOWN';
      throw err;
    } finally {
      const ms = performance.now() - started;
      this.#metrics?.record(op, label, outcome, ms / 1000);
      this.#trace({ op, table: label, ms, rows, outcome, ...(errorCode ? { errorCode } : {}), ...(containsFallback ? { containsFallback } : {}) });
    }
  }

  #trace(event: PersistenceTraceEvent): void {
    if (this.#opts.onTrace === undefined) return;
    try {
      this.#opts.onTrace(event);
    } catch {
      // A broken trace sink must never fail a read or a write.
    }
  }
}

/**
 * Least privilege for writers: an actor that declares `writes: ['leads']` gets this, which reads
 * like the read-only facade and writes only the declared tables (through the PersistenceService,
 * so its allowlists still apply). Every other table is refused with PersistencePermissionError.
 * The source sits in a private field, so no property or cast reaches the full writer.
 */
import { PersistencePermissionError } from './errors.js';
import type { AdapterCapabilities, QueryOptions, QueryResult, ReadOnlyPersistence, Row } from './types.js';

/** A persistence that can also write (the PersistenceService is one). */
export interface WritablePersistence extends ReadOnlyPersistence {
  insert(table: string, row: Row): Promise<Row>;
  upsert(table: string, row: Row, conflictColumns: string[]): Promise<{ row: Row; changed: boolean }>;
  update(table: string, id: string, patch: Row): Promise<Row | null>;
  delete(table: string, id: string): Promise<boolean>;
}

/** Whether `p` has the write methods (a cast-proof read-only facade answers false: its writes only throw). */
export function isWritablePersistence(p: unknown): p is WritablePersistence {
  if (typeof p !== 'object' || p === null) return false;
  if (p.constructor?.name === 'ReadOnlyPersistenceFacade' || p.constructor?.name === 'TableWriter') return false;
  const w = p as Partial<WritablePersistence>;
  return typeof w.insert === 'function' && typeof w.upsert === 'function' && typeof w.update === 'function' && typeof w.delete === 'function';
}

/** Reads anything the source allows; writes only `tables`. */
export class TableWriter implements WritablePersistence {
  readonly #source: WritablePersistence;
  readonly #tables: ReadonlySet<string>;

  constructor(source: WritablePersistence, tables: readonly string[]) {
    this.#source = source;
    this.#tables = new Set(tables);
    Object.freeze(this);
  }

  /** The tables this writer may write. */
  get tables(): string[] {
    return [...this.#tables];
  }

  /** What the store behind can do (a copy). */
  get capabilities(): AdapterCapabilities {
    return Object.freeze({ ...this.#source.capabilities });
  }

  /** One page of rows plus the total that matched. */
  query(table: string, opts?: QueryOptions): Promise<QueryResult> {
    return this.#source.query(table, opts);
  }

  /** The row with this id, or null. */
  getById(table: string, id: string): Promise<Row | null> {
    return this.#source.getById(table, id);
  }

  /** The table's column names. */
  columns(table: string): Promise<string[]> {
    return this.#source.columns(table);
  }

  /** Inserts into a declared table. */
  async insert(table: string, row: Row): Promise<Row> {
    return this.#source.insert(this.#allowed('insert', table), row);
  }

  /** Idempotent write into a declared table. */
  async upsert(table: string, row: Row, conflictColumns: string[]): Promise<{ row: Row; changed: boolean }> {
    return this.#source.upsert(this.#allowed('upsert', table), row, conflictColumns);
  }

  /** Patches a row of a declared table. */
  async update(table: string, id: string, patch: Row): Promise<Row | null> {
    return this.#source.update(this.#allowed('update', table), id, patch);
  }

  /** Deletes a row of a declared table. */
  async delete(table: string, id: string): Promise<boolean> {
    return this.#source.delete(this.#allowed('delete', table), id);
  }

  #allowed(op: string, table: string): string {
    if (!this.#tables.has(table)) throw new PersistencePermissionError(op, String(table));
    return table;
  }
}

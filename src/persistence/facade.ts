/**
 * The least-privilege read surface handed to actors. It reads through whatever source it was
 * built on (the PersistenceService, so allowlists, metrics and traces still apply) and keeps
 * that source in a private field: no property, cast or JSON dump reaches the writer behind it.
 * The write methods exist only to refuse, so a JS caller or a cast gets a typed error, not a write.
 */
import { PersistencePermissionError } from './errors.js';
import type { AdapterCapabilities, QueryOptions, QueryResult, ReadOnlyPersistence, Row } from './types.js';

/** Read-only persistence: query/getById/columns/capabilities; every write throws PersistencePermissionError. */
export class ReadOnlyPersistenceFacade implements ReadOnlyPersistence {
  readonly #source: ReadOnlyPersistence;

  constructor(source: ReadOnlyPersistence) {
    this.#source = source;
    // No own properties can be added later (e.g. someone attaching the adapter for convenience).
    Object.freeze(this);
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

  /** Always throws PersistencePermissionError. */
  insert(table: string, _row?: Row): never {
    throw new PersistencePermissionError('insert', String(table));
  }

  /** Always throws PersistencePermissionError. */
  upsert(table: string, _row?: Row, _conflictColumns?: string[]): never {
    throw new PersistencePermissionError('upsert', String(table));
  }

  /** Always throws PersistencePermissionError. */
  update(table: string, _id?: string, _patch?: Row): never {
    throw new PersistencePermissionError('update', String(table));
  }

  /** Always throws PersistencePermissionError. */
  delete(table: string, _id?: string): never {
    throw new PersistencePermissionError('delete', String(table));
  }

  /** Always throws PersistencePermissionError: closing the store is its owner's job. */
  close(): never {
    throw new PersistencePermissionError('close', '*');
  }
}

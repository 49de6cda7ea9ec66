/**
 * One in-memory table with the constraints Postgres would enforce for the same TableSpec:
 * known columns only, NOT NULL, primary key and unique keys (NULLs never collide, as in SQL).
 * Rows are stored by reference here; the adapter copies on the way in and out.
 */
import { PersistenceAdapterError } from '../errors.js';
import type { TableSpec } from '../schema.js';
import type { Row } from '../types.js';

/** A table's rows and unique indexes. */
export class MemoryTable {
  readonly #rows = new Map<string, Row>();
  /** One index per unique key: JSON of the key's values -> primary key of the row holding them. */
  readonly #unique: { columns: readonly string[]; index: Map<string, string> }[];
  readonly #columns: ReadonlySet<string>;

  constructor(
    readonly spec: TableSpec,
    private readonly adapter: string,
  ) {
    this.#columns = new Set(spec.columns.map((c) => c.name));
    this.#unique = spec.unique.map((columns) => ({ columns, index: new Map<string, string>() }));
  }

  /** Column names in table order. */
  columnNames(): string[] {
    return this.spec.columns.map((c) => c.name);
  }

  /** True when the table has this column. */
  hasColumn(name: string): boolean {
    return this.#columns.has(name);
  }

  /** Stored rows (by reference), in insertion order. */
  rows(): IterableIterator<Row> {
    return this.#rows.values();
  }

  /** The stored row with this primary key value. */
  get(id: unknown): Row | undefined {
    return this.#rows.get(String(id));
  }

  /** True when `columns` is the primary key or one of the unique keys (what ON CONFLICT requires). */
  isUniqueKey(columns: readonly string[]): boolean {
    const same = (key: readonly string[]): boolean => key.length === columns.length && key.every((c) => columns.includes(c));
    return same([this.spec.primaryKey]) || this.spec.unique.some(same);
  }

  /** The stored row whose values in `columns` equal those of `row` (NULL matches nothing). */
  findBy(columns: readonly string[], row: Row): Row | undefined {
    if (columns.length === 1 && columns[0] === this.spec.primaryKey) return this.get(row[this.spec.primaryKey]);
    const unique = this.#unique.find((u) => u.columns.length === columns.length && u.columns.every((c) => columns.includes(c)));
    if (unique !== undefined) {
      const key = this.#keyOf(unique.columns, row);
      const id = key === null ? undefined : unique.index.get(key);
      return id === undefined ? undefined : this.#rows.get(id);
    }
    const key = this.#keyOf(columns, row);
    if (key === null) return undefined;
    for (const stored of this.#rows.values()) if (this.#keyOf(columns, stored) === key) return stored;
    return undefined;
  }

  /** Stores a complete new row (all columns present); throws on any constraint violation. */
  insert(row: Row, operation: string): Row {
    this.#check(row, operation);
    const id = String(row[this.spec.primaryKey]);
    if (this.#rows.has(id)) this.#fail(operation, 'conflict', `duplicate key: ${this.spec.primaryKey} = ${id}`, '23505');
    this.#checkUnique(row, undefined, operation);
    this.#rows.set(id, row);
    this.#index(row, id);
    return row;
  }

  /** Replaces the row stored under `id` with `next` (its primary key may change); throws on violations. */
  replace(id: string, next: Row, operation: string): Row {
    const prev = this.#rows.get(id);
    if (prev === undefined) this.#fail(operation, 'unknown', `no row with ${this.spec.primaryKey} = ${id}`);
    this.#check(next, operation);
    const nextId = String(next[this.spec.primaryKey]);
    if (nextId !== id && this.#rows.has(nextId)) {
      this.#fail(operation, 'conflict', `duplicate key: ${this.spec.primaryKey} = ${nextId}`, '23505');
    }
    this.#checkUnique(next, id, operation);
    this.#unindex(prev as Row);
    this.#rows.delete(id);
    this.#rows.set(nextId, next);
    this.#index(next, nextId);
    return next;
  }

  /** Removes the row with this primary key; false when there was none. */
  remove(id: string): boolean {
    const prev = this.#rows.get(id);
    if (prev === undefined) return false;
    this.#unindex(prev);
    return this.#rows.delete(id);
  }

  #check(row: Row, operation: string): void {
    for (const column of Object.keys(row)) {
      if (!this.#columns.has(column)) {
        this.#fail(operation, 'invalid_input', `column "${column}" of relation "${this.spec.name}" does not exist`, '42703');
      }
    }
    for (const column of this.spec.columns) {
      const required = column.notNull === true || column.name === this.spec.primaryKey;
      if (required && (row[column.name] === null || row[column.name] === undefined)) {
        this.#fail(operation, 'invalid_input', `null value in column "${column.name}" violates not-null constraint`, '23502');
      }
    }
  }

  #checkUnique(row: Row, selfId: string | undefined, operation: string): void {
    for (const { columns, index } of this.#unique) {
      const key = this.#keyOf(columns, row);
      const holder = key === null ? undefined : index.get(key);
      if (holder !== undefined && holder !== selfId) {
        this.#fail(operation, 'conflict', `duplicate key: (${columns.join(', ')}) already exists`, '23505');
      }
    }
  }

  #index(row: Row, id: string): void {
    for (const { columns, index } of this.#unique) {
      const key = this.#keyOf(columns, row);
      if (key !== null) index.set(key, id);
    }
  }

  #unindex(row: Row): void {
    for (const { columns, index } of this.#unique) {
      const key = this.#keyOf(columns, row);
      if (key !== null) index.delete(key);
    }
  }

  /** JSON of the key's values, or null when any is NULL (SQL unique keys ignore rows with NULLs). */
  #keyOf(columns: readonly string[], row: Row): string | null {
    const values = columns.map((c) => row[c]);
    return values.some((v) => v === null || v === undefined) ? null : JSON.stringify(values.map(String));
  }

  #fail(operation: string, reason: 'conflict' | 'invalid_input' | 'unknown', message: string, driverCode?: string): never {
    throw new PersistenceAdapterError({
      adapter: this.adapter,
      operation,
      table: this.spec.name,
      reason,
      message,
      ...(driverCode === undefined ? {} : { driverCode }),
    });
  }
}

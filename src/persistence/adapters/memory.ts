/**
 * In-memory PersistenceAdapter for offline tests and the demo. It mirrors what the Postgres
 * adapter does wherever the contract suite can observe it: constraints, NULL ordering, stable
 * paging by primary key, case-insensitive contains, upsert `changed`. Rows handed out are copies.
 */
import { systemClock } from '../../clock.js';
import type { Clock } from '../../clock.js';
import { PersistenceAdapterError } from '../errors.js';
import type { TableSpec } from '../schema.js';
import type { AdapterCapabilities, Filter, PersistenceAdapter, QueryOptions, QueryResult, Row } from '../types.js';
import { checkConflictColumns, comparedColumns, definedEntries, pagingOf, sameValue, updatedColumns } from './common.js';
import { MemoryTable } from './memory-table.js';

/** Options of the memory adapter. */
export interface MemoryAdapterOptions {
  /** Table descriptions (always the caller's; `[]` to rely on seeded tables only); unknown tables are an error, as in a database. */
  tables: readonly TableSpec[];
  /** Initial rows per table. A seeded table without a spec gets one inferred from its rows (primary key `id`). */
  seed?: Record<string, Row[]>;
  /** Fills `defaultNow` columns on insert. */
  clock: Clock;
}

/** Defaults: no seed, the wall clock. There is no default for `tables`: the generic adapter knows no application's tables. */
export const DEFAULT_MEMORY_ADAPTER_OPTIONS: Readonly<Omit<MemoryAdapterOptions, 'tables'>> = Object.freeze({
  clock: systemClock,
});

const NAME = 'memory';

/** Tables in a Map; every call works on copies so callers can never mutate stored state. */
export class MemoryAdapter implements PersistenceAdapter {
  readonly name = NAME;
  readonly capabilities: AdapterCapabilities = Object.freeze({ ilike: true });
  readonly #tables = new Map<string, MemoryTable>();
  readonly #clock: Clock;

  constructor(options: Pick<MemoryAdapterOptions, 'tables'> & Partial<MemoryAdapterOptions>) {
    const opts = { ...DEFAULT_MEMORY_ADAPTER_OPTIONS, ...options };
    if (!Array.isArray(opts.tables)) throw new TypeError('MemoryAdapter needs its tables (TableSpec[]; [] to infer them from the seed)');
    this.#clock = opts.clock;
    for (const spec of opts.tables) this.#tables.set(spec.name, new MemoryTable(spec, NAME));
    for (const [table, rows] of Object.entries(opts.seed ?? {})) {
      if (!this.#tables.has(table)) this.#tables.set(table, new MemoryTable(inferSpec(table, rows), NAME));
      for (const row of rows) this.#insertInto(table, row, 'seed');
    }
  }

  /** Matching rows, ordered (then by primary key, so pages are stable), with the total before paging. */
  async query(table: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const t = this.#table(table, 'query');
    const { offset, limit } = pagingOf(opts, NAME, table);
    const filters = opts.filters ?? [];
    for (const f of filters) this.#checkColumn(t, f.column, 'query');
    const order = opts.orderBy;
    if (order !== undefined) this.#checkColumn(t, order.column, 'query');
    const matched = [...t.rows()].filter((row) => filters.every((f) => matches(row, f)));
    const pk = t.spec.primaryKey;
    matched.sort((a, b) => {
      const primary = order === undefined ? 0 : compareCells(a[order.column], b[order.column], order.direction ?? 'asc');
      return primary !== 0 ? primary : compareCells(a[pk], b[pk], 'asc');
    });
    const page = matched.slice(offset, limit === undefined ? undefined : offset + limit);
    return { rows: page.map(copy), total: matched.length };
  }

  /** A copy of the row with this primary key, or null. */
  async getById(table: string, id: string): Promise<Row | null> {
    const row = this.#table(table, 'getById').get(id);
    return row === undefined ? null : copy(row);
  }

  /** Column names in table order. */
  async columns(table: string): Promise<string[]> {
    return this.#table(table, 'columns').columnNames();
  }

  /** Inserts a new row (missing columns NULL, `defaultNow` columns stamped); duplicate keys are a conflict error. */
  async insert(table: string, row: Row): Promise<Row> {
    return copy(this.#insertInto(table, row, 'insert'));
  }

  /** Inserts, or updates the row matching on `conflictColumns`; unchanged (ignoring timestamps) means `changed: false`. */
  async upsert(table: string, row: Row, conflictColumns: string[]): Promise<{ row: Row; changed: boolean }> {
    const t = this.#table(table, 'upsert');
    const given = definedEntries(row);
    checkConflictColumns(given, conflictColumns, NAME, table);
    for (const c of conflictColumns) this.#checkColumn(t, c, 'upsert');
    if (!t.isUniqueKey(conflictColumns)) {
      throw new PersistenceAdapterError({
        adapter: NAME,
        operation: 'upsert',
        table,
        reason: 'invalid_input',
        driverCode: '42P10',
        message: `no unique constraint matches the conflict columns (${conflictColumns.join(', ')})`,
      });
    }
    const existing = t.findBy(conflictColumns, given);
    if (existing === undefined) return { row: copy(this.#insertInto(table, row, 'upsert')), changed: true };
    for (const c of Object.keys(given)) this.#checkColumn(t, c, 'upsert');
    const compared = comparedColumns(given, conflictColumns);
    if (compared.every((c) => sameValue(existing[c], given[c]))) return { row: copy(existing), changed: false };
    const next: Row = { ...existing };
    for (const c of updatedColumns(given, conflictColumns)) next[c] = copy(given[c]);
    const stored = t.replace(String(existing[t.spec.primaryKey]), next, 'upsert');
    return { row: copy(stored), changed: true };
  }

  /** Applies `patch` to the row with this id; null when there is none. */
  async update(table: string, id: string, patch: Row): Promise<Row | null> {
    const t = this.#table(table, 'update');
    const existing = t.get(id);
    if (existing === undefined) return null;
    const given = definedEntries(patch);
    const next: Row = { ...existing, ...copy(given) };
    return copy(t.replace(String(existing[t.spec.primaryKey]), next, 'update'));
  }

  /** Deletes the row with this id; false when there was none. */
  async delete(table: string, id: string): Promise<boolean> {
    return this.#table(table, 'delete').remove(String(id));
  }

  /** Nothing to release. */
  async close(): Promise<void> {}

  #insertInto(table: string, row: Row, operation: string): Row {
    const t = this.#table(table, operation);
    const given = copy(definedEntries(row));
    const full: Row = {};
    const now = new Date(this.#clock.now()).toISOString();
    for (const column of t.spec.columns) {
      full[column.name] = given[column.name] ?? (column.defaultNow === true ? now : null);
    }
    // Unknown columns stay in so the table's check reports them, as Postgres would.
    for (const [k, v] of Object.entries(given)) if (!t.hasColumn(k)) full[k] = v;
    return t.insert(full, operation);
  }

  #table(name: string, operation: string): MemoryTable {
    const t = this.#tables.get(name);
    if (t === undefined) {
      throw new PersistenceAdapterError({
        adapter: NAME,
        operation,
        table: name,
        reason: 'missing_table',
        driverCode: '42P01',
        message: `relation "${name}" does not exist`,
      });
    }
    return t;
  }

  #checkColumn(t: MemoryTable, column: string, operation: string): void {
    if (!t.hasColumn(column)) {
      throw new PersistenceAdapterError({
        adapter: NAME,
        operation,
        table: t.spec.name,
        reason: 'invalid_input',
        driverCode: '42703',
        message: `column "${column}" does not exist`,
      });
    }
  }
}

/** A spec for a seeded table nobody described: its columns are the union of the rows' keys. */
function inferSpec(name: string, rows: Row[]): TableSpec {
  const names = new Set<string>(['id']);
  for (const row of rows) for (const k of Object.keys(row)) names.add(k);
  return {
    name,
    primaryKey: 'id',
    columns: [...names].map((n) => ({ name: n, type: 'text' as const })),
    unique: [],
    indexes: [],
  };
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Text form of a cell for contains: JSON for objects (as `jsonb::text` would give), String otherwise. */
function cellText(cell: unknown): string {
  return typeof cell === 'object' && cell !== null ? JSON.stringify(cell) : String(cell);
}

function matches(row: Row, f: Filter): boolean {
  const cell = row[f.column];
  if (f.op === 'contains') {
    if (f.value === null || cell === null || cell === undefined) return false;
    return cellText(cell).toLowerCase().includes(String(f.value).toLowerCase());
  }
  if (f.value === null) return cell === null || cell === undefined;
  if (cell === null || cell === undefined) return false;
  // Postgres casts the parameter to the column's type, so 5 matches '5' and vice versa.
  return cell === f.value || cellText(cell) === String(f.value);
}

/** SQL ordering: NULLs last ascending and first descending; numbers numerically, text by code point. */
function compareCells(a: unknown, b: unknown, direction: 'asc' | 'desc'): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  let result: number;
  if (aNull || bNull) result = aNull === bNull ? 0 : aNull ? 1 : -1;
  else if (typeof a === 'number' && typeof b === 'number') result = a - b;
  else {
    const sa = cellText(a);
    const sb = cellText(b);
    result = sa < sb ? -1 : sa > sb ? 1 : 0;
  }
  return direction === 'desc' ? -result : result;
}

/**
 * PersistenceAdapter on PostgreSQL through `pg`. Also serves a Supabase project's direct
 * Postgres connection. Table metadata (columns, json columns, primary key) comes from the
 * catalog once per table and is cached; every statement is parameterised (postgres-sql.ts).
 */
import pg from 'pg';
import type { CustomTypesConfig, Pool, QueryResultRow } from 'pg';
import { PersistenceAdapterError, wrapDriverError } from '../errors.js';
import type { AdapterCapabilities, PersistenceAdapter, QueryOptions, QueryResult, Row } from '../types.js';
import { checkConflictColumns, comparedColumns, definedEntries, pagingOf, updatedColumns } from './common.js';
import * as sql from './postgres-sql.js';
import type { Statement, TableRef } from './postgres-sql.js';

/** Options of the Postgres adapter: a connection string (the adapter owns and closes its pool) or an injected pool (never closed by us). */
export interface PostgresAdapterOptions {
  connectionString?: string;
  pool?: Pool;
  /** Schema holding the tables; tests use an isolated one. */
  schema: string;
  /** Size of an owned pool. */
  poolMax: number;
}

/** Defaults: schema `public`, an owned pool of 10 connections. */
export const DEFAULT_POSTGRES_ADAPTER_OPTIONS: Readonly<PostgresAdapterOptions> = Object.freeze({
  schema: 'public',
  poolMax: 10,
});

const NAME = 'postgres';
const TIMESTAMPTZ_OID = 1184;
const TIMESTAMP_OID = 1114;
const INT8_OID = 20;

/**
 * Per-query type parsers (never pg's global ones, which every pool in the process shares):
 * timestamps come back as ISO strings and counts as numbers, so rows are JSON-able and look
 * like the memory adapter's.
 */
const ROW_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    const base = pg.types.getTypeParser(oid, (format ?? 'text') as 'text');
    if (oid === TIMESTAMPTZ_OID || oid === TIMESTAMP_OID) {
      return (value: string) => {
        const parsed: unknown = base(value);
        return parsed instanceof Date && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : value;
      };
    }
    if (oid === INT8_OID) {
      return (value: string) => (Number.isSafeInteger(Number(value)) ? Number(value) : value);
    }
    return base;
  }) as CustomTypesConfig['getTypeParser'],
};

interface TableMeta {
  columns: string[];
  ref: TableRef;
}

/** Postgres implementation of the persistence seam. */
export class PostgresAdapter implements PersistenceAdapter {
  readonly name = NAME;
  readonly capabilities: AdapterCapabilities = Object.freeze({ ilike: true });
  readonly schema: string;
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #meta = new Map<string, Promise<TableMeta>>();
  #closed = false;

  constructor(options: Partial<PostgresAdapterOptions>) {
    const opts = { ...DEFAULT_POSTGRES_ADAPTER_OPTIONS, ...options };
    sql.ident(opts.schema, opts.schema);
    this.schema = opts.schema;
    if (opts.pool !== undefined) {
      this.#pool = opts.pool;
      this.#ownsPool = false;
    } else if (opts.connectionString !== undefined) {
      this.#pool = new pg.Pool({ connectionString: opts.connectionString, max: opts.poolMax });
      this.#ownsPool = true;
      // An idle client losing its connection emits 'error' on the pool; unhandled, that would
      // crash the process. The next query reports the outage as a PersistenceAdapterError instead.
      this.#pool.on('error', () => {});
    } else {
      throw new TypeError('PostgresAdapter needs a connectionString or a pool');
    }
  }

  /** One page plus the total before paging; pages are ordered by the requested column, then the primary key. */
  async query(table: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const paging = pagingOf(opts, NAME, table);
    const { ref } = await this.#table(table, 'query');
    const filters = opts.filters ?? [];
    const stmt = sql.selectPage(ref, { filters, offset: paging.offset, limit: paging.limit, ...(opts.orderBy ? { orderBy: opts.orderBy } : {}) });
    const rows = await this.#run('query', table, stmt);
    if (rows.length === 0) {
      // Past the last page (or with limit 0) no row carries the window count: ask for it directly.
      const mayHaveMore = paging.offset > 0 || paging.limit === 0;
      const total = mayHaveMore ? Number((await this.#run('query', table, sql.countRows(ref, filters)))[0]?.n ?? 0) : 0;
      return { rows: [], total };
    }
    const total = Number(rows[0]?.[sql.TOTAL_COLUMN] ?? rows.length);
    return { rows: rows.map((r) => strip(r, sql.TOTAL_COLUMN)), total };
  }

  /** The row with this primary key, or null. */
  async getById(table: string, id: string): Promise<Row | null> {
    const { ref } = await this.#table(table, 'getById');
    const rows = await this.#run('getById', table, sql.selectById(ref, id));
    return rows[0] ?? null;
  }

  /** Column names in table order (from information_schema). */
  async columns(table: string): Promise<string[]> {
    return [...(await this.#table(table, 'columns')).columns];
  }

  /** INSERT ... RETURNING *; a duplicate key is a PersistenceAdapterError with reason `conflict`. */
  async insert(table: string, row: Row): Promise<Row> {
    const { ref } = await this.#table(table, 'insert');
    const rows = await this.#run('insert', table, sql.insertRow(ref, definedEntries(row)));
    return rows[0] as Row;
  }

  /** INSERT ... ON CONFLICT DO UPDATE only when a non-timestamp column differs; `changed` says whether it wrote. */
  async upsert(table: string, row: Row, conflictColumns: string[]): Promise<{ row: Row; changed: boolean }> {
    const given = definedEntries(row);
    checkConflictColumns(given, conflictColumns, NAME, table);
    const { ref } = await this.#table(table, 'upsert');
    const stmt = sql.upsertRow(ref, given, conflictColumns, comparedColumns(given, conflictColumns), updatedColumns(given, conflictColumns));
    const rows = await this.#run('upsert', table, stmt);
    const first = rows[0];
    if (first !== undefined) return { row: strip(first, sql.CHANGED_COLUMN), changed: first[sql.CHANGED_COLUMN] === true };
    // A concurrent transaction inserted the row after our snapshot and nothing differed: read it now.
    const again = await this.#run('upsert', table, sql.selectByColumns(ref, given, conflictColumns));
    if (again[0] === undefined) {
      throw new PersistenceAdapterError({ adapter: NAME, operation: 'upsert', table, reason: 'unknown', message: 'upsert returned no row' });
    }
    return { row: again[0], changed: false };
  }

  /** UPDATE ... RETURNING *; null when no row has this id. */
  async update(table: string, id: string, patch: Row): Promise<Row | null> {
    const given = definedEntries(patch);
    if (Object.keys(given).length === 0) return this.getById(table, id);
    const { ref } = await this.#table(table, 'update');
    const rows = await this.#run('update', table, sql.updateRow(ref, id, given));
    return rows[0] ?? null;
  }

  /** DELETE by primary key; false when no row had this id. */
  async delete(table: string, id: string): Promise<boolean> {
    const { ref } = await this.#table(table, 'delete');
    const result = await this.#exec('delete', table, sql.deleteRow(ref, id));
    return (result.rowCount ?? 0) > 0;
  }

  /** Ends the pool if this adapter created it; an injected pool is left open for its owner. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsPool) await this.#pool.end();
  }

  /** Forgets cached table metadata (after a migration changed tables under a live adapter). */
  forgetTables(): void {
    this.#meta.clear();
  }

  #table(table: string, operation: string): Promise<TableMeta> {
    sql.ident(table, table);
    let meta = this.#meta.get(table);
    if (meta === undefined) {
      meta = this.#loadMeta(table, operation);
      this.#meta.set(table, meta);
      // A failed lookup (table missing, server down) must not be cached.
      meta.catch(() => this.#meta.delete(table));
    }
    return meta;
  }

  async #loadMeta(table: string, operation: string): Promise<TableMeta> {
    const cols = await this.#run(operation, table, sql.selectColumns(this.schema, table));
    if (cols.length === 0) {
      throw new PersistenceAdapterError({
        adapter: NAME,
        operation,
        table,
        reason: 'missing_table',
        driverCode: '42P01',
        message: `relation "${this.schema}.${table}" does not exist`,
      });
    }
    const pk = await this.#run(operation, table, sql.selectPrimaryKey(this.schema, table));
    const typeOf = (type: string) => cols.filter((c) => c.data_type === type).map((c) => String(c.column_name));
    const json = [...typeOf('json'), ...typeOf('jsonb')];
    return {
      columns: cols.map((c) => String(c.column_name)),
      ref: {
        schema: this.schema,
        table,
        primaryKey: pk.length === 1 ? String(pk[0]?.column_name) : 'id',
        jsonColumns: new Set(json),
        plainJsonColumns: new Set(typeOf('json')),
      },
    };
  }

  async #run(operation: string, table: string, stmt: Statement): Promise<Row[]> {
    return (await this.#exec(operation, table, stmt)).rows;
  }

  async #exec(operation: string, table: string, stmt: Statement): Promise<pg.QueryResult<QueryResultRow>> {
    try {
      return await this.#pool.query({ text: stmt.text, values: stmt.values, types: ROW_TYPES });
    } catch (err) {
      // 42703 (unknown column) may mean the table changed since we cached it.
      if ((err as { code?: unknown }).code === '42703') this.#meta.delete(table);
      throw wrapDriverError(err, NAME, operation, table);
    }
  }
}

function strip(row: Row, column: string): Row {
  const { [column]: _dropped, ...rest } = row;
  return rest;
}

/**
 * PersistenceAdapter on Supabase's REST API (PostgREST through @supabase/supabase-js), for
 * deployments that only have a project URL and key. With a direct Postgres connection string,
 * prefer PostgresAdapter: it upserts in one statement and knows columns of empty tables.
 *
 * Limitations (PostgREST, not us):
 * - `columns()` reads the keys of one row; an empty table falls back to the column list of its
 *   spec in the `tables` option, and an empty table without one yields [].
 * - In `contains`, PostgREST treats `*` as a wildcard like `%`; `%`, `_` and `\` are escaped.
 * - `upsert` reads the current row first and writes only when something differs, so `changed`
 *   is exact except when two writers race on the same key.
 */
import { createClient } from '@supabase/supabase-js';
import type { SupabaseClient, WebSocketLikeConstructor } from '@supabase/supabase-js';
import { wrapDriverError } from '../errors.js';
import { columnNames, type TableSpec } from '../schema.js';
import type { AdapterCapabilities, Filter, PersistenceAdapter, QueryOptions, QueryResult, Row } from '../types.js';
import { checkConflictColumns, comparedColumns, definedEntries, pagingOf, sameValue, updatedColumns } from './common.js';
import { escapeLike } from './postgres-sql.js';

/** Options of the Supabase adapter: a project URL and key, or an injected client. */
export interface SupabaseAdapterOptions {
  url?: string;
  /** The project key (service role for writers). Passed in, never hard-coded. */
  key?: string;
  client?: SupabaseClient;
  /** Postgres schema exposed by the project's API. */
  schema: string;
  /** Primary key column of every table. */
  primaryKey: string;
  /** Specs of the tables, for the columns of an empty one (PostgREST exposes no catalog). */
  tables: readonly TableSpec[];
}

/** Defaults: schema `public`, primary key `id`, no table specs. */
export const DEFAULT_SUPABASE_ADAPTER_OPTIONS: Readonly<SupabaseAdapterOptions> = Object.freeze({
  schema: 'public',
  primaryKey: 'id',
  tables: Object.freeze([]),
});

const NAME = 'supabase';
/** Upper bound used for "no limit" with an offset (PostgREST paging needs both ends). */
const UNBOUNDED = 1_000_000_000;

/** What every PostgREST call resolves to. */
interface Response {
  data: unknown;
  error: { message: string; code?: string } | null;
  count?: number | null;
}

/** Stands in for a WebSocket class: the adapter never opens realtime channels, so constructing one is a bug. */
const RealtimeUnused = class {
  constructor(_address: string | URL) {
    throw new Error('SupabaseAdapter does not use realtime channels');
  }
  // Never instantiated, so it need not implement the WebSocket surface.
} as unknown as WebSocketLikeConstructor;

/** Supabase implementation of the persistence seam. */
export class SupabaseAdapter implements PersistenceAdapter {
  readonly name = NAME;
  readonly capabilities: AdapterCapabilities = Object.freeze({ ilike: true });
  readonly #client: SupabaseClient;
  readonly #pk: string;
  readonly #tables: readonly TableSpec[];

  constructor(options: Partial<SupabaseAdapterOptions>) {
    const opts = { ...DEFAULT_SUPABASE_ADAPTER_OPTIONS, ...options };
    this.#pk = opts.primaryKey;
    this.#tables = opts.tables;
    if (opts.client !== undefined) this.#client = opts.client;
    else if (opts.url !== undefined && opts.key !== undefined) {
      this.#client = createClient(opts.url, opts.key, {
        auth: { persistSession: false, autoRefreshToken: false },
        db: { schema: opts.schema },
        // We never subscribe; without a transport, createClient throws on Node 20 (no global WebSocket).
        realtime: { transport: RealtimeUnused },
      }) as unknown as SupabaseClient;
    } else throw new TypeError('SupabaseAdapter needs a url and key, or a client');
  }

  /** select('*', { count: 'exact' }) with eq/ilike filters, order (then primary key) and range. */
  async query(table: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const { offset, limit } = pagingOf(opts, NAME, table);
    let q = this.#client.from(table).select('*', { count: 'exact' });
    for (const f of opts.filters ?? []) q = applyFilter(q, f);
    if (opts.orderBy !== undefined) q = q.order(opts.orderBy.column, { ascending: opts.orderBy.direction !== 'desc' });
    if (opts.orderBy?.column !== this.#pk) q = q.order(this.#pk, { ascending: true });
    if (limit !== undefined || offset > 0) q = q.range(offset, offset + (limit ?? UNBOUNDED) - 1);
    const res = await this.#call('query', table, q);
    const rows = (res.data as Row[] | null) ?? [];
    return { rows, total: res.count ?? rows.length };
  }

  /** The row with this primary key, or null. */
  async getById(table: string, id: string): Promise<Row | null> {
    const res = await this.#call('getById', table, this.#client.from(table).select('*').eq(this.#pk, id).maybeSingle());
    return (res.data as Row | null) ?? null;
  }

  /** Keys of one row; for an empty table, the columns of its spec in `tables` (PostgREST exposes no catalog). */
  async columns(table: string): Promise<string[]> {
    const res = await this.#call('columns', table, this.#client.from(table).select('*').limit(1));
    const first = ((res.data as Row[] | null) ?? [])[0];
    if (first !== undefined) return Object.keys(first);
    const spec = this.#tables.find((t) => t.name === table);
    return spec === undefined ? [] : columnNames(spec);
  }

  /** insert(...).select().single(); a duplicate key is reason `conflict`. */
  async insert(table: string, row: Row): Promise<Row> {
    const res = await this.#call('insert', table, this.#client.from(table).insert(definedEntries(row)).select('*').single());
    return res.data as Row;
  }

  /** Reads the current row by the conflict columns; writes only when a non-timestamp column differs. */
  async upsert(table: string, row: Row, conflictColumns: string[]): Promise<{ row: Row; changed: boolean }> {
    const given = definedEntries(row);
    checkConflictColumns(given, conflictColumns, NAME, table);
    let lookup = this.#client.from(table).select('*');
    for (const c of conflictColumns) lookup = lookup.eq(c, given[c] as string);
    const found = await this.#call('upsert', table, lookup.limit(1));
    const existing = ((found.data as Row[] | null) ?? [])[0];
    if (existing === undefined) {
      const write = this.#client
        .from(table)
        .upsert(given, { onConflict: conflictColumns.join(',') })
        .select('*')
        .single();
      return { row: (await this.#call('upsert', table, write)).data as Row, changed: true };
    }
    if (comparedColumns(given, conflictColumns).every((c) => sameValue(existing[c], given[c]))) {
      return { row: existing, changed: false };
    }
    const patch: Row = {};
    for (const c of updatedColumns(given, conflictColumns)) patch[c] = given[c];
    let write = this.#client.from(table).update(patch);
    for (const c of conflictColumns) write = write.eq(c, given[c] as string);
    const res = await this.#call('upsert', table, write.select('*').single());
    return { row: res.data as Row, changed: true };
  }

  /** update(patch).eq(pk, id); null when no row has this id. */
  async update(table: string, id: string, patch: Row): Promise<Row | null> {
    const given = definedEntries(patch);
    if (Object.keys(given).length === 0) return this.getById(table, id);
    const res = await this.#call('update', table, this.#client.from(table).update(given).eq(this.#pk, id).select('*').maybeSingle());
    return (res.data as Row | null) ?? null;
  }

  /** delete().eq(pk, id) with an exact count; false when no row had this id. */
  async delete(table: string, id: string): Promise<boolean> {
    const res = await this.#call('delete', table, this.#client.from(table).delete({ count: 'exact' }).eq(this.#pk, id));
    return (res.count ?? 0) > 0;
  }

  /** The REST client holds no connection; nothing to release. */
  async close(): Promise<void> {}

  async #call(operation: string, table: string, request: PromiseLike<Response>): Promise<Response> {
    let res: Response;
    try {
      res = await request;
    } catch (err) {
      throw wrapDriverError(err, NAME, operation, table);
    }
    if (res.error !== null) {
      const { code, message } = res.error;
      throw wrapDriverError({ code, message }, NAME, operation, table);
    }
    return res;
  }
}

/** The filter builder methods we use (typed loosely: tables are not known at compile time). */
interface FilterBuilder<T> {
  eq(column: string, value: unknown): T;
  is(column: string, value: null): T;
  ilike(column: string, pattern: string): T;
}

function applyFilter<T extends FilterBuilder<T>>(q: T, f: Filter): T {
  if (f.op === 'contains') {
    // NULL contains nothing: a filter no row passes (ids are never NULL).
    if (f.value === null) return q.is(f.column, null).eq(f.column, '');
    return q.ilike(f.column, `%${escapeLike(String(f.value))}%`);
  }
  return f.value === null ? q.is(f.column, null) : q.eq(f.column, f.value);
}

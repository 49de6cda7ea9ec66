/**
 * SQL text for the Postgres adapter, as pure functions. Values always travel as $n parameters;
 * identifiers (schema, table, column) are checked against a strict pattern and then quoted, so
 * nothing a caller passes can change the statement's shape.
 */
import { PersistenceNotAllowedError } from '../errors.js';
import type { Filter, Row } from '../types.js';

/** A statement and its parameters. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** What the builders need to know about a table. */
export interface TableRef {
  schema: string;
  table: string;
  /** Primary key column (used for getById/update/delete and as the paging tie-break). */
  primaryKey: string;
  /** Columns of type json/jsonb: their values are sent as JSON text. */
  jsonColumns: ReadonlySet<string>;
  /** Columns of type json (not jsonb): compared through a jsonb cast, since json has no equality. */
  plainJsonColumns: ReadonlySet<string>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Extra column the list query adds for the window count; stripped from rows. */
export const TOTAL_COLUMN = '__sa_total';
/** Extra column the upsert query adds; stripped from rows. */
export const CHANGED_COLUMN = '__sa_changed';

/** Validates and double-quotes an identifier; anything outside /^[a-z_][a-z0-9_]*$/ is refused. */
export function ident(name: string, table: string): string {
  if (!IDENTIFIER.test(name)) throw new PersistenceNotAllowedError({ table, column: name, reason: 'identifier' });
  return `"${name}"`;
}

/** `"schema"."table"`, both validated. */
export function qualified(ref: Pick<TableRef, 'schema' | 'table'>): string {
  return `${ident(ref.schema, ref.table)}.${ident(ref.table, ref.table)}`;
}

/** Escapes LIKE metacharacters (`\`, `%`, `_`) so the value matches literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** A parameter value in wire form: JSON text for json columns, the value otherwise. */
export function param(ref: TableRef, column: string, value: unknown): unknown {
  if (ref.jsonColumns.has(column) && value !== null && value !== undefined) return JSON.stringify(value);
  return value;
}

/** Appends a value to `values` and returns its placeholder. */
function bind(values: unknown[], value: unknown): string {
  values.push(value);
  return `$${values.length}`;
}

/** WHERE clause for filters (empty string when none). */
function whereOf(ref: TableRef, filters: readonly Filter[], values: unknown[]): string {
  const parts = filters.map((f) => {
    const col = ident(f.column, ref.table);
    if (f.op === 'contains') {
      if (f.value === null) return 'FALSE';
      return `CAST(${col} AS text) ILIKE '%' || ${bind(values, escapeLike(String(f.value)))} || '%' ESCAPE E'\\\\'`;
    }
    if (f.value === null) return `${col} IS NULL`;
    const cast = ref.jsonColumns.has(f.column) ? `CAST(${col} AS text)` : col;
    return `${cast} = ${bind(values, f.value)}`;
  });
  return parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`;
}

/** One page of a table plus the window total (count before OFFSET/LIMIT), stably ordered. */
export function selectPage(
  ref: TableRef,
  opts: { filters: readonly Filter[]; orderBy?: { column: string; direction?: 'asc' | 'desc' }; offset: number; limit: number | undefined },
): Statement {
  const values: unknown[] = [];
  const where = whereOf(ref, opts.filters, values);
  const pk = ident(ref.primaryKey, ref.table);
  const order: string[] = [];
  if (opts.orderBy !== undefined) {
    order.push(`${ident(opts.orderBy.column, ref.table)} ${opts.orderBy.direction === 'desc' ? 'DESC' : 'ASC'}`);
  }
  if (opts.orderBy?.column !== ref.primaryKey) order.push(`${pk} ASC`);
  let text = `SELECT *, count(*) OVER() AS "${TOTAL_COLUMN}" FROM ${qualified(ref)}${where} ORDER BY ${order.join(', ')}`;
  if (opts.offset > 0) text += ` OFFSET ${bind(values, opts.offset)}`;
  if (opts.limit !== undefined) text += ` LIMIT ${bind(values, opts.limit)}`;
  return { text, values };
}

/** The count of matching rows (used when a page past the end has no row to carry the window total). */
export function countRows(ref: TableRef, filters: readonly Filter[]): Statement {
  const values: unknown[] = [];
  return { text: `SELECT count(*) AS n FROM ${qualified(ref)}${whereOf(ref, filters, values)}`, values };
}

/** The row with this primary key. */
export function selectById(ref: TableRef, id: string): Statement {
  return { text: `SELECT * FROM ${qualified(ref)} WHERE ${ident(ref.primaryKey, ref.table)} = $1`, values: [id] };
}

/** Column names and types of a table, in order. */
export function selectColumns(schema: string, table: string): Statement {
  return {
    text: 'SELECT column_name, data_type FROM information_schema.columns ' + 'WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
    values: [schema, table],
  };
}

/** The primary key column(s) of a table. */
export function selectPrimaryKey(schema: string, table: string): Statement {
  return {
    text:
      'SELECT a.attname AS column_name FROM pg_index i ' +
      'JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) ' +
      'WHERE i.indisprimary AND i.indrelid = to_regclass($1)',
    values: [qualified({ schema, table })],
  };
}

/** INSERT ... RETURNING *. */
export function insertRow(ref: TableRef, row: Row): Statement {
  const cols = Object.keys(row);
  if (cols.length === 0) return { text: `INSERT INTO ${qualified(ref)} DEFAULT VALUES RETURNING *`, values: [] };
  const values: unknown[] = [];
  const placeholders = cols.map((c) => bind(values, param(ref, c, row[c])));
  const names = cols.map((c) => ident(c, ref.table)).join(', ');
  return { text: `INSERT INTO ${qualified(ref)} (${names}) VALUES (${placeholders.join(', ')}) RETURNING *`, values };
}

/**
 * One-statement upsert that reports whether it changed anything. The update runs only when a
 * compared column differs (IS DISTINCT FROM, so NULLs compare sanely); when it does not, the
 * second branch returns the untouched row, visible in the statement's snapshot.
 */
export function upsertRow(ref: TableRef, row: Row, conflict: readonly string[], compared: readonly string[], updated: readonly string[]): Statement {
  const cols = Object.keys(row);
  const values: unknown[] = [];
  const placeholder = new Map<string, string>();
  for (const c of cols) placeholder.set(c, bind(values, param(ref, c, row[c])));
  const table = qualified(ref);
  const q = (c: string): string => ident(c, ref.table);
  const cmp = (prefix: string, c: string): string => (ref.plainJsonColumns.has(c) ? `CAST(${prefix}.${q(c)} AS jsonb)` : `${prefix}.${q(c)}`);
  const action =
    compared.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${updated.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ')} ` +
        `WHERE (${compared.map((c) => cmp('t', c)).join(', ')}) IS DISTINCT FROM (${compared.map((c) => cmp('EXCLUDED', c)).join(', ')})`;
  const match = conflict.map((c) => `t.${q(c)} = ${placeholder.get(c) ?? 'NULL'}`).join(' AND ');
  const text =
    `WITH up AS (INSERT INTO ${table} AS t (${cols.map(q).join(', ')}) VALUES (${[...placeholder.values()].join(', ')}) ` +
    `ON CONFLICT (${conflict.map(q).join(', ')}) ${action} RETURNING t.*) ` +
    `SELECT up.*, TRUE AS "${CHANGED_COLUMN}" FROM up ` +
    `UNION ALL SELECT t.*, FALSE AS "${CHANGED_COLUMN}" FROM ${table} AS t WHERE ${match} AND NOT EXISTS (SELECT 1 FROM up)`;
  return { text, values };
}

/** The row matching the conflict columns (fallback when a concurrent insert hid it from the upsert's snapshot). */
export function selectByColumns(ref: TableRef, row: Row, columns: readonly string[]): Statement {
  const values: unknown[] = [];
  const where = columns.map((c) => `${ident(c, ref.table)} = ${bind(values, param(ref, c, row[c]))}`).join(' AND ');
  return { text: `SELECT * FROM ${qualified(ref)} WHERE ${where}`, values };
}

/** UPDATE ... SET ... WHERE pk = $n RETURNING *. */
export function updateRow(ref: TableRef, id: string, patch: Row): Statement {
  const values: unknown[] = [];
  const sets = Object.keys(patch).map((c) => `${ident(c, ref.table)} = ${bind(values, param(ref, c, patch[c]))}`);
  const where = `${ident(ref.primaryKey, ref.table)} = ${bind(values, id)}`;
  return { text: `UPDATE ${qualified(ref)} SET ${sets.join(', ')} WHERE ${where} RETURNING *`, values };
}

/** DELETE ... WHERE pk = $1. */
export function deleteRow(ref: TableRef, id: string): Statement {
  return { text: `DELETE FROM ${qualified(ref)} WHERE ${ident(ref.primaryKey, ref.table)} = $1`, values: [id] };
}

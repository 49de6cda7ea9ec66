/**
 * Tables as data: a TableSpec drives the Postgres DDL (migrate.ts), the memory adapter's constraints
 * and the service's allowlists. The lead app's tables are in lead/tables.ts.
 */

/** The column types the domain uses (Postgres names). */
export type ColumnType = 'text' | 'integer' | 'jsonb' | 'timestamptz';

/** One column. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** NOT NULL (primary keys are always not null). */
  readonly notNull?: boolean;
  /** Filled with the current time on insert when the row does not give it. */
  readonly defaultNow?: boolean;
}

/** One table: columns in order, its primary key, unique keys and secondary indexes. */
export interface TableSpec {
  readonly name: string;
  readonly primaryKey: string;
  readonly columns: readonly ColumnSpec[];
  /** Unique keys besides the primary key (each a list of columns). */
  readonly unique: readonly (readonly string[])[];
  /** Plain b-tree indexes (each a list of columns). */
  readonly indexes: readonly (readonly string[])[];
}

/** Columns that record when, not what: upserts ignore them when deciding whether a row changed. */
export const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'updated_at']);

/** Column names of a table spec, in order. */
export function columnNames(spec: TableSpec): string[] {
  return spec.columns.map((c) => c.name);
}

/** Table -> column names for these tables: the PersistenceService allowlist that lets callers use every column of each. */
export function columnAllowlist(tables: readonly TableSpec[]): Record<string, readonly string[]> {
  return Object.fromEntries(tables.map((t) => [t.name, Object.freeze(columnNames(t))]));
}

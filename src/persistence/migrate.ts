/**
 * Creates the given tables in a Postgres schema, idempotently, from their specs (schema.ts: the
 * same specs the memory adapter enforces), and seeds rows through any adapter. The lead app's
 * tables and seeds are wired in lead/database.ts.
 */
import pg from 'pg';
import type { Pool } from 'pg';
import { wrapDriverError } from './errors.js';
import { ident } from './adapters/postgres-sql.js';
import type { TableSpec } from './schema.js';
import type { PersistenceAdapter, Row } from './types.js';

/** Options of migrate(). */
export interface MigrateOptions {
  /** Schema to create the tables in (created if missing). */
  schema: string;
  /** Tables to create (always the caller's). */
  tables: readonly TableSpec[];
}

/** Defaults: schema `public`; there is no default for `tables`. */
export const DEFAULT_MIGRATE_OPTIONS: Readonly<Omit<MigrateOptions, 'tables'>> = Object.freeze({ schema: 'public' });

/** The statements that create one table and its indexes (all IF NOT EXISTS). */
export function tableDdl(spec: TableSpec, schema: string): string[] {
  const q = (name: string): string => ident(name, spec.name);
  const table = `${q(schema)}.${q(spec.name)}`;
  const columns = spec.columns.map((c) => {
    const parts = [q(c.name), c.type];
    if (c.name === spec.primaryKey) parts.push('PRIMARY KEY');
    else if (c.notNull === true) parts.push('NOT NULL');
    if (c.defaultNow === true) parts.push('DEFAULT now()');
    return parts.join(' ');
  });
  const uniques = spec.unique.map((cols) => `UNIQUE (${cols.map(q).join(', ')})`);
  const create = `CREATE TABLE IF NOT EXISTS ${table} (${[...columns, ...uniques].join(', ')})`;
  // Unique keys already have an index (e.g. leads.email); these are the extra lookup paths.
  const indexes = spec.indexes.map((cols) => `CREATE INDEX IF NOT EXISTS ${q(`${spec.name}_${cols.join('_')}_idx`)} ON ${table} (${cols.map(q).join(', ')})`);
  return [create, ...indexes];
}

/** Creates the schema and its tables if missing; safe to run concurrently and repeatedly. Returns the tables ensured. */
export async function migrate(target: Pool | string, options: Pick<MigrateOptions, 'tables'> & Partial<MigrateOptions>): Promise<string[]> {
  const opts = { ...DEFAULT_MIGRATE_OPTIONS, ...options };
  if (!Array.isArray(opts.tables)) throw new TypeError('migrate needs the tables to create (TableSpec[])');
  const schema = ident(opts.schema, opts.schema);
  const statements = [`CREATE SCHEMA IF NOT EXISTS ${schema}`, ...opts.tables.flatMap((t) => tableDdl(t, opts.schema))];
  const pool = typeof target === 'string' ? new pg.Pool({ connectionString: target, max: 1 }) : target;
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Two processes migrating at once would race on IF NOT EXISTS (duplicate pg_type rows): serialise them.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`stream-actors:migrate:${opts.schema}`]);
      for (const statement of statements) await client.query(statement);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  } catch (err) {
    throw wrapDriverError(err, 'postgres', 'migrate');
  } finally {
    if (typeof target === 'string') await pool.end();
  }
  return opts.tables.map((t) => t.name);
}

/** How a seed went: rows written (new or different) and rows already up to date. */
export interface SeedResult {
  written: number;
  unchanged: number;
}

/** Upserts rows of one table by id through any adapter; running it twice writes nothing the second time. */
export async function seedRows(adapter: PersistenceAdapter, table: string, rows: readonly Row[]): Promise<SeedResult> {
  const result: SeedResult = { written: 0, unchanged: 0 };
  for (const row of rows) {
    const { changed } = await adapter.upsert(table, row, ['id']);
    if (changed) result.written += 1;
    else result.unchanged += 1;
  }
  return result;
}

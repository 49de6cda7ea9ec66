/**
 * Where Postgres-backed tests get a real PostgreSQL: DATABASE_URL, else the machine's local
 * server (postgres://postgres@127.0.0.1:5432/test, trust auth) if it answers. Each call makes
 * its own schema `sa_test_<random>`, migrated with the domain tables, and `close()` drops it:
 * tests never touch anything outside their schema. With REQUIRE_POSTGRES=1 (CI) finding no
 * server is a failure; otherwise the caller gets null and a visible skip line is printed.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Pool } from 'pg';
import { redactCredentials } from '../../src/persistence/errors.js';
import { required, unavailable } from './skip.js';
import { migrateLeadTables } from '../../src/persistence/lead/database.js';

/** The local server tried when DATABASE_URL is not set. */
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A migrated, isolated schema on a real server. */
export interface TestPostgres {
  pool: Pool;
  schema: string;
  /** Connection string (may hold a password: print it through redactCredentials). */
  url: string;
  /** Drops the schema and ends the pool. */
  close(): Promise<void>;
}

/** A fresh migrated schema, or null when no server answers (with REQUIRE_POSTGRES=1 this throws instead). */
export async function testPostgres(label = 'postgres tests'): Promise<TestPostgres | null> {
  const url = process.env.DATABASE_URL || LOCAL_POSTGRES_URL;
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 3000 });
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const why = `no PostgreSQL answers at ${redactCredentials(url)} (${(err as Error).message})`;
    if (required('postgres')) throw new Error(`REQUIRE_POSTGRES=1 but ${why}`);
    console.log(`  skipped: ${label} need PostgreSQL: ${why}; set DATABASE_URL, or REQUIRE_POSTGRES=1 to make this a failure`);
    return null;
  }
  const schema = `sa_test_${randomBytes(6).toString('hex')}`;
  await migrateLeadTables(pool, { schema });
  let closed = false;
  return {
    pool,
    schema,
    url,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
}

let probe: Promise<string | null> | null = null;

/** Why PostgreSQL suites cannot run here, or null when a server answers (probed once per run; throws under REQUIRE_POSTGRES=1). */
export function postgresSkipReason(): Promise<string | null> {
  probe ??= (async () => {
    const url = process.env.DATABASE_URL || LOCAL_POSTGRES_URL;
    const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 3000 });
    pool.on('error', () => {});
    try {
      await pool.query('SELECT 1');
      return null;
    } catch (err) {
      return unavailable('postgres', false, `no PostgreSQL answers at ${redactCredentials(url)} (${(err as Error).message}); set DATABASE_URL`);
    } finally {
      await pool.end().catch(() => undefined);
    }
  })();
  return probe;
}

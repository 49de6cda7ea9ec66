/**
 * The lead app's persistence wiring, the database half: the store the environment selects, the
 * lead tables' migration and seeding. Loads the Postgres and Supabase drivers (the CLI uses it;
 * the in-process demo uses ./persistence.ts only).
 */
import type { Pool } from 'pg';
import { persistenceFromEnv, type PersistenceEnv, type PersistenceSetup } from '../config.js';
import { migrate, seedRows, type MigrateOptions, type SeedResult } from '../migrate.js';
import type { PersistenceServiceOptions } from '../service.js';
import type { PersistenceAdapter, Row } from '../types.js';
import { leadSchema } from './persistence.js';
import { DOMAIN_TABLES } from './tables.js';

/** The store the environment selects (DATABASE_URL, SUPABASE_URL + SUPABASE_KEY, else memory with mock leads), with the lead tables allow-listed. */
export function leadPersistenceFromEnv(env: PersistenceEnv = process.env, options: Partial<PersistenceServiceOptions> = {}): PersistenceSetup {
  return persistenceFromEnv(env, leadSchema(), options);
}

/** Creates the lead tables (leads, drafts, audit, campaigns) in a Postgres schema; idempotent. */
export function migrateLeadTables(target: Pool | string, options: Partial<MigrateOptions> = {}): Promise<string[]> {
  return migrate(target, { tables: DOMAIN_TABLES, ...options });
}

/** Upserts leads by id through any adapter; running it twice writes nothing the second time. */
export function seedLeads(adapter: PersistenceAdapter, rows: readonly Row[]): Promise<SeedResult> {
  return seedRows(adapter, 'leads', rows);
}

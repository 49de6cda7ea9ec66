/**
 * The lead app's persistence wiring: the generic layer (adapters, service, migrations, the
 * environment's choice of store) given the lead tables, and for the memory store the deterministic
 * mock leads and demo campaigns. The CLI, the demo and the lead pipeline build their stores here;
 * the generic layer itself knows no application's tables.
 */
import type { Pool } from 'pg';
import { MemoryAdapter, type MemoryAdapterOptions } from '../adapters/memory.js';
import { persistenceFromEnv, type PersistenceEnv, type PersistenceSchema, type PersistenceSetup } from '../config.js';
import { migrate, seedRows, type MigrateOptions, type SeedResult } from '../migrate.js';
import { columnAllowlist } from '../schema.js';
import { PersistenceService, type PersistenceServiceOptions } from '../service.js';
import type { PersistenceAdapter, Row } from '../types.js';
import { mockCampaigns } from './mock-campaigns.js';
import { generateMockLeads } from './mock-leads.js';
import { DOMAIN_TABLES } from './tables.js';

/** Leads seeded into the memory store when the environment selects no database. */
export const DEFAULT_MOCK_LEAD_COUNT = 200;

/** The lead app's tables, and for a memory store `mockLeads` mock leads and the demo campaigns. */
export function leadSchema(mockLeads: number = DEFAULT_MOCK_LEAD_COUNT): PersistenceSchema {
  return {
    tables: DOMAIN_TABLES,
    memorySeed: () => ({ leads: generateMockLeads(mockLeads), campaigns: mockCampaigns() }),
    memoryNote: `${mockLeads} mock leads, ${mockCampaigns().length} campaigns`,
  };
}

/** The store the environment selects (DATABASE_URL, SUPABASE_URL + SUPABASE_KEY, else memory with mock leads), with the lead tables allow-listed. */
export function leadPersistenceFromEnv(env: PersistenceEnv = process.env, options: Partial<PersistenceServiceOptions> = {}): PersistenceSetup {
  return persistenceFromEnv(env, leadSchema(), options);
}

/** A memory store with the lead tables' constraints; seeded with what `options.seed` gives (nothing by default). */
export function leadMemoryAdapter(options: Partial<MemoryAdapterOptions> = {}): MemoryAdapter {
  return new MemoryAdapter({ tables: DOMAIN_TABLES, ...options });
}

/** The PersistenceService over an adapter, every column of the lead tables allow-listed (options win). */
export function leadPersistenceService(adapter: PersistenceAdapter, options: Partial<PersistenceServiceOptions> = {}): PersistenceService {
  return new PersistenceService(adapter, { tables: columnAllowlist(DOMAIN_TABLES), ...options });
}

/** Creates the lead tables (leads, drafts, audit, campaigns) in a Postgres schema; idempotent. */
export function migrateLeadTables(target: Pool | string, options: Partial<MigrateOptions> = {}): Promise<string[]> {
  return migrate(target, { tables: DOMAIN_TABLES, ...options });
}

/** Upserts leads by id through any adapter; running it twice writes nothing the second time. */
export function seedLeads(adapter: PersistenceAdapter, rows: readonly Row[]): Promise<SeedResult> {
  return seedRows(adapter, 'leads', rows);
}

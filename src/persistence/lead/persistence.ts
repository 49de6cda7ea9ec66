/**
 * The lead app's persistence wiring, the light half: the generic memory adapter and service given
 * the lead tables, and the lead schema (tables plus the memory store's mock leads and demo
 * campaigns). No database driver is loaded from here (the demo imports it); the environment's
 * choice of store, migrations and seeding are in ./database.ts. The generic layer itself knows
 * no application's tables.
 */
import { MemoryAdapter, type MemoryAdapterOptions } from '../adapters/memory.js';
import type { PersistenceSchema } from '../config.js';
import { columnAllowlist } from '../schema.js';
import { PersistenceService, type PersistenceServiceOptions } from '../service.js';
import type { PersistenceAdapter } from '../types.js';
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

/** A memory store with the lead tables' constraints; seeded with what `options.seed` gives (nothing by default). */
export function leadMemoryAdapter(options: Partial<MemoryAdapterOptions> = {}): MemoryAdapter {
  return new MemoryAdapter({ tables: DOMAIN_TABLES, ...options });
}

/** The PersistenceService over an adapter, every column of the lead tables allow-listed (options win). */
export function leadPersistenceService(adapter: PersistenceAdapter, options: Partial<PersistenceServiceOptions> = {}): PersistenceService {
  return new PersistenceService(adapter, { tables: columnAllowlist(DOMAIN_TABLES), ...options });
}

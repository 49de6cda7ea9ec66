/**
 * The adapter contract against a live Supabase project, over its REST API. Runs only with
 * USE_REAL_TESTS=1 and SUPABASE_URL / SUPABASE_KEY (a service-role key: the contract writes).
 * The project needs the domain tables (run `migrate` over its direct Postgres connection).
 * Rows the contract writes are tagged and deleted afterwards; existing rows are never touched.
 */
import { SupabaseAdapter } from '../src/persistence/adapters/supabase.js';
import { DOMAIN_TABLES } from '../src/persistence/lead/tables.js';
import { parseBoolean } from '../src/settings.js';
import { persistenceAdapterContract } from './contract/persistence-adapter.contract.js';

const url = process.env.SUPABASE_URL;
const key = process.env.SUPABASE_KEY;
const enabled = (parseBoolean('USE_REAL_TESTS', process.env.USE_REAL_TESTS) ?? false) && Boolean(url) && Boolean(key);

// Without a project every contract test is registered as skipped, so the run's summary counts them.
persistenceAdapterContract(
  'supabase (live)',
  async () => {
    // The lead tables' specs answer columns() of an empty table, as the lead app's wiring does.
    const adapter = new SupabaseAdapter({ url: url as string, key: key as string, tables: DOMAIN_TABLES });
    return { adapter, cleanup: () => adapter.close() };
  },
  { skipReason: enabled ? null : 'supabase live tests need USE_REAL_TESTS=1, SUPABASE_URL and SUPABASE_KEY (a project migrated with the domain tables)' },
);

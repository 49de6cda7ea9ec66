/**
 * The one place persistence settings are read from the environment. Precedence:
 * DATABASE_URL (Postgres, also a Supabase project's direct connection) > SUPABASE_URL +
 * SUPABASE_KEY (REST) > memory. PERSISTENCE_ADAPTER may force a choice (e.g. `memory` for the demo
 * on a machine that has DATABASE_URL set). What is stored (tables, a memory store's seed) is the
 * application's, given as a PersistenceSchema (the lead app's: lead/persistence.ts and lead/database.ts).
 */
import { MemoryAdapter } from './adapters/memory.js';
import { PostgresAdapter } from './adapters/postgres.js';
import { SupabaseAdapter } from './adapters/supabase.js';
import { parseString } from '../settings.js';
import { PersistenceConfigError, redactCredentials } from './errors.js';
import { columnAllowlist, type TableSpec } from './schema.js';
import { PersistenceService } from './service.js';
import type { PersistenceServiceOptions } from './service.js';
import type { PersistenceAdapter, Row } from './types.js';

/** Which store the environment selects. */
export type PersistenceKind = 'postgres' | 'supabase' | 'memory';

/** Persistence settings resolved from the environment (holds secrets: never log it; use describePersistence). */
export interface PersistenceConfig {
  kind: PersistenceKind;
  databaseUrl?: string;
  /** Postgres schema (DATABASE_SCHEMA), default `public`. */
  schema: string;
  supabaseUrl?: string;
  supabaseKey?: string;
  /** PERSISTENCE_MAX_LIMIT, when set. */
  maxLimit?: number;
}

/** Defaults of the persistence settings, written once. */
export const DEFAULT_PERSISTENCE_OPTIONS = Object.freeze({
  /** Postgres schema of the application's tables. */
  schema: 'public',
});

/** What an application stores, for whichever store the environment picks. */
export interface PersistenceSchema {
  /** The application's tables: the memory store's constraints, the service's allowlist, the Supabase adapter's column fallback. */
  tables: readonly TableSpec[];
  /** Rows a memory store starts with, made when the store is made (default none). */
  memorySeed?: () => Record<string, Row[]>;
  /** What the memory store holds, for describePersistence (e.g. `200 mock leads`). */
  memoryNote?: string;
}

/** The environment variables this module reads. */
export type PersistenceEnv = Readonly<Record<string, string | undefined>>;

const KINDS: readonly PersistenceKind[] = ['postgres', 'supabase', 'memory'];

/** Resolves settings without connecting to anything. */
export function resolvePersistenceConfig(env: PersistenceEnv): PersistenceConfig {
  const value = (name: string): string | undefined => parseString(env[name]);
  const databaseUrl = value('DATABASE_URL');
  const supabaseUrl = value('SUPABASE_URL');
  const supabaseKey = value('SUPABASE_KEY');
  const forced = value('PERSISTENCE_ADAPTER');
  if (forced !== undefined && !KINDS.includes(forced as PersistenceKind)) {
    throw new PersistenceConfigError(`PERSISTENCE_ADAPTER must be one of ${KINDS.join(', ')}, got "${forced}"`, 'PERSISTENCE_ADAPTER');
  }
  const kind: PersistenceKind =
    (forced as PersistenceKind | undefined) ??
    (databaseUrl !== undefined ? 'postgres' : supabaseUrl !== undefined && supabaseKey !== undefined ? 'supabase' : 'memory');
  if (kind === 'postgres' && databaseUrl === undefined) {
    throw new PersistenceConfigError('PERSISTENCE_ADAPTER=postgres needs DATABASE_URL', 'DATABASE_URL');
  }
  if (kind === 'supabase' && (supabaseUrl === undefined || supabaseKey === undefined)) {
    throw new PersistenceConfigError('PERSISTENCE_ADAPTER=supabase needs SUPABASE_URL and SUPABASE_KEY', 'SUPABASE_KEY');
  }
  const maxLimitText = value('PERSISTENCE_MAX_LIMIT');
  const maxLimit = maxLimitText === undefined ? undefined : Number(maxLimitText);
  if (maxLimit !== undefined && (!Number.isSafeInteger(maxLimit) || maxLimit < 1)) {
    throw new PersistenceConfigError(`PERSISTENCE_MAX_LIMIT must be a positive integer, got "${maxLimitText}"`, 'PERSISTENCE_MAX_LIMIT');
  }
  return {
    kind,
    schema: value('DATABASE_SCHEMA') ?? DEFAULT_PERSISTENCE_OPTIONS.schema,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(supabaseUrl === undefined ? {} : { supabaseUrl }),
    ...(supabaseKey === undefined ? {} : { supabaseKey }),
    ...(maxLimit === undefined ? {} : { maxLimit }),
  };
}

/** A log-safe one-liner: the kind and where, never a password or key (for memory, the schema's note on what it holds). */
export function describePersistence(config: PersistenceConfig, schema?: Pick<PersistenceSchema, 'memoryNote'>): string {
  if (config.kind === 'postgres') return `postgres ${redactCredentials(config.databaseUrl ?? '')} (schema ${config.schema})`;
  if (config.kind === 'supabase') return `supabase ${config.supabaseUrl ?? ''}`;
  return schema?.memoryNote ? `memory (${schema.memoryNote})` : 'memory';
}

/** The adapter a config describes, for the application's tables (not connected yet: pools and REST clients connect on first use). */
export function createAdapter(config: PersistenceConfig, schema: PersistenceSchema): PersistenceAdapter {
  switch (config.kind) {
    case 'postgres':
      return new PostgresAdapter({ connectionString: config.databaseUrl as string, schema: config.schema });
    case 'supabase':
      return new SupabaseAdapter({ url: config.supabaseUrl as string, key: config.supabaseKey as string, tables: schema.tables });
    case 'memory':
      return new MemoryAdapter({ tables: schema.tables, seed: schema.memorySeed?.() ?? {} });
  }
}

/** What persistenceFromEnv builds: the chosen kind, its adapter and the service over it. */
export interface PersistenceSetup {
  kind: PersistenceKind;
  adapter: PersistenceAdapter;
  service: PersistenceService;
  /** Log-safe description. */
  description: string;
}

/**
 * Picks the adapter from the environment for the application's tables and wraps it in a
 * PersistenceService that allows every column of those tables (code options win over env and
 * over that allowlist).
 */
export function persistenceFromEnv(env: PersistenceEnv, schema: PersistenceSchema, options: Partial<PersistenceServiceOptions> = {}): PersistenceSetup {
  const config = resolvePersistenceConfig(env);
  const adapter = createAdapter(config, schema);
  const service = new PersistenceService(adapter, {
    tables: columnAllowlist(schema.tables),
    ...(config.maxLimit === undefined ? {} : { maxLimit: config.maxLimit }),
    ...options,
  });
  return { kind: config.kind, adapter, service, description: describePersistence(config, schema) };
}

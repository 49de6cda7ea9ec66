/** Public surface of the persistence layer. */
export type { AdapterCapabilities, Filter, PersistenceAdapter, QueryOptions, QueryResult, ReadOnlyPersistence, Row } from './types.js';
export {
  PersistenceAdapterError,
  PersistenceConfigError,
  PersistenceError,
  PersistenceNotAllowedError,
  PersistencePermissionError,
  isPersistenceAdapterError,
  isPersistenceError,
  isPersistenceNotAllowedError,
  isPersistencePermissionError,
  redactCredentials,
} from './errors.js';
export type { AdapterErrorReason, NotAllowedReason, PersistenceErrorCode } from './errors.js';
export { TIMESTAMP_COLUMNS, columnAllowlist, columnNames } from './schema.js';
export { AUDIT_TABLE, CAMPAIGNS_TABLE, DOMAIN_TABLES, DRAFTS_TABLE, LEADS_TABLE, domainColumnAllowlist, domainTable, draftId } from './lead/tables.js';
export type { ColumnSpec, ColumnType, TableSpec } from './schema.js';
export { MOCK_CLIENT_COUNT, generateMockLeads, mulberry32 } from './lead/mock-leads.js';
export { mockCampaigns } from './lead/mock-campaigns.js';
export { DEFAULT_MEMORY_ADAPTER_OPTIONS, MemoryAdapter } from './adapters/memory.js';
export type { MemoryAdapterOptions } from './adapters/memory.js';
export { DEFAULT_POSTGRES_ADAPTER_OPTIONS, PostgresAdapter } from './adapters/postgres.js';
export type { PostgresAdapterOptions } from './adapters/postgres.js';
export { DEFAULT_SUPABASE_ADAPTER_OPTIONS, SupabaseAdapter } from './adapters/supabase.js';
export type { SupabaseAdapterOptions } from './adapters/supabase.js';
export { DEFAULT_MIGRATE_OPTIONS, migrate, seedRows, tableDdl } from './migrate.js';
export type { MigrateOptions, SeedResult } from './migrate.js';
export { DEFAULT_PERSISTENCE_SERVICE_OPTIONS, PersistenceService } from './service.js';
export type { PersistenceOperation, PersistenceServiceOptions, PersistenceTraceEvent } from './service.js';
export { ReadOnlyPersistenceFacade } from './facade.js';
export type { OperationOutcome } from './metrics.js';
export { DEFAULT_PERSISTENCE_OPTIONS, createAdapter, describePersistence, persistenceFromEnv, resolvePersistenceConfig } from './config.js';
export type { PersistenceConfig, PersistenceEnv, PersistenceKind, PersistenceSchema, PersistenceSetup } from './config.js';
export { DEFAULT_MOCK_LEAD_COUNT, leadMemoryAdapter, leadPersistenceService, leadSchema } from './lead/persistence.js';
export { leadPersistenceFromEnv, migrateLeadTables, seedLeads } from './lead/database.js';

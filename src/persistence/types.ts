/** A row: column name to JSON-able value. */
export type Row = Record<string, unknown>;

/** One filter: equality, or case-insensitive contains (needs the `ilike` capability, else the service falls back to equality). */
export interface Filter {
  column: string;
  op: 'eq' | 'contains';
  value: string | number | boolean | null;
}

/** A query over one table. */
export interface QueryOptions {
  filters?: Filter[];
  offset?: number;
  limit?: number;
  orderBy?: { column: string; direction?: 'asc' | 'desc' };
}

/** A page of rows plus the total that matched before offset/limit. */
export interface QueryResult {
  rows: Row[];
  total: number;
  /** The limit actually applied (after the service's clamp), so callers can report what they got. */
  limit?: number;
}

/** What an adapter can do beyond equality. */
export interface AdapterCapabilities {
  ilike: boolean;
}

/** The persistence seam: one implementation per store (memory, postgres, supabase), one contract suite. */
export interface PersistenceAdapter {
  readonly name: string;
  readonly capabilities: AdapterCapabilities;
  query(table: string, opts?: QueryOptions): Promise<QueryResult>;
  getById(table: string, id: string): Promise<Row | null>;
  columns(table: string): Promise<string[]>;
  insert(table: string, row: Row): Promise<Row>;
  /** Inserts or updates by the conflict column(s); returns the stored row and whether anything changed. */
  upsert(table: string, row: Row, conflictColumns: string[]): Promise<{ row: Row; changed: boolean }>;
  update(table: string, id: string, patch: Row): Promise<Row | null>;
  delete(table: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The least-privilege read surface handed to actors that only read. */
export interface ReadOnlyPersistence {
  readonly capabilities: AdapterCapabilities;
  query(table: string, opts?: QueryOptions): Promise<QueryResult>;
  getById(table: string, id: string): Promise<Row | null>;
  columns(table: string): Promise<string[]>;
}

/**
 * The RAG agent's `query_table` tool (the seed's): one page of any table the persistence
 * allowlist lets through, read through the read-only facade, under the same rules as the lead
 * lookup: the limit clamped by RAG_MAX_LIMIT (RAG_DEFAULT_LIMIT when none is given), metadata that
 * describes the page returned, `status` SUCCESS / NO_RESULTS, a summary instead of rows above
 * RAG_SUMMARY_THRESHOLD, provenance with `row_id` and `row_hash`, `raw_row` only on request.
 * It never throws: a refused table or column, or a store failure, comes back as an empty result
 * with the error (and `retryable` for outages, so the actor can hand those to the runtime).
 */
import type { EnvelopeMetadata, EnvelopeRecord } from '../../../envelope/types.js';
import { withProvenance } from '../../../envelope/provenance.js';
import { isPersistenceAdapterError, isPersistenceError } from '../../../persistence/errors.js';
import type { Filter } from '../../../persistence/types.js';
import type { Clock } from '../../../clock.js';
import type { DataCoordinator } from '../data-coordinator.js';
import { clampPaging } from './filters.js';
import type { RagOptions } from './options.js';

/** `rag.query` payload: which table, which rows. */
export interface TableQuery {
  table: string;
  /** Column equals value. */
  where?: Record<string, string | number | boolean | null>;
  /** Column contains text, case-insensitively (equality on stores without ILIKE). */
  contains?: Record<string, string>;
  offset?: number;
  limit?: number;
  /** Column to order by (ascending); default the table's `id` when it has one. */
  orderBy?: string;
  /** Copy each row into its provenance as `raw_row` (off by default: rows may hold personal data). */
  includeRawRows?: boolean;
}

/** What query_table returns: records with provenance and metadata describing the page. */
export interface TableQueryResult {
  table: string;
  status: 'SUCCESS' | 'NO_RESULTS';
  records: EnvelopeRecord[];
  metadata: Partial<EnvelopeMetadata> & { source: string; retrieved_at: string };
  /** Set (and `records` empty) when more rows than the summary threshold came back. */
  summary?: { rows: number; sample_ids: string[] };
  error?: { message: string; retryable: boolean };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The persistence filters of a query; a message naming the first bad part, or the filters. */
function filtersOf(q: Partial<TableQuery>): Filter[] | string {
  const out: Filter[] = [];
  if (q.where !== undefined && !isRecord(q.where)) return '$.where: must be an object';
  if (q.contains !== undefined && !isRecord(q.contains)) return '$.contains: must be an object';
  for (const [column, value] of Object.entries(q.where ?? {})) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) return `$.where.${column}: must be a string, number, boolean or null`;
    out.push({ column, op: 'eq', value });
  }
  for (const [column, value] of Object.entries(q.contains ?? {})) {
    if (typeof value !== 'string') return `$.contains.${column}: must be a string`;
    out.push({ column, op: 'contains', value });
  }
  return out;
}

/** Runs one query_table request through the coordinator (so concurrent identical reads coalesce); never throws. */
export async function queryTable(request: unknown, io: { coordinator: DataCoordinator; options: RagOptions; clock: Clock }): Promise<TableQueryResult> {
  const o = io.options;
  const q = (isRecord(request) ? request : {}) as Partial<TableQuery>;
  const table = typeof q.table === 'string' ? q.table : '';
  const paging = clampPaging(q.offset, q.limit, o);
  const retrievedAt = new Date(io.clock.now()).toISOString();
  const base = {
    source: 'rag-agent',
    retrieved_at: retrievedAt,
    table,
    query_filters: { ...(isRecord(q.where) ? { where: q.where } : {}), ...(isRecord(q.contains) ? { contains: q.contains } : {}) },
    fallback: false,
    cache: 'bypass' as const,
  };
  const failed = (message: string, retryable: boolean): TableQueryResult => ({
    table,
    status: 'NO_RESULTS',
    records: [],
    metadata: {
      ...base,
      total_count: 0,
      pagination: { offset: paging.offset, limit: paging.limit, returned: 0, has_more: false },
      status: 'NO_RESULTS',
      error: message,
    },
    error: { message, retryable },
  });
  if (table === '') return failed('invalid query: $.table: required', false);
  const filters = filtersOf(q);
  if (typeof filters === 'string') return failed(`invalid query: ${filters}`, false);
  let result;
  try {
    const columns = await io.coordinator.columnsOf(table);
    const orderBy = typeof q.orderBy === 'string' ? q.orderBy : columns.includes('id') ? 'id' : undefined;
    result = await io.coordinator.queryTable(table, {
      filters,
      offset: paging.offset,
      limit: paging.limit,
      ...(orderBy ? { orderBy: { column: orderBy } } : {}),
    });
  } catch (err) {
    const retryable = isPersistenceAdapterError(err) ? err.reason === 'unavailable' || err.reason === 'unknown' : !isPersistenceError(err);
    return failed(err instanceof Error ? `${err.name}: ${err.message}` : String(err), retryable);
  }
  const rows = result.rows;
  const status = rows.length > 0 ? 'SUCCESS' : 'NO_RESULTS';
  // The metadata describes what came back: the limit the store applied if it capped the page.
  const applied = result.limit !== undefined && result.limit < paging.limit ? result.limit : undefined;
  const summarise = rows.length > o.summaryThreshold;
  const includeRaw = q.includeRawRows === true && o.includeRawRows;
  const records = summarise ? [] : rows.map((row) => withProvenance(row, { source: `persistence:${table}`, retrievedAt, includeRaw }));
  const summary = summarise
    ? {
        rows: rows.length,
        sample_ids: rows
          .slice(0, 10)
          .map((r) => String(r.id ?? ''))
          .filter((id) => id !== ''),
      }
    : undefined;
  const metadata: TableQueryResult['metadata'] = {
    ...base,
    total_count: result.total,
    pagination: { offset: paging.offset, limit: applied ?? paging.limit, returned: rows.length, has_more: paging.offset + rows.length < result.total },
    status,
    ...(applied !== undefined ? { limit_capped: { requested: paging.limit, applied } } : {}),
    ...(summary ? { summary } : {}),
  };
  return { table, status, records, metadata, ...(summary ? { summary } : {}) };
}

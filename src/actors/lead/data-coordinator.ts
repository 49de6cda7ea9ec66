/**
 * The seed's DataCoordinator: query helpers over the read-only facade, shared by agents, that
 * coalesce concurrent identical reads into one store call (a batch of mails from one company
 * asks the same question many times at once). Only in-flight calls are shared; results are not
 * kept here (the RAG agent has its own cache).
 */
import { filterHash } from '../../envelope/hash.js';
import type { QueryOptions, QueryResult, ReadOnlyPersistence, Row } from '../../persistence/types.js';
import type { Paging } from './rag/filters.js';
import { toQueryFilters } from './rag/filters.js';
import type { LeadFilters } from './types.js';

/** Table the lead helpers read. */
export const LEADS = 'leads';

/** Coalescing read helpers over one read-only persistence. */
export class DataCoordinator {
  readonly #inFlight = new Map<string, Promise<unknown>>();
  #coalesced = 0;

  constructor(readonly persistence: ReadOnlyPersistence) {}

  /** Runs `load` once for all concurrent callers with the same key. */
  coalesce<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) {
      this.#coalesced += 1;
      return running as Promise<T>;
    }
    const started = load().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }

  /** Leads matching the filters (company as contains where the store supports it), one page, ordered by id. */
  queryLeads(filters: LeadFilters, paging: Paging): Promise<QueryResult> {
    const key = `leads:${filterHash({ filters, offset: paging.offset, limit: paging.limit })}`;
    return this.coalesce(key, () =>
      this.persistence.query(LEADS, {
        filters: toQueryFilters(filters, this.persistence.capabilities),
        offset: paging.offset,
        limit: paging.limit,
        orderBy: { column: 'id' },
      }),
    );
  }

  /** One lead by id, or null. */
  getLead(id: string): Promise<Row | null> {
    return this.coalesce(`lead:${id}`, () => this.persistence.getById(LEADS, id));
  }

  /** One page of any table the persistence allowlist lets through (the query_table tool). */
  queryTable(table: string, opts: QueryOptions): Promise<QueryResult> {
    return this.coalesce(`table:${table}:${filterHash({ ...opts })}`, () => this.persistence.query(table, opts));
  }

  /** Columns of any allowlisted table that the caller may use. */
  columnsOf(table: string): Promise<string[]> {
    return this.coalesce(`columns:${table}`, () => this.persistence.columns(table));
  }

  /** Columns of the leads table that the caller may use. */
  leadColumns(): Promise<string[]> {
    return this.coalesce('leads:columns', () => this.persistence.columns(LEADS));
  }

  /** Calls answered by joining one already running (since construction). */
  get coalesced(): number {
    return this.#coalesced;
  }

  /** Distinct calls running now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }
}

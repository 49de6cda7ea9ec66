/**
 * The RAG agent's lookup, offline-first and lean: parse filters from the text, look the leads
 * up through the DataCoordinator (cached per instance by a stable filter hash), relax the
 * filters a bounded number of times, then try one rate-limited fallback. It never throws: a
 * planner or store failure comes back as an empty result with the error in the metadata (and
 * a `retryable` flag, so the actor can hand transient store outages to the runtime's retries).
 */
import type { EnvelopeMetadata, EnvelopeRecord } from '../../../envelope/types.js';
import { filterHash } from '../../../envelope/hash.js';
import { withProvenance } from '../../../envelope/provenance.js';
import { truncateForLog } from '../../../monitoring/logger.js';
import type { Logger } from '../../../monitoring/types.js';
import { isPersistenceAdapterError, isPersistenceError } from '../../../persistence/errors.js';
import type { Row } from '../../../persistence/types.js';
import type { Clock } from '../../../clock.js';
import type { DataCoordinator } from '../data-coordinator.js';
import type { LeadFilters, RagRequest } from '../types.js';
import { LruCache } from './cache.js';
import { domainCompanyFallback, SlidingWindowLimiter, type PlannerInput, type PlannerResult } from './fallback.js';
import { clampPaging, isEmptyFilters, mergeFilters, parseLeadFilters, type Paging } from './filters.js';
import { resolveRagOptions, type RagOptions } from './options.js';
import { reformulations } from './reformulate.js';

/** One lookup the agent made. */
export interface RagAttempt {
  step: 'original' | 'drop-email' | 'shorten-company' | 'drop-company' | 'planner' | 'fallback';
  filters: LeadFilters;
  rows: number;
  total: number;
  cache: 'hit' | 'miss';
}

/** A failure the agent swallowed. */
export interface RagError {
  stage: 'planner' | 'query';
  message: string;
  /** True for store outages worth retrying later. */
  retryable: boolean;
}

/** `SUCCESS` when rows were found, `NO_RESULTS` otherwise (an error also has no results). */
export type RagStatus = 'SUCCESS' | 'NO_RESULTS';

/** What a result carries instead of its rows when there are more than RAG_SUMMARY_THRESHOLD. */
export interface RagSummary {
  /** Rows the lookup returned (all of them are summarised, none listed). */
  rows: number;
  /** Rows per company, largest first, at most 20 companies. */
  by_company: { company: string; rows: number }[];
  /** The first ids of the page, to narrow the next request. */
  sample_ids: string[];
}

/** What a lookup produced: lead records with provenance and the envelope metadata describing how. */
export interface RagResult {
  status: RagStatus;
  /** Set (and `records` empty) when more rows than the summary threshold came back. */
  summary?: RagSummary;
  records: EnvelopeRecord[];
  metadata: Partial<EnvelopeMetadata> & { source: string; retrieved_at: string };
  filters: LeadFilters;
  attempts: RagAttempt[];
  error?: RagError;
}

/** What one run may use besides the agent's own state. */
export interface RagIo {
  coordinator: DataCoordinator;
  logger: Logger;
}

interface Cached {
  rows: Row[];
  total: number;
  retrievedAt: string;
  /** The limit the store applied, when lower than asked (a persistence cap). */
  appliedLimit?: number;
}

class PlannerFailure extends Error {}

const messageOf = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/** One agent instance: its cache and fallback limiter are its own (never shared between runtimes). */
export class RagAgent {
  readonly options: RagOptions;
  readonly #cache: LruCache<Cached>;
  readonly #fallbacks: SlidingWindowLimiter;

  constructor(
    options: Partial<RagOptions>,
    private readonly clock: Clock,
  ) {
    this.options = resolveRagOptions(options);
    this.#cache = new LruCache(this.options.cacheSize, this.options.cacheTtlMs, clock);
    this.#fallbacks = new SlidingWindowLimiter(this.options.maxFallbacksPerMin, clock);
  }

  /** Forgets cached empty lookups: a lead was just written, so "nobody" may no longer be true. */
  forgetEmptyLookups(): void {
    this.#cache.deleteWhere((c) => c.rows.length === 0);
  }

  /** Looks up the leads a request is about; never throws. */
  async run(request: RagRequest, io: RagIo): Promise<RagResult> {
    const o = this.options;
    const text = typeof request?.text === 'string' ? request.text : '';
    const paging = clampPaging(request?.offset, request?.limit, o);
    const attempts: RagAttempt[] = [];
    const parsed = mergeFilters(parseLeadFilters(text), request?.filters);
    let filters = parsed;
    let found: Cached = { rows: [], total: 0, retrievedAt: new Date(this.clock.now()).toISOString() };
    let fallback = false;
    let fallbackSkipped: string | undefined;
    let error: RagError | undefined;
    const deep = (step: string, detail: unknown): void => {
      if (o.deepDebug) io.logger.info('rag step', { step, detail: truncateForLog(detail, o.debugMaxChars) });
    };
    deep('parsed', { filters, paging });
    try {
      if (isEmptyFilters(filters) && o.planner) {
        const planned = await this.#plan(o.planner, { text, filters, reason: 'no-filters' });
        deep('planned', planned);
        if (planned.filters && !isEmptyFilters(planned.filters)) filters = planned.filters;
      }
      const candidates = isEmptyFilters(filters) ? [] : [{ step: 'original' as const, filters }, ...reformulations(filters, o.maxReformulations)];
      for (const c of candidates) {
        found = await this.#lookup(c.step, c.filters, paging, io, attempts);
        filters = c.filters;
        deep(c.step, attempts.at(-1));
        if (found.rows.length > 0) break;
      }
      if (found.rows.length === 0) {
        if (this.#fallbacks.tryAcquire()) {
          fallback = true;
          // The fallback sees what was parsed (the sender's address included), not the relaxed filters.
          const planned = await this.#plan(o.planner ?? domainCompanyFallback, { text, filters: parsed, reason: 'no-rows' });
          deep('fallback', planned);
          if (planned.filters && !isEmptyFilters(planned.filters)) {
            found = await this.#lookup('fallback', planned.filters, paging, io, attempts);
            filters = planned.filters;
          }
        } else {
          fallbackSkipped = 'rate-limited';
          deep('fallback', { skipped: fallbackSkipped, perMinute: o.maxFallbacksPerMin });
        }
      }
    } catch (err) {
      error =
        err instanceof PlannerFailure
          ? { stage: 'planner', message: err.message, retryable: false }
          : { stage: 'query', message: messageOf(err), retryable: isRetryable(err) };
      found = { rows: [], total: 0, retrievedAt: found.retrievedAt };
      deep('error', error);
    }
    const includeRaw = request?.includeRawRows === true && o.includeRawRows;
    const result = this.#result(found, filters, paging, attempts, fallback, fallbackSkipped, error, includeRaw);
    if (o.debugIo)
      io.logger.info('rag io', {
        request: truncateForLog(request, o.debugMaxChars),
        result: truncateForLog({ metadata: result.metadata, records: result.records }, o.debugMaxChars),
      });
    return result;
  }

  /** One lookup: from the cache when fresh, else through the coordinator (then cached). */
  async #lookup(step: RagAttempt['step'], filters: LeadFilters, paging: Paging, io: RagIo, attempts: RagAttempt[]): Promise<Cached> {
    const key = filterHash({ filters, offset: paging.offset, limit: paging.limit });
    const hit = this.#cache.get(key);
    let value: Cached;
    if (hit !== undefined) value = hit;
    else {
      const retrievedAt = new Date(this.clock.now()).toISOString();
      const r = await io.coordinator.queryLeads(filters, paging);
      value = { rows: r.rows, total: r.total, retrievedAt, ...(r.limit !== undefined && r.limit < paging.limit ? { appliedLimit: r.limit } : {}) };
      this.#cache.set(key, value);
    }
    attempts.push({ step, filters, rows: value.rows.length, total: value.total, cache: hit !== undefined ? 'hit' : 'miss' });
    return value;
  }

  async #plan(planner: NonNullable<RagOptions['planner']>, input: PlannerInput): Promise<PlannerResult> {
    try {
      const r = await planner(input);
      return typeof r === 'object' && r !== null ? r : {};
    } catch (err) {
      throw new PlannerFailure(`planner failed: ${messageOf(err)}`);
    }
  }

  #result(
    found: Cached,
    filters: LeadFilters,
    paging: Paging,
    attempts: RagAttempt[],
    fallback: boolean,
    fallbackSkipped: string | undefined,
    error: RagError | undefined,
    includeRaw: boolean,
  ): RagResult {
    const o = this.options;
    const summarise = found.rows.length > o.summaryThreshold;
    const records = summarise ? [] : found.rows.map((row) => withProvenance(row, { source: o.source, retrievedAt: found.retrievedAt, includeRaw }));
    const status: RagStatus = found.rows.length > 0 ? 'SUCCESS' : 'NO_RESULTS';
    // The metadata describes what came back: the limit the store applied if it capped the page.
    const limit = found.appliedLimit ?? paging.limit;
    const last = attempts.at(-1);
    const metadata: RagResult['metadata'] = {
      source: 'rag-agent',
      retrieved_at: found.retrievedAt,
      query_filters: { ...filters },
      total_count: found.total,
      fallback,
      cache: last === undefined ? 'bypass' : last.cache,
      pagination: { offset: paging.offset, limit, returned: found.rows.length, has_more: paging.offset + found.rows.length < found.total },
      status,
      attempts: attempts.map((a) => ({ step: a.step, rows: a.rows, cache: a.cache })),
    };
    if (fallbackSkipped) metadata.fallback_skipped = fallbackSkipped;
    if (found.appliedLimit !== undefined) metadata.limit_capped = { requested: paging.limit, applied: found.appliedLimit };
    const summary = summarise ? summaryOf(found.rows) : undefined;
    if (summary) metadata.summary = summary;
    if (error) {
      metadata.error = error.message;
      metadata.error_stage = error.stage;
    }
    return { status, records, metadata, filters, attempts, ...(summary ? { summary } : {}), ...(error ? { error } : {}) };
  }
}

function summaryOf(rows: Row[]): RagSummary {
  const byCompany = new Map<string, number>();
  for (const row of rows) {
    const company = typeof row.company === 'string' && row.company !== '' ? row.company : '(none)';
    byCompany.set(company, (byCompany.get(company) ?? 0) + 1);
  }
  return {
    rows: rows.length,
    by_company: [...byCompany]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 20)
      .map(([company, n]) => ({ company, rows: n })),
    sample_ids: rows
      .slice(0, 10)
      .map((r) => String(r.id ?? ''))
      .filter((id) => id !== ''),
  };
}

/** Store outages are worth retrying; permission, allowlist and bad-input errors are not. */
function isRetryable(err: unknown): boolean {
  if (isPersistenceAdapterError(err)) return err.reason === 'unavailable' || err.reason === 'unknown';
  return !isPersistenceError(err);
}

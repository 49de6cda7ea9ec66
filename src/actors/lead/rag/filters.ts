/**
 * The RAG agent's fast path, as pure functions: lead filters parsed from free text, paging
 * clamped to the configured maximum, and filters turned into persistence filters.
 */
import type { Filter } from '../../../persistence/types.js';
import type { LeadFilters } from '../types.js';

const ID_RE = /\blead-\d{1,9}\b/i;
const EMAIL_RE = /[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}/;
const CLIENT_RE = /\bclient[-_ ]?(\d{1,6})\b/i;
/** "company: Acme GmbH" / "company = Acme" up to the end of the clause. */
const COMPANY_LABEL_RE = /\bcompany\s*[:=]\s*([^\n,;]+)/i;
/** "at Acme Robotics Inc." — capitalised words after "at", on one line (a word may hold & ' . -). */
const COMPANY_AT_RE = /\bat[ \t]+([A-Z][\w&'.-]*(?:[ \t]+[A-Z&][\w&'.-]*)*)/;

/** Company suffixes reformulation may drop, longest first; dotted ones keep their dot when parsed. */
export const COMPANY_SUFFIXES: readonly string[] = Object.freeze([
  'Incorporated',
  'Limited',
  'Corp.',
  'Inc.',
  'Ltd.',
  'Co.',
  'GmbH',
  'Corp',
  'Inc',
  'Ltd',
  'LLC',
  'PLC',
  'AG',
  'SA',
  'BV',
  'Co',
]);
const DOTTED = new Set(['inc.', 'ltd.', 'co.', 'corp.']);

/** A company name as written: up to the end of its sentence, without sentence punctuation (a dotted legal suffix keeps its dot). */
export function cleanCompany(raw: string): string | undefined {
  const words: string[] = [];
  // "Acme Inc. We would like..." — a word ending in '.' ends the name.
  for (const w of raw.trim().split(/\s+/)) {
    words.push(w);
    if (w.endsWith('.')) break;
  }
  let name = words.join(' ').replace(/[!?,;:]+$/, '');
  if (name.endsWith('.')) {
    const last = name.split(' ').pop()!.toLowerCase();
    if (!DOTTED.has(last)) name = name.replace(/\.+$/, '');
  }
  name = name.trim();
  return name === '' ? undefined : name;
}

/** Lead filters found in free text: a lead id (`lead-0042`), the first email address, a company, a client id (`client-3`). */
export function parseLeadFilters(text: string): LeadFilters {
  const filters: LeadFilters = {};
  const id = ID_RE.exec(text);
  if (id) filters.id = id[0].toLowerCase();
  const email = EMAIL_RE.exec(text);
  if (email) filters.email = email[0].toLowerCase();
  const client = CLIENT_RE.exec(text);
  if (client) filters.client_id = `client-${Number(client[1])}`;
  const labelled = COMPANY_LABEL_RE.exec(text);
  const at = labelled ? undefined : COMPANY_AT_RE.exec(text);
  const company = cleanCompany(labelled?.[1] ?? at?.[1] ?? '');
  // "look at LEAD-0042" names a lead, not a company.
  if (company && !ID_RE.test(company) && !CLIENT_RE.test(company) && !company.includes('@')) filters.company = company;
  return filters;
}

/** True when no filter is set. */
export function isEmptyFilters(f: LeadFilters): boolean {
  return f.id === undefined && f.email === undefined && f.company === undefined && f.client_id === undefined;
}

/** Parsed text filters with explicit ones on top (an explicit empty string removes a parsed filter). */
export function mergeFilters(parsed: LeadFilters, explicit: Partial<LeadFilters> | undefined): LeadFilters {
  const out: LeadFilters = { ...parsed };
  for (const key of ['id', 'email', 'company', 'client_id'] as const) {
    const v = explicit?.[key];
    if (typeof v !== 'string') continue;
    if (v.trim() === '') delete out[key];
    else out[key] = v.trim();
  }
  return out;
}

/** Offset and limit after clamping. */
export interface Paging {
  offset: number;
  limit: number;
}

/** Clamps paging: offset a non-negative integer, limit in 1..maxLimit (defaultLimit when absent or not a number). */
export function clampPaging(offset: unknown, limit: unknown, opts: { maxLimit: number; defaultLimit: number }): Paging {
  const maxLimit = Math.max(1, Math.floor(opts.maxLimit));
  const o = typeof offset === 'number' && Number.isFinite(offset) ? Math.max(0, Math.floor(offset)) : 0;
  const wanted = typeof limit === 'number' && Number.isFinite(limit) ? Math.floor(limit) : opts.defaultLimit;
  return { offset: Math.min(o, Number.MAX_SAFE_INTEGER), limit: Math.min(Math.max(1, wanted), maxLimit) };
}

/** Persistence filters of lead filters: company is a case-insensitive contains when the store can, else equality. */
export function toQueryFilters(f: LeadFilters, capabilities: { ilike: boolean }): Filter[] {
  const out: Filter[] = [];
  if (f.id !== undefined) out.push({ column: 'id', op: 'eq', value: f.id });
  if (f.email !== undefined) out.push({ column: 'email', op: 'eq', value: f.email });
  if (f.company !== undefined) out.push({ column: 'company', op: capabilities.ilike ? 'contains' : 'eq', value: f.company });
  if (f.client_id !== undefined) out.push({ column: 'client_id', op: 'eq', value: f.client_id });
  return out;
}

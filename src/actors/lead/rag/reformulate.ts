/**
 * Bounded reformulation: when a lookup finds nothing, relax the filters one step at a time —
 * first drop the email (people write from other addresses), then shorten the company by its
 * legal suffix ("Acme Inc." -> "Acme"), then drop the company. Each step must change something
 * and keep at least one filter; at most N are tried (RAG_REFORMULATION_MAX_ATTEMPTS, default 3).
 */
import type { LeadFilters } from '../types.js';
import { COMPANY_SUFFIXES } from './filters.js';

/** One relaxed attempt: the step's name and the filters to try. */
export interface Reformulation {
  step: 'drop-email' | 'shorten-company' | 'drop-company';
  filters: LeadFilters;
}

/** The company without its trailing legal suffix (and the comma before it), or undefined when it has none. */
export function shortenCompany(company: string): string | undefined {
  const trimmed = company.trim();
  for (const suffix of COMPANY_SUFFIXES) {
    const re = new RegExp(`[\\s,]+${suffix.replace(/\./g, '\\.')}$`, 'i');
    if (re.test(trimmed)) {
      const short = trimmed.replace(re, '').trim();
      return short === '' ? undefined : short;
    }
  }
  return undefined;
}

/** The relaxed attempts after the original, in order, at most `max` of them (each cumulative on the previous). */
export function reformulations(filters: LeadFilters, max: number): Reformulation[] {
  const out: Reformulation[] = [];
  let current = { ...filters };
  const remaining = (f: LeadFilters): boolean => Object.values(f).some((v) => v !== undefined);
  if (current.email !== undefined) {
    const { email: _dropped, ...rest } = current;
    // Dropping the only filter would match every lead: that is not a reformulation, it is a guess.
    if (remaining(rest)) {
      current = rest;
      out.push({ step: 'drop-email', filters: current });
    }
  }
  const short = current.company === undefined ? undefined : shortenCompany(current.company);
  if (short !== undefined) {
    current = { ...current, company: short };
    out.push({ step: 'shorten-company', filters: current });
  }
  if (current.company !== undefined) {
    const { company: _dropped, ...rest } = current;
    // As with the email: only when something else still narrows the lookup.
    if (remaining(rest)) {
      current = rest;
      out.push({ step: 'drop-company', filters: current });
    }
  }
  return out.slice(0, Math.max(0, Math.floor(max)));
}

// Provenance blocks: which row a record came from (its id, else a hash of its content), and when.
import { stableHash } from './hash.js';
import type { EnvelopeRecord, Provenance } from './types.js';

/** Options of provenanceFor / withProvenance. */
export interface ProvenanceOptions {
  /** Where the row was read from, e.g. `supabase:leads`. */
  source: string;
  /** ISO-8601 time of the read; defaults to now (pass it for deterministic output). */
  retrievedAt?: string;
  /** Column holding the row's id. */
  idColumn?: string;
  /** Copy the whole row into `raw_row` (off by default: rows may hold personal data). */
  includeRaw?: boolean;
}

/** Defaults of the optional ProvenanceOptions. */
export const DEFAULT_PROVENANCE_OPTIONS = Object.freeze({
  idColumn: 'id',
  includeRaw: false,
});

/**
 * Provenance of one row: `row_id` when the row has a usable id (a non-empty string, a finite
 * number or a bigint, stringified), else `hash` = stableHash(row); always `row_hash` (sha256 of
 * the row's stable JSON); `raw_row` only on request.
 */
export function provenanceFor(row: Record<string, unknown>, opts: ProvenanceOptions): Provenance {
  const idColumn = opts.idColumn ?? DEFAULT_PROVENANCE_OPTIONS.idColumn;
  const includeRaw = opts.includeRaw ?? DEFAULT_PROVENANCE_OPTIONS.includeRaw;
  const provenance: Provenance = {
    source: opts.source,
    retrieved_at: opts.retrievedAt ?? new Date().toISOString(),
  };
  const rowId = idOf(row[idColumn]);
  const rowHash = hashOfRow(row);
  if (rowId !== undefined) provenance.row_id = rowId;
  else provenance.hash = rowHash;
  // Both id and content hash: the id names the row, the hash says which version of it was read.
  provenance.row_hash = rowHash;
  if (includeRaw) provenance.raw_row = { ...row };
  return provenance;
}

/** A shallow copy of the row with its `provenance` block attached. */
export function withProvenance(row: Record<string, unknown>, opts: ProvenanceOptions): EnvelopeRecord {
  return { ...row, provenance: provenanceFor(row, opts) };
}

// Rows from SQL can hold bigints, which JSON (and so stableHash) cannot take: hash them as text.
function hashOfRow(row: Record<string, unknown>): string {
  try {
    return stableHash(row);
  } catch {
    return stableHash(JSON.parse(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))));
  }
}

function idOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value === '' ? undefined : value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
      return String(value);
    default:
      return undefined; // null, undefined, objects: not an id we can name
  }
}

/**
 * Small rules every adapter applies the same way, so the contract suite sees one behaviour:
 * paging validation, which columns decide whether an upsert changed anything, value equality.
 */
import { PersistenceAdapterError } from '../errors.js';
import { TIMESTAMP_COLUMNS } from '../schema.js';
import type { QueryOptions, Row } from '../types.js';

/** Validated paging: offset defaults to 0; limit undefined means "no limit" at adapter level (the service clamps). */
export function pagingOf(opts: QueryOptions, adapter: string, table: string): { offset: number; limit: number | undefined } {
  const offset = opts.offset ?? 0;
  const limit = opts.limit;
  const bad = (what: string, v: unknown): never => {
    throw new PersistenceAdapterError({
      adapter,
      operation: 'query',
      table,
      reason: 'invalid_input',
      message: `${what} must be a non-negative integer, got ${String(v)}`,
    });
  };
  if (!Number.isSafeInteger(offset) || offset < 0) bad('offset', offset);
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) bad('limit', limit);
  return { offset, limit };
}

/** The row without keys whose value is undefined (a missing value is "not given", never NULL). */
export function definedEntries(row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) if (v !== undefined) out[k] = v;
  return out;
}

/** Columns an upsert compares to decide `changed`: the given ones minus conflict keys and timestamps. */
export function comparedColumns(row: Row, conflictColumns: readonly string[]): string[] {
  return Object.keys(row).filter((c) => !conflictColumns.includes(c) && !TIMESTAMP_COLUMNS.has(c));
}

/** Columns an upsert writes on the update path: the given ones minus conflict keys and `created_at`. */
export function updatedColumns(row: Row, conflictColumns: readonly string[]): string[] {
  return Object.keys(row).filter((c) => !conflictColumns.includes(c) && c !== 'created_at');
}

/** Deep value equality with object keys compared order-independently (as jsonb compares). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as Row)[k], (b as Row)[k]));
}

/** Rejects an empty conflict list or conflict columns the row does not give. */
export function checkConflictColumns(row: Row, conflictColumns: readonly string[], adapter: string, table: string): void {
  const missing = conflictColumns.filter((c) => row[c] === undefined);
  if (conflictColumns.length === 0 || missing.length > 0) {
    throw new PersistenceAdapterError({
      adapter,
      operation: 'upsert',
      table,
      reason: 'invalid_input',
      message:
        conflictColumns.length === 0 ? 'upsert needs at least one conflict column' : `the row gives no value for conflict column(s) ${missing.join(', ')}`,
    });
  }
}

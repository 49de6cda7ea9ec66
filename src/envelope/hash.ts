// Canonical JSON and the stable hashes built on it (record hashes, cache keys of filters).
import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted (by UTF-16 code unit) at every level, arrays in order, and
 * otherwise what JSON.stringify does (toJSON honoured, undefined/function/symbol properties
 * dropped and array elements turned to null, non-finite numbers to null, TypeError on BigInt
 * and cycles). Unlike JSON.stringify, a top-level value JSON cannot represent gives `'null'`,
 * so the result is always a string.
 */
export function stableStringify(value: unknown): string {
  return stringifyValue(value, '', new Set()) ?? 'null';
}

/** SHA-256 (hex) of stableStringify(value): equal for values that differ only in key order. */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

/**
 * Stable hash of query filters, for cache keys: key order is irrelevant, keys whose value is
 * undefined, null or '' (after trimming) are ignored, and strings are trimmed and lower-cased
 * (so `{ email: 'A@x.io ', company: undefined }` and `{ email: 'a@x.io' }` hash the same).
 * Nested objects and arrays are normalised the same way. Note that lower-casing makes filters
 * on case-sensitive values (`id: 'AbC'` vs `id: 'abc'`) share a key.
 */
export function filterHash(filters: Record<string, unknown>): string {
  return stableHash(normaliseFilterValue(filters) ?? {});
}

function normaliseFilterValue(value: unknown): unknown {
  if (typeof value === 'string') {
    const trimmed = value.trim().toLowerCase();
    return trimmed === '' ? undefined : trimmed;
  }
  if (Array.isArray(value)) return value.map((item) => normaliseFilterValue(item) ?? null);
  if (value !== null && typeof value === 'object' && !hasToJSON(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const normalised = normaliseFilterValue(child);
      if (normalised !== undefined && normalised !== null) out[key] = normalised;
    }
    return out;
  }
  return value ?? undefined;
}

function hasToJSON(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** Returns undefined for values JSON.stringify would omit (the caller decides: drop or null). */
function stringifyValue(input: unknown, key: string, ancestors: Set<object>): string | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && hasToJSON(value)) {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  // Boxed primitives serialise as their primitive, as in JSON.stringify.
  if (value instanceof Number) value = Number(value);
  else if (value instanceof String) value = String(value);
  else if (value instanceof Boolean) value = value.valueOf();

  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      if (value === null) return 'null';
      break;
    default:
      return undefined; // undefined, function, symbol
  }

  if (ancestors.has(value)) throw new TypeError('Converting circular structure to JSON');
  ancestors.add(value);
  let out: string;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) {
      items.push(stringifyValue(value[i], String(i), ancestors) ?? 'null');
    }
    out = `[${items.join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const k of Object.keys(record).sort()) {
      const encoded = stringifyValue(record[k], k, ancestors);
      if (encoded !== undefined) members.push(`${JSON.stringify(k)}:${encoded}`);
    }
    out = `{${members.join(',')}}`;
  }
  ancestors.delete(value);
  return out;
}

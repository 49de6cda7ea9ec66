/**
 * The one decoder for untrusted JSON (stream entries read by actors, ingested lines, dead letters
 * shown or replayed): a size limit checked before parsing, then V8's JSON.parse (iterative: no
 * nesting overflows it), then one iterative walk that bounds depth and field count. Nothing here
 * recurses, so no input can exhaust the stack, and a value that passes can be walked, validated,
 * redacted and re-encoded by recursive code (JSON.stringify included) without overflowing.
 *
 * Hot path (every entry an actor reads): the walk reuses one pair of stacks and stops at the
 * first broken limit.
 */

/** Limits of parseBoundedJson. */
export interface JsonLimits {
  /** Largest accepted text, in UTF-8 bytes; checked before parsing. */
  maxBytes: number;
  /** Deepest nesting of objects and arrays (the root container is level 1). */
  maxDepth: number;
  /** Most fields in the whole value: object properties plus array elements. */
  maxFields: number;
}

/** Defaults of JsonLimits: 1 MiB, 128 levels (what validateEnvelope accepts, so whatever an actor may emit, its readers accept), 100,000 fields. */
export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 128,
  maxFields: 100_000,
});

/** Why a text was refused. */
export type JsonFailureReason = 'oversized' | 'not-json' | 'too-deep' | 'too-many-fields';

/** Outcome of parseBoundedJson; never thrown. */
export type BoundedJsonResult =
  | { ok: true; value: unknown; bytes: number }
  | { ok: false; reason: JsonFailureReason; error: string; /** JSONPath of a value past the depth limit, '$' otherwise. */ path: string };

/**
 * Parses untrusted JSON within limits. Never throws: a refusal says which limit and by how much
 * (as far as it was measured before stopping).
 */
export function parseBoundedJson(text: string, limits: Partial<JsonLimits> = {}): BoundedJsonResult {
  const maxBytes = limits.maxBytes ?? DEFAULT_JSON_LIMITS.maxBytes;
  if (typeof text !== 'string') return { ok: false, reason: 'not-json', error: `not a string (got ${typeof text})`, path: '$' };
  // UTF-8 never takes fewer bytes than UTF-16 units: a long string is refused without counting.
  if (text.length > maxBytes) return { ok: false, reason: 'oversized', error: `at least ${text.length} bytes, limit ${maxBytes}`, path: '$' };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return { ok: false, reason: 'oversized', error: `${bytes} bytes, limit ${maxBytes}`, path: '$' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: 'not-json', error: `not JSON: ${err instanceof Error ? err.message : String(err)}`, path: '$' };
  }
  const maxDepth = limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
  const broken = jsonBoundsError(value, maxDepth, limits.maxFields ?? DEFAULT_JSON_LIMITS.maxFields);
  if (broken) return { ok: false, ...broken, path: broken.reason === 'too-deep' ? pathPastDepth(value, maxDepth) : '$' };
  return { ok: true, value, bytes };
}

/**
 * Checks a parsed JSON value against depth and field-count limits, iteratively (an explicit
 * stack; its length is bounded by the fields seen, so by maxFields). Null when within limits.
 */
export function jsonBoundsError(value: unknown, maxDepth: number, maxFields: number): { reason: 'too-deep' | 'too-many-fields'; error: string } | null {
  if (typeof value !== 'object' || value === null) return null;
  // Hot path: one pair of stacks for every call (the walk is synchronous), kept at their size
  // (no reallocation per call) and cleared slot by slot, so nothing of a value stays referenced.
  const stack = walkStack;
  const depths = walkDepths;
  let top = 0;
  stack[top] = value;
  depths[top] = 1;
  top++;
  let fields = 0;
  let broken: { reason: 'too-deep' | 'too-many-fields'; error: string } | null = null;
  walk: while (top > 0) {
    top--;
    const node = stack[top]!;
    const depth = depths[top]!;
    stack[top] = undefined;
    if (depth > maxDepth) {
      broken = { reason: 'too-deep', error: `nests deeper than ${maxDepth} levels` };
      break;
    }
    if (Array.isArray(node)) {
      fields += node.length;
      if (fields > maxFields) {
        broken = { reason: 'too-many-fields', error: `more than ${maxFields} fields` };
        break;
      }
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (typeof child === 'object' && child !== null) {
          stack[top] = child;
          depths[top] = depth + 1;
          top++;
        }
      }
    } else {
      // for...in over a JSON.parse result: own enumerable keys only, and no array allocated.
      for (const key in node) {
        if (++fields > maxFields) {
          broken = { reason: 'too-many-fields', error: `more than ${maxFields} fields` };
          break walk;
        }
        const child: unknown = (node as Record<string, unknown>)[key];
        if (typeof child === 'object' && child !== null) {
          stack[top] = child;
          depths[top] = depth + 1;
          top++;
        }
      }
    }
  }
  while (top > 0) stack[--top] = undefined;
  // A rare huge value must not keep a huge stack alive.
  if (stack.length > KEPT_STACK) {
    stack.length = 0;
    depths.length = 0;
  }
  return broken;
}

const KEPT_STACK = 4096;
const walkStack: (object | undefined)[] = [];
const walkDepths: number[] = [];

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * JSONPath of the first container past maxDepth, found by the same iterative walk order as
 * jsonBoundsError. Only on the failure path: it carries a path per stacked node.
 */
function pathPastDepth(root: unknown, maxDepth: number): string {
  const stack: { node: object; path: string; depth: number }[] = [];
  if (typeof root === 'object' && root !== null) stack.push({ node: root, path: '$', depth: 1 });
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (depth > maxDepth) return path;
    const entries: [string, unknown][] = Array.isArray(node)
      ? node.map((c, i) => [`${path}[${i}]`, c])
      : Object.entries(node).map(([k, c]) => [IDENT.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, c]);
    for (const [p, c] of entries) if (typeof c === 'object' && c !== null) stack.push({ node: c, path: p, depth: depth + 1 });
  }
  return '$';
}

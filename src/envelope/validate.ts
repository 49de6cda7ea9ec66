// Envelope validation: a JSON-value check plus the compiled schema, reported as path + rule.
import type { ErrorObject } from 'ajv';
import { conformsFast, envelopeSchemaErrors } from './schema.js';
import type { Envelope } from './types.js';

/** One broken rule: JSONPath of the offending value, the rule (ajv keyword or `invalid-value`), and why. */
export interface EnvelopeIssue {
  path: string;
  rule: string;
  message: string;
}

/** Outcome of validateEnvelope: the (same, now typed) envelope, or every issue found. */
export type EnvelopeValidationResult = { ok: true; envelope: Envelope } | { ok: false; errors: EnvelopeIssue[] };

/** Options of validateEnvelope. */
export interface ValidateOptions {
  /** Deepest nesting accepted below the envelope root; deeper values could not be re-encoded safely. */
  maxDepth: number;
  /** Issues reported at most; one more `too-many-issues` entry says how many were left out. */
  maxIssues: number;
}

/** Defaults of ValidateOptions. */
export const DEFAULT_VALIDATE_OPTIONS: Readonly<ValidateOptions> = Object.freeze({
  maxDepth: 128,
  maxIssues: 50,
});

/** Error code of EnvelopeValidationError. */
export const ENVELOPE_INVALID = 'ENVELOPE_INVALID';

const MESSAGE_ISSUES = 5;

/** Thrown by assertEnvelope/createEnvelope/deriveEnvelope when an envelope breaks the contract. */
export class EnvelopeValidationError extends Error {
  readonly code = ENVELOPE_INVALID;
  readonly issues: readonly EnvelopeIssue[];

  constructor(issues: readonly EnvelopeIssue[]) {
    super(formatIssues(issues));
    this.name = 'EnvelopeValidationError';
    this.issues = issues;
  }
}

/** True for an EnvelopeValidationError (also across duplicated copies of this package). */
export function isEnvelopeValidationError(err: unknown): err is EnvelopeValidationError {
  if (err instanceof EnvelopeValidationError) return true;
  try {
    const candidate = err as { code?: unknown; issues?: unknown } | null;
    return typeof candidate === 'object' && candidate !== null && candidate.code === ENVELOPE_INVALID && Array.isArray(candidate.issues);
  } catch {
    return false;
  }
}

/** Renders issues as `invalid envelope: $.path: rule (message); ...`, the first few only. */
export function formatIssues(issues: readonly EnvelopeIssue[]): string {
  const shown = issues.slice(0, MESSAGE_ISSUES).map((i) => `${i.path}: ${i.rule} (${i.message})`);
  const more = issues.length > MESSAGE_ISSUES ? `; and ${issues.length - MESSAGE_ISSUES} more` : '';
  return `invalid envelope: ${shown.join('; ')}${more}`;
}

/**
 * Validates any value as an Envelope. Never throws: values that cannot even be read (revoked
 * proxies, throwing getters) are reported as `{ path: '$', rule: 'invalid-value' }`.
 * The value must be plain JSON (finite numbers, plain objects, dense arrays, no cycles) so that
 * encoding it cannot fail or change it; object properties that are `undefined` are tolerated
 * and, as with JSON.stringify, vanish on encoding.
 */
export function validateEnvelope(value: unknown, options: Partial<ValidateOptions> = {}): EnvelopeValidationResult {
  const maxDepth = options.maxDepth ?? DEFAULT_VALIDATE_OPTIONS.maxDepth;
  const maxIssues = options.maxIssues ?? DEFAULT_VALIDATE_OPTIONS.maxIssues;
  let issues: EnvelopeIssue[];
  try {
    issues = jsonValueIssues(value, maxDepth, maxIssues);
    issues.push(...schemaIssues(value));
  } catch (err) {
    return { ok: false, errors: [unreadable(err)] };
  }
  if (issues.length === 0) return { ok: true, envelope: value as Envelope };
  return { ok: false, errors: capIssues(issues, maxIssues) };
}

/**
 * validateEnvelope for a value fresh from JSON.parse whose nesting was bounded to at most
 * DEFAULT_VALIDATE_OPTIONS.maxDepth (parseBoundedJson): such a value is plain JSON by
 * construction (finite numbers, plain objects, dense arrays, no cycles), so only the schema is
 * checked. Hot path: every entry an actor decodes.
 */
export function validateParsedEnvelope(value: unknown): EnvelopeValidationResult {
  let issues: EnvelopeIssue[];
  try {
    if (conformsFast(value)) return { ok: true, envelope: value as Envelope };
    issues = schemaIssues(value);
  } catch (err) {
    return { ok: false, errors: [unreadable(err)] };
  }
  if (issues.length === 0) return { ok: true, envelope: value as Envelope };
  return { ok: false, errors: capIssues(issues, DEFAULT_VALIDATE_OPTIONS.maxIssues) };
}

/** Returns the value typed as an Envelope, or throws EnvelopeValidationError. */
export function assertEnvelope(value: unknown, options?: Partial<ValidateOptions>): Envelope {
  const result = validateEnvelope(value, options);
  if (!result.ok) throw new EnvelopeValidationError(result.errors);
  return result.envelope;
}

/**
 * True when `value` is plain JSON that encodes unchanged (the check validateEnvelope runs on the
 * whole envelope), for a value nested `depth` levels below the envelope root. The fast paths of
 * createEnvelope/deriveEnvelope use it on the caller's payload; any doubt falls back to the full check.
 */
export function isPlainJson(value: unknown, depth = 1): boolean {
  // Hot path (every derived payload): a primitive needs no walk; a container takes the same
  // rules as visitJson, answered yes or no, with nothing allocated but its ancestor list.
  const leaf = leafVerdict(value);
  if (leaf !== undefined) return leaf;
  try {
    return plainJson(value, DEFAULT_VALIDATE_OPTIONS.maxDepth - depth, 0, []);
  } catch {
    return false;
  }
}

/** Whether a non-container value is plain JSON (strings, booleans, finite numbers, null); undefined for an object or array, which needs a walk. */
function leafVerdict(value: unknown): boolean | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      if (value === null) return true;
      break;
    default:
      return false;
  }
  return undefined;
}

/** visitJson's rules as a yes or no: `level` is the path length of `value` (the root's is 0). */
function plainJson(node: unknown, maxDepth: number, level: number, ancestors: object[]): boolean {
  const leaf = leafVerdict(node);
  if (leaf !== undefined) return leaf;
  const value = node as object;
  if (ancestors.includes(value) || level >= maxDepth) return false;
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return false;
  ancestors.push(value);
  if (isArray) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (child === undefined || !plainJson(child, maxDepth, level + 1, ancestors)) return false;
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (child !== undefined && !plainJson(child, maxDepth, level + 1, ancestors)) return false;
    }
  }
  ancestors.pop();
  return true;
}

// ---- JSON-value check -------------------------------------------------------------------

type PathSegment = string | number;

/** State of one JSON-value walk: `path` holds the keys and `ancestors` the containers above. */
interface JsonWalk {
  readonly maxDepth: number;
  readonly maxIssues: number;
  readonly issues: EnvelopeIssue[];
  readonly path: PathSegment[];
  readonly ancestors: object[];
}

/** Finds values JSON cannot carry unchanged; recursion is bounded by maxDepth. */
function jsonValueIssues(root: unknown, maxDepth: number, maxIssues: number): EnvelopeIssue[] {
  const walk: JsonWalk = { maxDepth, maxIssues, issues: [], path: [], ancestors: [] };
  visitJson(walk, root);
  return walk.issues;
}

// Hot path (every decoded entry): module-level functions, no per-call closures, and the
// cycle check scans the ancestor list, which is as short as the nesting is deep.
function visitJson(walk: JsonWalk, value: unknown): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) reportJson(walk, `must be a finite number (got ${String(value)})`);
      return;
    case 'object':
      if (value === null) return;
      break;
    default:
      return reportJson(walk, `must be JSON (got ${typeof value})`);
  }
  if (walk.issues.length > walk.maxIssues) return;
  if (walk.ancestors.includes(value)) return reportJson(walk, 'must not be a cyclic reference');
  if (walk.path.length >= walk.maxDepth) return reportJson(walk, `must not nest deeper than ${walk.maxDepth} levels`);
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return reportJson(walk, `must be a plain JSON object (got ${describe(value)})`);
  walk.ancestors.push(value);
  if (isArray) {
    for (let i = 0; i < value.length; i++) {
      walk.path.push(i);
      // A hole or undefined element would silently become null on encoding.
      if (value[i] === undefined) reportJson(walk, 'must not be undefined (array element)');
      else visitJson(walk, value[i]);
      walk.path.pop();
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (child === undefined) continue; // dropped by JSON.stringify, like an absent key
      walk.path.push(key);
      visitJson(walk, child);
      walk.path.pop();
    }
  }
  walk.ancestors.pop();
}

function reportJson(walk: JsonWalk, message: string): void {
  if (walk.issues.length > walk.maxIssues) return; // enough to say there were more
  walk.issues.push({ path: formatPath(walk.path), rule: 'invalid-value', message });
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: object): string {
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'non-plain object';
}

// ---- schema issues ------------------------------------------------------------------------

function schemaIssues(value: unknown): EnvelopeIssue[] {
  const errors = envelopeSchemaErrors(value);
  if (errors.length === 0) return [];
  // anyOf failures report each failed branch too; keep only the anyOf summary.
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  return errors.filter((e) => !anyOfPaths.some((prefix) => e.schemaPath.startsWith(prefix))).map((e) => toIssue(e, errors, value));
}

function toIssue(error: ErrorObject, all: readonly ErrorObject[], root: unknown): EnvelopeIssue {
  const segments = pointerSegments(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: formatPath([...segments, String(params.missingProperty)]), rule: 'required', message: 'is required' };
    case 'additionalProperties':
      return {
        path: formatPath([...segments, String(params.additionalProperty)]),
        rule: 'additionalProperties',
        message: 'is not a known property',
      };
    case 'anyOf':
      return { path: formatPath(segments), rule: 'anyOf', message: anyOfMessage(error, all) };
    default:
      return { path: formatPath(segments), rule: error.keyword, message: error.message ?? error.keyword };
  }
}

/** Names the alternatives when every branch of an anyOf is a `required`: "must have row_id or hash". */
function anyOfMessage(error: ErrorObject, all: readonly ErrorObject[]): string {
  const branches = all.filter((e) => e.schemaPath.startsWith(`${error.schemaPath}/`));
  if (branches.length > 0 && branches.every((e) => e.keyword === 'required')) {
    const names = branches.map((e) => String((e.params as Record<string, unknown>).missingProperty));
    return `must have ${names.join(' or ')}`;
  }
  return error.message ?? 'must match a schema in anyOf';
}

/** Splits an ajv instancePath (JSON Pointer) into keys and, where the container is an array, indexes. */
function pointerSegments(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const segments: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const isIndex = Array.isArray(node) && /^(0|[1-9]\d*)$/.test(key);
    segments.push(isIndex ? Number(key) : key);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return segments;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats path segments as a JSONPath: `$.records[2].provenance.row_id`, `$['odd key']`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `['${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

// ---- helpers -------------------------------------------------------------------------------

function capIssues(issues: EnvelopeIssue[], maxIssues: number): EnvelopeIssue[] {
  if (issues.length <= maxIssues) return issues;
  // The JSON-value walk stops early, so the count is a lower bound.
  const dropped = issues.length - maxIssues;
  return [...issues.slice(0, maxIssues), { path: '$', rule: 'too-many-issues', message: `at least ${dropped} more issues not listed` }];
}

function unreadable(err: unknown): EnvelopeIssue {
  return { path: '$', rule: 'invalid-value', message: `could not be read: ${safeMessage(err)}` };
}

/** A message for any thrown value, even one whose toString throws. */
function safeMessage(err: unknown): string {
  try {
    if (err instanceof Error) return String(err.message);
    return String(err);
  } catch {
    return 'unreadable error';
  }
}

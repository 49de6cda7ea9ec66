/**
 * The RAG agent's options, their defaults (written once) and the one reader of its environment
 * variables (RAG_MAX_LIMIT, RAG_DEFAULT_LIMIT, RAG_SUMMARY_THRESHOLD, RAG_REFORMULATION_MAX_ATTEMPTS,
 * MAX_FALLBACKS_PER_MIN, RAG_DEBUG_IO, RAG_DEEP_DEBUG), used at the edge.
 */
import { parseBoolean, resolveSettings } from '../../../settings.js';
import type { RagPlanner } from './fallback.js';

/** Everything the RAG agent can be told. */
export interface RagOptions {
  /** Upper bound of a lookup's limit (RAG_MAX_LIMIT). */
  maxLimit: number;
  /** Limit of a request that gives none (RAG_DEFAULT_LIMIT). */
  defaultLimit: number;
  /** Cached lookups kept per agent instance. */
  cacheSize: number;
  /** How long a cached lookup is served. */
  cacheTtlMs: number;
  /** Relaxed attempts after the first lookup finds nothing (RAG_REFORMULATION_MAX_ATTEMPTS). */
  maxReformulations: number;
  /** Above this many rows a result carries a summary instead of every row (RAG_SUMMARY_THRESHOLD). */
  summaryThreshold: number;
  /** Fallbacks allowed per minute per agent instance (MAX_FALLBACKS_PER_MIN; 0 disables them). */
  maxFallbacksPerMin: number;
  /** Log every request and result (RAG_DEBUG_IO=1), redacted and truncated. */
  debugIo: boolean;
  /** Log every step (RAG_DEEP_DEBUG=1), redacted and truncated. */
  deepDebug: boolean;
  /** Longest debug value logged. */
  debugMaxChars: number;
  /**
   * Whether a request may ask for `raw_row` in provenance (`includeRawRows: true` on the request).
   * A permission, not a switch: rows are copied only when the request asks (they hold personal data).
   */
  includeRawRows: boolean;
  /** Provenance `source` of lead rows. */
  source: string;
  /** Planner used when the text yields no filters and as the fallback; default: the offline domain fallback only. */
  planner?: RagPlanner;
}

/** Defaults of RagOptions. */
export const DEFAULT_RAG_OPTIONS: Readonly<RagOptions> = Object.freeze({
  maxLimit: 500,
  defaultLimit: 50,
  cacheSize: 500,
  cacheTtlMs: 60_000,
  maxReformulations: 3,
  summaryThreshold: 200,
  maxFallbacksPerMin: 30,
  debugIo: false,
  deepDebug: false,
  debugMaxChars: 2_000,
  includeRawRows: true,
  source: 'persistence:leads',
});

/** A RAG environment variable that cannot be used. */
export class RagConfigError extends Error {
  readonly code = 'RAG_CONFIG' as const;
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'RagConfigError';
  }
}

/** True when err is a RagConfigError. */
export function isRagConfigError(err: unknown): err is RagConfigError {
  return err instanceof RagConfigError;
}

/** A boolean variable through the shared parser (a value like "maybe" is an error, not false). */
const flag = (env: Readonly<Record<string, string | undefined>>, name: string): boolean | undefined => {
  try {
    return parseBoolean(name, env[name]);
  } catch (err) {
    throw new RagConfigError(name, (err as Error).message);
  }
};

const integer = (env: Readonly<Record<string, string | undefined>>, name: string, min: number): number | undefined => {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new RagConfigError(name, `${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
};

/** The RAG options set in an environment (only those present); merge them over code options. */
export function ragOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<RagOptions> {
  const out: Partial<RagOptions> = {};
  const maxLimit = integer(env, 'RAG_MAX_LIMIT', 1);
  if (maxLimit !== undefined) out.maxLimit = maxLimit;
  const defaultLimit = integer(env, 'RAG_DEFAULT_LIMIT', 1);
  if (defaultLimit !== undefined) out.defaultLimit = defaultLimit;
  const summary = integer(env, 'RAG_SUMMARY_THRESHOLD', 1);
  if (summary !== undefined) out.summaryThreshold = summary;
  const reform = integer(env, 'RAG_REFORMULATION_MAX_ATTEMPTS', 0);
  if (reform !== undefined) out.maxReformulations = reform;
  const fallbacks = integer(env, 'MAX_FALLBACKS_PER_MIN', 0);
  if (fallbacks !== undefined) out.maxFallbacksPerMin = fallbacks;
  const io = flag(env, 'RAG_DEBUG_IO');
  if (io !== undefined) out.debugIo = io;
  const deep = flag(env, 'RAG_DEEP_DEBUG');
  if (deep !== undefined) out.deepDebug = deep;
  return out;
}

/** Defaults, then the given options. */
export function resolveRagOptions(options: Partial<RagOptions> = {}): RagOptions {
  return resolveSettings({ defaults: DEFAULT_RAG_OPTIONS, code: options });
}

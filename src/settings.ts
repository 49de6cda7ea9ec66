/**
 * How every setting is resolved, written once: environment variables are parsed here (booleans,
 * integers, lists: one parser each), and layers merge in one order, lowest first:
 * frozen defaults < environment < CLI flags < code options. A layer's `undefined` (or blank
 * string) leaves the value below it in place. This module imports nothing, so every layer
 * (streams, persistence, actors, the CLI) may use it without an upward import.
 */

/** A setting (an environment variable, a flag or an option) whose value cannot be used. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    /** The setting as the user wrote it: the environment variable, flag or option name. */
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** True when err is a ConfigError. */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError;
}

/** The environment as a read-only map (process.env, or a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** Parses a boolean setting: 1/true/yes/on and 0/false/no/off (any case); undefined or blank is undefined; anything else throws. */
export function parseBoolean(setting: string, raw: string | undefined): boolean | undefined {
  const v = raw?.trim().toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ConfigError(setting, `${setting} must be a boolean (1, true, yes, on or 0, false, no, off), got "${raw}"`);
}

/** Parses an integer setting within [min, max]; undefined or blank is undefined; anything else throws. */
export function parseInteger(setting: string, raw: string | undefined, bounds: { min?: number; max?: number } = {}): number | undefined {
  const v = raw?.trim();
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = bounds;
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = bounds.max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(setting, `${setting} must be an integer ${range}, got "${raw}"`);
  }
  return n;
}

/** A trimmed string setting; undefined or blank is undefined. */
export function parseString(raw: string | undefined): string | undefined {
  const v = raw?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** A comma-separated list setting (items trimmed, blanks dropped); undefined or blank is undefined. */
export function parseList(raw: string | undefined): string[] | undefined {
  const v = parseString(raw);
  return v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

/** One environment variable of a settings object: its name and how its text becomes a value. */
export type EnvField =
  | { name: string; type: 'string' }
  | { name: string; type: 'boolean' }
  | { name: string; type: 'list' }
  | { name: string; type: 'integer'; min?: number; max?: number };

/** Which environment variable feeds which field of T. */
export type EnvSpec<T> = { readonly [K in keyof T]?: EnvField };

/** The fields of T set in the environment (only those present), parsed by their spec; throws ConfigError naming the variable. */
export function readEnv<T>(env: Env, spec: EnvSpec<T>): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [field, f] of Object.entries(spec) as [string, EnvField | undefined][]) {
    if (!f) continue;
    const raw = env[f.name];
    const value =
      f.type === 'boolean'
        ? parseBoolean(f.name, raw)
        : f.type === 'integer'
          ? parseInteger(f.name, raw, { ...(f.min === undefined ? {} : { min: f.min }), ...(f.max === undefined ? {} : { max: f.max }) })
          : f.type === 'list'
            ? parseList(raw)
            : parseString(raw);
    if (value !== undefined) out[field] = value;
  }
  return out as Partial<T>;
}

const unset = (v: unknown): boolean => v === undefined || v === '';

/** The fields of a layer that are set (not undefined, not a blank string). */
export function definedFields<T>(layer: Partial<T> | undefined): Partial<T> {
  if (!layer) return {};
  return Object.fromEntries(Object.entries(layer).filter(([, v]) => !unset(v))) as Partial<T>;
}

/** Where one settings object comes from; every layer is optional. */
export interface SettingsSources<T> {
  /** The frozen DEFAULT_…_OPTIONS object of the component. */
  defaults: Readonly<T>;
  /** The environment (default: none; the edge passes process.env). */
  env?: Env;
  /** Which environment variable feeds which field. */
  envSpec?: EnvSpec<T>;
  /** Values from CLI flags (yargs), already parsed. */
  flags?: Partial<T>;
  /** Values given in code (library users, tests): they win over everything. */
  code?: Partial<T>;
}

/** Merges defaults < environment < CLI flags < code options into one settings object (not validated: the caller checks its own rules). */
export function resolveSettings<T extends object>(sources: SettingsSources<T>): T {
  const fromEnv = sources.env && sources.envSpec ? readEnv(sources.env, sources.envSpec) : {};
  return { ...sources.defaults, ...fromEnv, ...definedFields(sources.flags), ...definedFields(sources.code) } as T;
}

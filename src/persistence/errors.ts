/**
 * The persistence error family. Callers branch on `code` (stable), never on message text.
 * Driver errors are wrapped, with their message scrubbed of anything credential-like, so a
 * logged persistence error can never leak a connection string's password or an API key.
 */

/** Every code a persistence error can carry. */
export type PersistenceErrorCode = 'PERSISTENCE_PERMISSION' | 'PERSISTENCE_NOT_ALLOWED' | 'PERSISTENCE_ADAPTER' | 'PERSISTENCE_CONFIG';

/** Base class of every persistence error. */
export abstract class PersistenceError extends Error {
  abstract readonly code: PersistenceErrorCode;
}

/** A write attempted through a read-only surface (the facade handed to actors). */
export class PersistencePermissionError extends PersistenceError {
  readonly code = 'PERSISTENCE_PERMISSION' as const;
  constructor(
    /** The refused operation, e.g. `insert`. */
    readonly operation: string,
    /** The table it targeted (as given by the caller). */
    readonly table: string,
  ) {
    super(`persistence is read-only here: ${operation} on table "${table}" is not permitted`);
    this.name = 'PersistencePermissionError';
  }
}

/** Why a table or column was refused. */
export type NotAllowedReason = 'table' | 'column' | 'identifier';

/** A table or column outside the allowlist, or a name that is not a safe SQL identifier. */
export class PersistenceNotAllowedError extends PersistenceError {
  readonly code = 'PERSISTENCE_NOT_ALLOWED' as const;
  readonly table: string;
  readonly column: string | undefined;
  readonly reason: NotAllowedReason;
  constructor(args: { table: string; column?: string; reason: NotAllowedReason }) {
    const what =
      args.reason === 'table'
        ? `table "${args.table}" is not in the allowlist`
        : args.reason === 'column'
          ? `column "${args.column ?? ''}" of table "${args.table}" is not in the allowlist`
          : `"${args.column ?? args.table}" is not a valid identifier (table "${args.table}")`;
    super(what);
    this.name = 'PersistenceNotAllowedError';
    this.table = args.table;
    this.column = args.column;
    this.reason = args.reason;
  }
}

/** What kind of store failure an adapter error is, so callers can branch without parsing drivers' codes. */
export type AdapterErrorReason = 'conflict' | 'missing_table' | 'invalid_input' | 'unavailable' | 'unknown';

/** A store failure (driver error, constraint violation, unreachable server), wrapped with a scrubbed message. */
export class PersistenceAdapterError extends PersistenceError {
  readonly code = 'PERSISTENCE_ADAPTER' as const;
  readonly adapter: string;
  readonly operation: string;
  readonly table: string | undefined;
  readonly reason: AdapterErrorReason;
  /** The driver's own code (a SQLSTATE such as `23505`, a PostgREST code, or a Node errno), when there is one. */
  readonly driverCode: string | undefined;
  constructor(args: { adapter: string; operation: string; table?: string; reason: AdapterErrorReason; driverCode?: string; message: string }) {
    const where = args.table === undefined ? args.operation : `${args.operation} on "${args.table}"`;
    super(`${args.adapter} ${where} failed (${args.reason}): ${redactCredentials(args.message)}`);
    this.name = 'PersistenceAdapterError';
    this.adapter = args.adapter;
    this.operation = args.operation;
    this.table = args.table;
    this.reason = args.reason;
    this.driverCode = args.driverCode;
  }
}

/** Persistence settings that cannot work together (e.g. PERSISTENCE_ADAPTER=postgres without DATABASE_URL). */
export class PersistenceConfigError extends PersistenceError {
  readonly code = 'PERSISTENCE_CONFIG' as const;
  constructor(
    message: string,
    /** The setting at fault (an environment variable or option name). */
    readonly setting: string,
  ) {
    super(message);
    this.name = 'PersistenceConfigError';
  }
}

const CODES: ReadonlySet<string> = new Set(['PERSISTENCE_PERMISSION', 'PERSISTENCE_NOT_ALLOWED', 'PERSISTENCE_ADAPTER', 'PERSISTENCE_CONFIG']);

/** True for any persistence error (or only for `code` when given); also recognises errors from another copy of this module. */
export function isPersistenceError(err: unknown, code?: PersistenceErrorCode): err is PersistenceError {
  if (typeof err !== 'object' || err === null) return false;
  const actual = (err as { code?: unknown }).code;
  if (typeof actual !== 'string' || !CODES.has(actual)) return false;
  return code === undefined || actual === code;
}

/** True for a PersistencePermissionError. */
export function isPersistencePermissionError(err: unknown): err is PersistencePermissionError {
  return isPersistenceError(err, 'PERSISTENCE_PERMISSION');
}

/** True for a PersistenceNotAllowedError. */
export function isPersistenceNotAllowedError(err: unknown): err is PersistenceNotAllowedError {
  return isPersistenceError(err, 'PERSISTENCE_NOT_ALLOWED');
}

/** True for a PersistenceAdapterError. */
export function isPersistenceAdapterError(err: unknown): err is PersistenceAdapterError {
  return isPersistenceError(err, 'PERSISTENCE_ADAPTER');
}

/** Maps a SQLSTATE, PostgREST code or Node errno to a reason. */
export function reasonFromDriverCode(code: string | undefined): AdapterErrorReason {
  if (code === undefined) return 'unknown';
  if (code === '23505') return 'conflict';
  // 42P01 undefined table, 3F000 undefined schema, PGRST205 table not in PostgREST's schema cache.
  if (code === '42P01' || code === '3F000' || code === 'PGRST205') return 'missing_table';
  // 22 data exceptions, 23 other constraint violations, 42 syntax/undefined column; PGRST204 unknown column.
  if (/^(22|23|42)/.test(code) || code === 'PGRST204' || code === 'PGRST100') return 'invalid_input';
  if (/^(08|57P|53)/.test(code) || /^(ECONN|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|EPIPE)/.test(code)) return 'unavailable';
  return 'unknown';
}

/** Wraps any thrown value as a PersistenceAdapterError; persistence errors pass through unchanged. */
export function wrapDriverError(err: unknown, adapter: string, operation: string, table?: string): PersistenceError {
  if (err instanceof PersistenceError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
  const driverCode = typeof e.code === 'string' && e.code !== '' ? e.code : undefined;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  return new PersistenceAdapterError({
    adapter,
    operation,
    reason: reasonFromDriverCode(driverCode),
    message,
    ...(table === undefined ? {} : { table }),
    ...(driverCode === undefined ? {} : { driverCode }),
  });
}

/** Scrubs URL passwords, `password=`/`apikey=` pairs, bearer tokens and JWTs out of a message. */
export function redactCredentials(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*):[^@/\s]*@/gi, '$1:***@')
    .replace(/\b(password|passwd|pwd|apikey|api_key|key|token|secret)=([^&\s"']+)/gi, '$1=***')
    .replace(/\bBearer\s+[A-Za-z0-9._~+/-]+=*/g, 'Bearer ***')
    .replace(/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '***');
}

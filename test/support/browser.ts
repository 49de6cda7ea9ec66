/**
 * Headless chromium for the dashboard tests (Debian's /usr/bin/chromium through playwright-core).
 * Without it the suites print a visible SKIPPED line and count the skip; under CI it is a failure
 * (.ci/run installs chromium).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

/** Where the tests keep screenshots (gitignored). */
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when chromium is installed, or under CI (where its absence must fail, not skip). Suites register their tests with `s.skip` otherwise, so the skip is counted. */
export function browserTestsRun(what: string): boolean {
  if (existsSync(CHROMIUM) || process.env.CI) return true;
  console.log(`  SKIPPED: ${what}: no chromium at ${CHROMIUM} (apt-get install chromium)`);
  return false;
}

/** Launches chromium, or returns null (a counted, printed skip) when it is not installed outside CI. */
export async function launchBrowser(what: string): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`CI: ${CHROMIUM} is missing (.ci/run installs chromium); ${what} cannot run`);
    console.log(`  SKIPPED: ${what}: no chromium at ${CHROMIUM} (apt-get install chromium)`);
    return null;
  }
  const { chromium } = await import('playwright-core');
  mkdirSync(ARTIFACTS, { recursive: true });
  return await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** A screenshot file path under the artifacts folder. */
export function artifact(name: string): string {
  return join(ARTIFACTS, name);
}

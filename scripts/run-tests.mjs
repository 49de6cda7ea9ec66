#!/usr/bin/env node
// Runs the uvu suites (through tsx) and ends with one plain summary line ("N passed, N failed,
// N skipped") that CI systems can read. Arguments are passed to uvu: a directory and a pattern.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const uvu = fileURLToPath(new URL('../node_modules/uvu/bin.js', import.meta.url));
const [dir = 'test', pattern = '\\.test\\.ts$'] = process.argv.slice(2);
const child = spawn(process.execPath, ['--import', 'tsx', uvu, dir, pattern], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });

let out = '';
let finishedAt = 0;
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
  if (out.length > 20000) out = out.slice(-20000);
  // uvu's report is printed; a test that leaked a handle must not hang the run.
  if (!finishedAt && /Duration:/.test(out)) {
    finishedAt = Date.now();
    setTimeout(() => {
      if (child.exitCode === null) {
        console.error('warning: the test process did not exit 15 s after its report (an open handle); stopping it');
        child.kill('SIGTERM');
      }
    }, 15000).unref();
  }
});

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));

child.on('exit', (code) => {
  // eslint-disable-next-line no-control-regex -- stripping ANSI colour codes
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => Number((new RegExp(`${label}:\\s+(\\d+)`).exec(plain) ?? [])[1] ?? NaN);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  const reported = Number.isFinite(total) && Number.isFinite(passed);
  // uvu's Total excludes skipped tests.
  const failed = reported ? Math.max(0, total - passed) : 1;
  const clean = code === 0 || (code === null && finishedAt > 0);
  console.log(`tests: ${reported ? passed : 0} passed, ${failed} failed, ${skipped || 0} skipped`);
  process.exit(reported && failed === 0 && clean ? 0 : 1);
});

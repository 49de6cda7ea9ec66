/**
 * What every operator command does before it touches any data: --help, a bad flag (one line on
 * stderr, exit 2), an unreachable Redis (exit 3, URL named with the password masked, no hang on
 * reconnects). Each case is a real child process; the env fallbacks are covered in cli-common and
 * by the streams-health runs configured through REDIS_URL and STREAMS_PREFIX.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, type CliRun } from './support/cli.js';

/** Each bin with the arguments it needs to get as far as connecting. */
const BINS: { bin: string; args: string[] }[] = [
  { bin: 'streams-health', args: [] },
  { bin: 'streams-dlq', args: ['list'] },
  { bin: 'streams-group-reset', args: ['order.placed', 'billing', '--to', '0'] },
  { bin: 'redis-health', args: [] },
];

// Built at run time: no credential-looking literal in the source.
const PASSWORD = 'pw' + '-' + 'x'.repeat(12);
const DEAD_URL = `redis://operator:${PASSWORD}@127.0.0.1:1`;

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function assertOneLineError(run: CliRun, code: number, pattern: RegExp, what: string): void {
  assert.is(run.code, code, `${what}: exit ${code} (stderr: ${run.stderr})`);
  assert.is(lines(run.stderr).length, 1, `${what}: exactly one line on stderr, got:\n${run.stderr}`);
  assert.match(run.stderr, pattern, what);
  assert.not.match(run.stderr, /\n\s+at /, `${what}: no stack trace`);
}

const s = suite('operator commands: flags, help and connection errors');

for (const { bin, args } of BINS) {
  s(`${bin}: --help exits 0 with usage; a bad flag is one line and exit 2; unreachable Redis is exit 3 with the password masked`, async () => {
    const [help, badFlag, unreachable] = await Promise.all([
      runCli(bin, ['--help']),
      runCli(bin, [...args, '--bogus-flag']),
      runCli(bin, [...args, '--redis-url', DEAD_URL], { timeoutMs: 15_000 }),
    ]);
    assert.is(help.code, 0, `--help exit 0 (stderr: ${help.stderr})`);
    assert.match(help.stdout, new RegExp(`^${bin}`), 'usage starts with the command name');
    assert.match(help.stdout, /--redis-url/);
    assert.match(help.stdout, /REDIS_URL/, 'help names the env fallback');
    assert.is(help.stderr, '');

    assertOneLineError(badFlag, 2, new RegExp(`^${bin}: Unknown arguments?: .*bogus-flag`), 'unknown flag');

    assertOneLineError(unreachable, 3, /cannot reach Redis at redis:\/\/operator:\*\*\*@127\.0\.0\.1:1\b/, 'unreachable');
    assert.not.ok(unreachable.stderr.includes(PASSWORD), 'the password never appears');
    assert.is(unreachable.stdout, '', 'nothing on stdout');
  });
}

s.run();

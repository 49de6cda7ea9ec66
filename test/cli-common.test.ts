/** The shared CLI pieces: durations, password masking, and the exit status of each kind of failure. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CliError, errorMessage, EXIT, exitCodeFor, isCliError, parseDuration, resolveToolConfig } from '../src/cli/common.js';
import { resolveTarget } from '../src/cli/group-reset.js';
import { ConfigError } from '../src/config.js';
import { StreamBackendError } from '../src/streams/backend.js';

const s = suite('cli common');

s('durations: units and plain milliseconds; anything else is rejected', () => {
  assert.equal(
    ['250', '500ms', '30s', '10m', '2h', '1.5h', '7d', '1w'].map(parseDuration),
    [250, 500, 30_000, 600_000, 7_200_000, 5_400_000, 604_800_000, 604_800_000],
  );
  for (const bad of ['', 'ten minutes', '-5m', '10x', 'm']) assert.throws(() => parseDuration(bad), /not a duration/, bad);
});

s('error messages are one line and never carry a URL password', () => {
  const secret = 'p' + 'w'.repeat(10);
  const msg = errorMessage(new Error(`failed at redis://ops:${secret}@db.internal:6380/0\nsecond line`));
  assert.is(msg, 'failed at redis://ops:***@db.internal:6380/0 second line');
  assert.is(errorMessage(new Error(`rediss://:${secret}@h:1 down`)), 'rediss://:***@h:1 down');
});

s('exit statuses: usage 2, not found 2, refused 2, unreachable 3, config 2, backend connection 3, other failures 1', () => {
  assert.is(exitCodeFor(new CliError('USAGE', 'x')), EXIT.usage);
  assert.is(exitCodeFor(new CliError('NOT_FOUND', 'x')), 2);
  assert.is(exitCodeFor(new CliError('REFUSED', 'x')), 2);
  assert.is(exitCodeFor(new CliError('UNREACHABLE', 'x')), 3);
  assert.is(exitCodeFor(new ConfigError('prefix', 'x')), 2);
  assert.is(exitCodeFor(new StreamBackendError('CONNECTION', 'x')), 3);
  assert.is(exitCodeFor(new StreamBackendError('NOGROUP', 'x')), 2);
  assert.is(exitCodeFor(new Error('WRONGTYPE')), 1);
});

s('connection settings: flags over REDIS_URL/STREAMS_PREFIX over defaults; bad values and the memory shim are usage errors', () => {
  const env = { REDIS_URL: 'redis://env-host:6380', STREAMS_PREFIX: 'envp' };
  assert.equal(resolveToolConfig({}, env).redisUrl, 'redis://env-host:6380');
  assert.equal(resolveToolConfig({}, env).prefix, 'envp');
  assert.equal(resolveToolConfig({ redisUrl: 'redis://flag:1', prefix: 'flagp' }, env).redisUrl, 'redis://flag:1');
  assert.equal(resolveToolConfig({ redisUrl: 'redis://flag:1', prefix: 'flagp' }, env).prefix, 'flagp');
  assert.equal(resolveToolConfig({}, {}).prefix, 'sa');
  for (const [flags, e] of [
    [{}, { STREAMS_PREFIX: 'bad:prefix' }],
    [{ redisUrl: 'http://x' }, {}],
  ] as const) {
    let code = 0;
    try {
      resolveToolConfig(flags, e);
    } catch (err) {
      code = exitCodeFor(err);
    }
    assert.is(code, EXIT.usage, JSON.stringify([flags, e]));
  }
  try {
    resolveToolConfig({}, { REDIS_URL: 'memory' });
    assert.unreachable('memory refused');
  } catch (err) {
    assert.ok(isCliError(err, 'USAGE'));
  }
});

s("group reset targets: topic names resolve to the partition's stream, full keys pass through, ids are validated", () => {
  assert.is(resolveTarget('sa', { stream: 'order.placed', to: '0', partition: 2 }), 'sa:{sa:p2}:topic:order.placed');
  assert.is(resolveTarget('sa', { stream: 'x:{y}:topic:z', to: '$', partition: 0 }), 'x:{y}:topic:z');
  assert.is(resolveTarget('sa', { stream: 't', to: '1700000000000-3', partition: 0 }), 'sa:{sa:p0}:topic:t');
  for (const to of ['yesterday', '-', '+', '1-2-3', ''])
    assert.throws(
      () => resolveTarget('sa', { stream: 't', to, partition: 0 }),
      (e: unknown) => isCliError(e, 'USAGE'),
      to,
    );
  assert.throws(
    () => resolveTarget('sa', { stream: 'bad name', to: '0', partition: 0 }),
    (e: unknown) => isCliError(e, 'USAGE'),
  );
});

s.run();

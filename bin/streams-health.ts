#!/usr/bin/env -S node --import tsx
/** streams-health: streams, groups, consumers and DLQ depth of a prefix; exit 1 when a threshold is breached. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { durationArg, exitWhenFlushed, numberArg, processIO, runTool, strictParser, withConnectionFlags } from '../src/cli/common.js';
import { DEFAULT_HEALTH_OPTIONS } from '../src/cli/health/collect.js';
import { streamsHealth } from '../src/cli/lazy.js';

const TOOL = 'streams-health';

const argv = await strictParser(withConnectionFlags(yargs(hideBin(process.argv))), TOOL)
  .usage(
    '$0 [options]\n\nEvery stream of the prefix (topics, retry streams, DLQs) with its groups and consumers.\nExit 0 when healthy, 1 when a threshold is breached, 2 on bad flags, 3 when Redis is unreachable.',
  )
  .option('max-lag', { type: 'string', coerce: numberArg('max-lag', { integer: true }), describe: 'unhealthy when a group lags by more entries than this' })
  .option('max-pending', {
    type: 'string',
    coerce: numberArg('max-pending', { integer: true }),
    describe: 'unhealthy when a group has more pending entries than this',
  })
  .option('max-dlq', { type: 'string', coerce: numberArg('max-dlq', { integer: true }), describe: 'unhealthy when a topic DLQ holds more entries than this' })
  .option('fail-on-dead-consumers', { type: 'boolean', default: false, describe: 'unhealthy when a consumer without heartbeat holds pending entries' })
  .option('fail-on-stale', {
    type: 'boolean',
    default: false,
    describe: 'unhealthy when a group is stale (its work has waited --stale-after with no live consumer)',
  })
  .option('stale-after', {
    type: 'string',
    coerce: durationArg('stale-after'),
    describe: `staleness window, e.g. 30m, 1h [default ${DEFAULT_HEALTH_OPTIONS.staleAfterMs / 60_000}m]`,
  })
  .option('watch', {
    type: 'string',
    coerce: (v: unknown) => (v === '' ? 2 : numberArg('watch', { min: 0.1 })(v)),
    describe: 'redraw every N seconds (default 2) until Ctrl-C',
  })
  .example('$0 --max-lag 1000 --max-dlq 0 --fail-on-dead-consumers', 'a readiness/alerting probe')
  .example('$0 --json | jq .problems', 'machine output')
  .parseAsync();

const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.once('SIGTERM', () => abort.abort());

const io = processIO();
const code = await runTool(TOOL, io, () =>
  streamsHealth(
    {
      redisUrl: argv['redis-url'],
      prefix: argv.prefix,
      json: argv.json,
      watchSeconds: argv.watch ?? null,
      health: {
        maxLag: argv['max-lag'] ?? null,
        maxPending: argv['max-pending'] ?? null,
        maxDlq: argv['max-dlq'] ?? null,
        failOnDeadConsumers: argv['fail-on-dead-consumers'],
        failOnStale: argv['fail-on-stale'],
        ...(argv['stale-after'] !== undefined ? { staleAfterMs: argv['stale-after'] } : {}),
      },
    },
    io,
    abort.signal,
  ),
);
exitWhenFlushed(code);

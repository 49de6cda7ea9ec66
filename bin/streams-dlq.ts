#!/usr/bin/env -S node --import tsx
/** streams-dlq: list, show, replay and purge dead letters. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { durationArg, exitWhenFlushed, numberArg, processIO, runTool, strictParser, withConnectionFlags } from '../src/cli/common.js';
import type { DlqAction } from '../src/cli/dlq/command.js';
import { streamsDlq } from '../src/cli/lazy.js';
import type { ReplayTarget } from '../src/cli/dlq/replay.js';

const TOOL = 'streams-dlq';

const argv = await strictParser(withConnectionFlags(yargs(hideBin(process.argv))), TOOL)
  .usage('$0 <list|show|replay|purge> [options]\n\nDead letters of every topic of the prefix (or of one with --topic), oldest first.')
  // 100 is DEFAULT_DLQ_LIST_COUNT, written out: importing the command module here would slow --help.
  .command('list', 'table of the selected dead letters (at most 100 unless --count)')
  .command('show <id>', 'one dead letter as JSON', (y) => y.positional('id', { type: 'string', describe: 'DLQ entry id (ms-seq)' }))
  .command('replay', 'put the selected entries back on their stream with attempt 1, atomically removing them from the DLQ')
  .command('purge', 'delete the selected entries (requires --yes)')
  .demandCommand(1, 'name a command: list, show, replay or purge')
  .option('topic', { type: 'string', describe: 'only the DLQ of this topic (every partition)' })
  .option('actor', { type: 'string', describe: 'only entries dead-lettered by this actor' })
  .option('reason', { type: 'string', describe: 'only this reason (handler-error, poison, not-json, invalid-envelope, ...)' })
  .option('error', { type: 'string', describe: 'only entries whose error contains this text (case-insensitive)' })
  .option('older-than', { type: 'string', coerce: durationArg('older-than'), describe: 'only entries that failed at least this long ago (10m, 2h, 7d)' })
  .option('newer-than', { type: 'string', coerce: durationArg('newer-than'), describe: 'only entries that failed at most this long ago' })
  .option('count', { type: 'string', coerce: numberArg('count', { integer: true, min: 1 }), describe: 'at most N entries, oldest first' })
  .option('target', {
    choices: ['source', 'actor'] as const,
    describe: "replay only: onto the stream it failed on (source, the default), or only onto the failing actor's retry stream",
  })
  .option('dry-run', { type: 'boolean', default: false, describe: 'replay/purge: print what would happen, change nothing' })
  .option('yes', { type: 'boolean', default: false, describe: 'purge: really delete' })
  .option('raw', { type: 'boolean', default: false, describe: 'print entries as stored, secrets and emails included (output is redacted by default)' })
  .option('redact', { type: 'boolean', hidden: true, describe: 'kept for old scripts: output is redacted by default now' })
  .example('$0 list --topic lead.enriched --reason handler-error --newer-than 1h', '')
  .example('$0 replay --actor copywriter --error timeout --dry-run', '')
  .example('$0 purge --older-than 7d --yes', '')
  .parseAsync();

const io = processIO();
const code = await runTool(TOOL, io, () =>
  streamsDlq(
    {
      redisUrl: argv['redis-url'],
      prefix: argv.prefix,
      json: argv.json,
      action: String(argv._[0]) as DlqAction,
      ...(argv.id !== undefined ? { id: String(argv.id) } : {}),
      filter: {
        ...(argv.topic !== undefined ? { topic: argv.topic } : {}),
        ...(argv.actor !== undefined ? { actor: argv.actor } : {}),
        ...(argv.reason !== undefined ? { reason: argv.reason } : {}),
        ...(argv.error !== undefined ? { errorText: argv.error } : {}),
        ...(argv['older-than'] !== undefined ? { olderThanMs: argv['older-than'] } : {}),
        ...(argv['newer-than'] !== undefined ? { newerThanMs: argv['newer-than'] } : {}),
        ...(argv.count !== undefined ? { count: argv.count } : {}),
      },
      dryRun: argv['dry-run'],
      yes: argv.yes,
      ...(argv.target !== undefined ? { target: argv.target as ReplayTarget } : {}),
      raw: argv.raw,
    },
    io,
  ),
);
exitWhenFlushed(code);

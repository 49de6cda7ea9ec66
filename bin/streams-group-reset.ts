#!/usr/bin/env -S node --import tsx
/** streams-group-reset: move a consumer group's last-delivered id; a dry run unless --yes. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitWhenFlushed, numberArg, processIO, runTool, strictParser, withConnectionFlags } from '../src/cli/common.js';
import { streamsGroupReset } from '../src/cli/lazy.js';

const TOOL = 'streams-group-reset';

const argv = await strictParser(withConnectionFlags(yargs(hideBin(process.argv))), TOOL)
  .usage(
    "$0 <stream-or-topic> <group> --to <id|$|0> [--yes]\n\nMoves the group's last-delivered id (XGROUP SETID): 0 delivers the whole stream again, $ skips to new entries only.\nShows the plan and changes nothing unless --yes is given.",
  )
  .command('$0 <stream> <group>', false, (y) =>
    y
      .positional('stream', { type: 'string', demandOption: true, describe: 'full stream key, or a topic name' })
      .positional('group', { type: 'string', demandOption: true, describe: 'consumer group (the actor name)' }),
  )
  .option('to', { type: 'string', demandOption: true, describe: 'new last-delivered id: $, 0 or <ms>-<seq>' })
  .option('partition', {
    type: 'string',
    coerce: numberArg('partition', { integer: true }),
    describe: 'partition of the topic (when a topic name is given)',
    default: '0',
  })
  .option('yes', { type: 'boolean', default: false, describe: 'apply the change' })
  .option('dry-run', { type: 'boolean', default: false, describe: 'only print the plan (the default without --yes)' })
  .example('$0 lead.enriched copywriter --to 0', 'what re-reading the whole topic would do')
  .example("$0 lead.enriched copywriter --to '$' --yes", 'skip the backlog')
  .parseAsync();

const io = processIO();
const code = await runTool(TOOL, io, () =>
  streamsGroupReset(
    {
      redisUrl: argv['redis-url'],
      prefix: argv.prefix,
      json: argv.json,
      stream: String(argv.stream),
      group: String(argv.group),
      to: String(argv.to),
      partition: Number(argv.partition),
      yes: argv.yes,
      dryRun: argv['dry-run'],
    },
    io,
  ),
);
exitWhenFlushed(code);

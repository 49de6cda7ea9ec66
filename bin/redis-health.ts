#!/usr/bin/env -S node --import tsx
/** redis-health: does this Redis suit stream-actors? Exit 1 when a check fails. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitWhenFlushed, processIO, runTool, strictParser, withConnectionFlags } from '../src/cli/common.js';
import { redisHealth } from '../src/cli/lazy.js';

const TOOL = 'redis-health';

const argv = await strictParser(withConnectionFlags(yargs(hideBin(process.argv)), { prefix: false }), TOOL)
  .usage(
    '$0 [options]\n\nPING latency, version, role, memory, eviction policy and persistence of a Redis, judged for streams.\nExit 0 when it suits (warnings allowed), 1 when a check FAILs, 2 on bad flags, 3 when unreachable.',
  )
  .option('smoke', {
    type: 'boolean',
    default: false,
    describe: 'also run a stream round trip (XADD, XGROUP CREATE, XREADGROUP, XACK, DEL) on a scratch key <prefix>:smoke:<token> (prefix from STREAMS_PREFIX)',
  })
  .example('$0 --redis-url rediss://user:password@redis.example:6380', '')
  .example('$0 --smoke', "prove the runtime's commands work with these credentials")
  .parseAsync();

const io = processIO();
const code = await runTool(TOOL, io, () => redisHealth({ redisUrl: argv['redis-url'], json: argv.json, smoke: argv.smoke }, io));
exitWhenFlushed(code);

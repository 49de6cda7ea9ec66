#!/usr/bin/env -S node --import tsx
// streams-bench: the write benchmark. Parses flags (the shared CLI plumbing) and calls src/cli/bench.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { numberArg, strictParser, withConnectionFlags } from '../src/cli/common.js';
import { streamsBench } from '../src/cli/lazy.js';
import { DEFAULT_WRITE_BENCH_OPTIONS, MAX_PAYLOAD_BYTES } from '../src/cli/bench/options.js';

const TOOL = 'streams-bench';
const d = DEFAULT_WRITE_BENCH_OPTIONS;
const argv = await strictParser(withConnectionFlags(yargs(hideBin(process.argv))), TOOL)
  .usage(
    '$0 [options]\n\nWrites N envelopes (built and encoded per message) in pipelined batches over several connections; prints throughput and per-batch latency.\n' +
      'Writes under the bench prefix (<prefix>-bench unless --prefix is given) and deletes what it wrote unless --keep.\n' +
      'Exit 0 when done, 1 when the run failed, 2 on bad flags, 3 when Redis is unreachable.',
  )
  .option('count', {
    type: 'string',
    coerce: numberArg('count', { integer: true, min: 1, max: 1_000_000_000 }),
    describe: `envelopes to write [default ${d.count}]`,
  })
  .option('payload-bytes', {
    type: 'string',
    coerce: numberArg('payload-bytes', { integer: true, min: 0, max: MAX_PAYLOAD_BYTES }),
    describe: `payload size of each envelope in bytes [default ${d.payloadBytes}]`,
  })
  .option('pipeline', {
    type: 'string',
    coerce: numberArg('pipeline', { integer: true, min: 1, max: 100_000 }),
    describe: `envelopes per pipelined batch (one round trip) [default ${d.pipeline}]`,
  })
  .option('connections', {
    type: 'string',
    coerce: numberArg('connections', { integer: true, min: 1, max: 1_000 }),
    describe: `connections writing concurrently [default ${d.connections}]`,
  })
  .option('topic', { type: 'string', describe: `topic (stream) written to [default ${d.topic}]` })
  .option('keep', { type: 'boolean', default: false, describe: 'keep the written entries (default: delete them afterwards)' })
  .option('cleanup', { type: 'boolean', hidden: true, describe: 'kept for old scripts: cleanup is the default now' })
  .example('$0 --count 100000 --pipeline 128', 'a larger run; nothing is left behind')
  .example('$0 --count 1000 --keep --json', 'keep the entries to inspect them')
  .parseAsync();

const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.once('SIGTERM', () => abort.abort());

process.exitCode = await streamsBench(
  {
    count: argv.count,
    payloadBytes: argv['payload-bytes'],
    pipeline: argv.pipeline,
    connections: argv.connections,
    topic: argv.topic,
    redisUrl: argv['redis-url'],
    prefix: argv.prefix,
    json: argv.json,
    cleanup: !argv.keep,
  },
  { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: abort.signal },
);

#!/usr/bin/env -S node --import tsx
// streams-bench: the write benchmark. Parses flags and calls src/cli/bench (exit 2 on bad flags).
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { BENCH_EXIT, streamsBench } from '../src/cli/bench/command.js';
import { DEFAULT_WRITE_BENCH_OPTIONS } from '../src/cli/bench/options.js';

const d = DEFAULT_WRITE_BENCH_OPTIONS;
const argv = await yargs(hideBin(process.argv))
  .scriptName('streams-bench')
  .usage('$0 [options]\n\nWrites N envelopes (built and encoded per message) in pipelined batches over several connections; prints throughput and per-batch latency.')
  .options({
    count: { type: 'number', default: d.count, describe: 'envelopes to write' },
    'payload-bytes': { type: 'number', default: d.payloadBytes, describe: 'payload size of each envelope (bytes)' },
    pipeline: { type: 'number', default: d.pipeline, describe: 'envelopes per pipelined batch (one round trip)' },
    connections: { type: 'number', default: d.connections, describe: 'connections writing concurrently' },
    topic: { type: 'string', default: d.topic, describe: 'topic (stream) written to' },
    'redis-url': { type: 'string', describe: 'redis:// or rediss:// URL (default: REDIS_URL, then redis://127.0.0.1:6379)' },
    prefix: { type: 'string', describe: 'key prefix (default: STREAMS_PREFIX, then sa)' },
    json: { type: 'boolean', default: false, describe: 'print the result as JSON, no progress bar' },
    cleanup: { type: 'boolean', default: d.cleanup, describe: 'delete the written entries afterwards' },
  })
  .strict()
  .help()
  .version(false)
  .fail((msg, err) => {
    process.stderr.write(`streams-bench: ${(msg ?? err?.message ?? 'bad arguments').split('\n')[0]} (see --help)\n`);
    process.exit(BENCH_EXIT.usage);
  })
  .parse();

const abort = new AbortController();
process.once('SIGINT', () => abort.abort());
process.once('SIGTERM', () => abort.abort());

process.exitCode = await streamsBench(
  { count: argv.count, payloadBytes: argv['payload-bytes'], pipeline: argv.pipeline, connections: argv.connections, topic: argv.topic, redisUrl: argv['redis-url'], prefix: argv.prefix, json: argv.json, cleanup: argv.cleanup },
  { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: abort.signal },
);

/**
 * `npm run bench`: every scenario of issue 6 on one Redis in one run, then one table with the
 * targets of docs/BENCHMARKS.md, printed and written to docs/BENCHMARKS.md. Exit 0 when every scenario ran
 * (met or not), 1 when one failed, 2 on bad arguments, 130 on Ctrl-C.
 *
 *   BENCH_SCALE=0.01 npm run bench              quick run (every N scaled)
 *   npm run bench -- --only actor-commit --cpu-prof .tmp/prof --no-docs
 */
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { describeUrl } from '../src/streams/redis-connection.js';
import { Cleanup } from './cleanup.js';
import { disturbedNote, writeBenchmarksDoc } from './docs.js';
import { scaleFromEnv, SCENARIO_IDS, type ScenarioId } from './plan.js';
import { buildCpuRows, renderCpuTable, renderTable } from './report.js';
import { runBench } from './suite.js';

const DOC = fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url));

const argv = await yargs(hideBin(process.argv))
  .scriptName('npm run bench --')
  .options({
    only: { type: 'string', describe: `comma-separated scenarios: ${SCENARIO_IDS.join(', ')}` },
    'cpu-prof': { type: 'string', describe: 'write V8 CPU profiles of the measured processes to this directory' },
    docs: { type: 'boolean', default: true, describe: 'rewrite docs/BENCHMARKS.md (only for a full run; --no-docs to skip)' },
  })
  .strict()
  .version(false)
  .fail((msg, err) => {
    process.stderr.write(`bench: ${(msg ?? err?.message ?? 'bad arguments').split('\n')[0]}\n`);
    process.exit(2);
  })
  .parse();

let scale: number;
let only: ScenarioId[] | undefined;
try {
  scale = scaleFromEnv();
  only = argv.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) as ScenarioId[] | undefined;
  const unknown = only?.filter((s) => !(SCENARIO_IDS as readonly string[]).includes(s)) ?? [];
  if (unknown.length) throw new RangeError(`unknown scenario ${unknown.join(', ')} (known: ${SCENARIO_IDS.join(', ')})`);
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(2);
}

const cleanup = new Cleanup();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}; stopping what the run started\n`);
    void cleanup.run((l) => process.stderr.write(`${l}\n`)).finally(() => process.exit(130));
  });
}

const redisUrl = process.env.REDIS_URL || undefined;
const report = await runBench({
  ...(redisUrl ? { redisUrl } : {}),
  scale,
  ...(only ? { only } : {}),
  ...(argv['cpu-prof'] ? { cpuProfDir: argv['cpu-prof'] } : {}),
  cleanup,
});
console.log(renderTable(report.rows));
console.log(renderCpuTable(buildCpuRows(report.measurements)));
for (const m of report.measurements)
  for (const h of m.endToEnd?.hops ?? []) console.log(`  ${h.name}: p50 ${h.latencyMs.p50} / p99 ${h.latencyMs.p99} / max ${h.latencyMs.max} ms`);
for (const line of disturbedNote(report)) console.log(line);
console.log(`total ${(report.durationMs / 1000).toFixed(0)} s, Redis ${report.redis.version}, scale ${report.plan.scale}`);

const command = [
  process.env.BENCH_SCALE ? `BENCH_SCALE=${process.env.BENCH_SCALE}` : '',
  redisUrl ? `REDIS_URL=${describeUrl(redisUrl)}` : '',
  process.env.npm_lifecycle_event === 'bench' ? 'npm run bench' : 'npx tsx bench/run.ts',
  ...hideBin(process.argv),
]
  .filter(Boolean)
  .join(' ');
if (argv.docs && !only) {
  writeBenchmarksDoc(DOC, report, command);
  console.log(`wrote ${DOC}`);
}
process.exitCode = report.failed.length ? 1 : 0;

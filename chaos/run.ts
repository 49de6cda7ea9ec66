/**
 * `npm run chaos`: the large chaos run. CHAOS_SCALE (default 10: 20,000 inputs over 60 s)
 * multiplies counts and durations; CHAOS_SEED repeats a schedule; REDIS_URL runs on an existing
 * server (only keys under a fresh prefix are touched), otherwise a redis-server with AOF
 * (appendfsync always) is started here and also SIGKILLed and restarted CHAOS_REDIS_RESTARTS
 * times (default 1) during the feed. Exit status 0 only when nothing was lost or duplicated and
 * the DLQ holds exactly the injected poison.
 */
import { parseBoolean } from '../src/settings.js';
import { RedisServer } from '../test/support/redis-server.js';
import { formatReport, runChaos } from './driver.js';
import { chaosEnv, scaledOptions } from './options.js';

const { scale, seed } = chaosEnv(process.env, 10);
const external = process.env.REDIS_URL;
const server = external ? null : await RedisServer.start({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
const redisRestarts = server ? Number(process.env.CHAOS_REDIS_RESTARTS ?? 1) : 0;
const verbose = parseBoolean('CHAOS_VERBOSE', process.env.CHAOS_VERBOSE) ?? false;
console.log(`chaos: seed ${seed}, scale ${scale}, redis ${server ? `redis-server on port ${server.port} (AOF always)` : 'from REDIS_URL'}`);
try {
  const report = await runChaos(
    { ...scaledOptions(scale), redisUrl: server?.url ?? external!, prefix: `chaos${Date.now().toString(36)}`, seed, redisRestarts },
    {
      log: (line) => (verbose || !line.startsWith('chaos: SIGKILL s') ? console.log(line) : undefined),
      ...(server ? { restartRedis: () => server.restart('SIGKILL', 500) } : {}),
    },
  );
  for (const line of formatReport(report)) console.log(line);
  if (!report.ok) {
    console.log(JSON.stringify({ outcome: report.outcome, drain: report.drain, exitCodes: report.exitCodes }, null, 2));
    for (const [consumer, lines] of Object.entries(report.tails)) if (lines.length) console.log(`--- ${consumer}\n${lines.join('\n')}`);
  }
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await server?.dispose();
}

/**
 * The chaos driver: runs the 3-stage pipeline as 2 processes per stage on real Redis, feeds it,
 * SIGKILLs random stage processes at random moments (seeded), optionally kills Redis itself, waits
 * for the drain and checks that nothing was lost, duplicated or wrongly dead-lettered.
 */
import { fileURLToPath } from 'node:url';
import { ENVELOPE_FIELD, encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { fieldValue, isStreamBackendError, type Append } from '../src/streams/backend.js';
import type { Envelope } from '../src/envelope/types.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { DEFAULT_CHAOS_OPTIONS, type ChaosOptions } from './options.js';
import { INPUT_TOPIC, STAGES, correlationOf, inputTopicOf, type ChaosPayload, type FaultKind, type StageName } from './pipeline.js';
import { createPrng, type Prng } from './prng.js';
import { Supervisor, type Slot, type SupervisorCounts } from './supervisor.js';
import { drainState, outcomeOk, verifyOutcome, type ChaosOutcome, type DrainState, type ExpectedDeadLetter, type TrimFault } from './verify.js';

/** The stage process entry the supervisor starts. */
export const STAGE_PROCESS = fileURLToPath(new URL('./stage-process.ts', import.meta.url));

/** Hooks of a run besides its options. */
export interface ChaosHooks {
  /** Kills Redis (SIGKILL) and starts it again on the same data; required when redisRestarts > 0. */
  restartRedis?: () => Promise<void>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Everything a run did and found. */
export interface ChaosReport extends SupervisorCounts {
  seed: number;
  envelopes: number;
  injected: Record<FaultKind, number>;
  redisRestarts: number;
  /** Producer batches sent again after a connection drop (their copies are deduplicated downstream). */
  producerRetries: number;
  outcome: ChaosOutcome;
  /** Crash-poison inputs an external trim removed (before delivery or while pending): they may never have crashed a process. */
  crashPoisonTrimmed: number;
  /** The drain state when waiting ended (drained unless the drain timed out). */
  drain: DrainState;
  feedMs: number;
  drainMs: number;
  wallMs: number;
  /** Exit code of every process after SIGTERM at the end (0: graceful). */
  exitCodes: Record<string, number | null>;
  /** Last stderr lines per process, for a failure report. */
  tails: Record<string, string[]>;
  ok: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Plan {
  faults: Map<number, { kind: FaultKind; stage: StageName }>;
  poison: ExpectedDeadLetter[];
}

/** Which inputs carry which fault; a pure function of the PRNG. */
function planFaults(prng: Prng, o: ChaosOptions): Plan {
  const faults = new Map<number, { kind: FaultKind; stage: StageName }>();
  const poison: ExpectedDeadLetter[] = [];
  const want: [FaultKind, number][] = [
    ['permanent', o.permanentPoison],
    ['crash', o.crashPoison],
    ['flaky', o.flaky],
    ['slow', o.slow],
  ];
  for (const [kind, count] of want) {
    for (let k = 0; k < Math.min(count, o.envelopes);) {
      const i = prng.int(0, o.envelopes - 1);
      if (faults.has(i)) continue;
      const stage = prng.pick(STAGES);
      faults.set(i, { kind, stage });
      if (kind === 'permanent' || kind === 'crash')
        poison.push({ correlationId: correlationOf(i), topic: inputTopicOf(stage), reason: kind === 'crash' ? 'poison' : 'handler-error' });
      k += 1;
    }
  }
  return { faults, poison };
}

/**
 * A producer that keeps its promise: when Redis drops the connection mid-pipeline, ioredis either
 * re-sends the unanswered commands after reconnecting or aborts them ("Command aborted due to
 * connection close") although some may have been written. Here the whole batch is sent again.
 * Either way some inputs may land twice; the copies carry the same idempotencyKey and the first
 * stage acks them as duplicates.
 */
async function appendWithRetry(backend: RedisStreamBackend, batch: Append[], counts: { producerRetries: number }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await backend.appendMany(batch);
      return;
    } catch (err) {
      if (!isStreamBackendError(err) || attempt >= 50) throw err;
      counts.producerRetries += 1;
      await sleep(100);
    }
  }
}

async function feed(
  backend: RedisStreamBackend,
  keys: Keys,
  o: ChaosOptions,
  plan: Plan,
  counts: { producerRetries: number },
  fault: TrimFault,
  log: (line: string) => void,
): Promise<void> {
  const rounds = Math.ceil(o.envelopes / o.feedBatch);
  // External trims: rounds spread over the feed, after the last Redis restart (a restarted Redis
  // 7.0 forgets the groups' entries-read, so a gap could no longer be counted).
  const segment = rounds / (o.redisRestarts + 1);
  const trimRounds = new Set(
    Array.from({ length: o.externalTrims }, (_, k) => Math.floor(o.redisRestarts * segment + ((k + 0.5) * segment) / o.externalTrims)),
  );
  const started = Date.now();
  for (let r = 0; r < rounds; r++) {
    const batch = [];
    for (let i = r * o.feedBatch; i < Math.min(o.envelopes, (r + 1) * o.feedBatch); i++) {
      const fault = plan.faults.get(i);
      const payload: ChaosPayload = fault ? { i, fault } : { i };
      const env = createEnvelope({ type: INPUT_TOPIC, payload, idempotencyKey: `in-${i}`, correlationId: correlationOf(i) });
      batch.push({ stream: keys.topic(INPUT_TOPIC), fields: encodeEnvelope(env) });
    }
    if (trimRounds.has(r)) {
      log(`chaos: external XTRIM MAXLEN 0 of ${INPUT_TOPIC} right after a feed round`);
      await externalTrim(backend, keys, STAGES[0], fault, batch);
    } else await appendWithRetry(backend, batch, counts);
    // Spread the rounds evenly over the duration, catching up if a round was slow (Redis down).
    const due = started + ((r + 1) * o.durationMs) / rounds;
    if (due > Date.now()) await sleep(due - Date.now());
  }
}

/**
 * The external-trim fault, as one script so nothing moves meanwhile: appends one feed round (so
 * some entries are surely undelivered: no consumer is served inside a script), then collects the
 * stage group's undelivered entries (after its last-delivered id) and its delivered-but-pending
 * ones, then `XTRIM MAXLEN 0`. KEYS[1] stream; ARGV[1] group, ARGV[2..] field/value pairs of one
 * envelope each. Returns { undelivered entries, pending entries }.
 */
const EXTERNAL_TRIM = `
for i = 2, #ARGV, 2 do redis.call('XADD', KEYS[1], '*', ARGV[i], ARGV[i + 1]) end
local last = '0-0'
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, ld
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then ld = g[i + 1] end
  end
  if name == ARGV[1] then last = ld end
end
local undelivered = redis.call('XRANGE', KEYS[1], '(' .. last, '+')
local pending = {}
for _, p in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 100000)) do
  local e = redis.call('XRANGE', KEYS[1], p[1], p[1])
  if e[1] then pending[#pending + 1] = e[1] end
end
redis.call('XTRIM', KEYS[1], 'MAXLEN', 0)
return { undelivered, pending }
`;

function correlationOfFields(fields: string[]): string {
  const json = fieldValue(fields, ENVELOPE_FIELD);
  try {
    return (JSON.parse(json ?? 'null') as Envelope | null)?.correlationId ?? '?';
  } catch {
    return '?';
  }
}

async function externalTrim(backend: RedisStreamBackend, keys: Keys, stage: StageName, fault: TrimFault, append: Append[] = []): Promise<void> {
  const topic = inputTopicOf(stage);
  const [undelivered, pending] = (await backend.connection.eval(EXTERNAL_TRIM, 1, keys.topic(topic), stage, ...append.flatMap((a) => a.fields))) as [
    [string, string[]][],
    [string, string[]][],
  ];
  for (const [, fields] of undelivered) fault.gapped.add(correlationOfFields(fields));
  fault.gappedEntries += undelivered.length;
  for (const [id, fields] of pending) fault.trimmedPending.set(`${topic} ${id}`, correlationOfFields(fields));
  fault.trims += 1;
}

async function chaos(
  supervisor: Supervisor,
  prng: Prng,
  o: ChaosOptions,
  hooks: ChaosHooks,
  until: () => boolean,
  counts: { redisRestarts: number },
): Promise<void> {
  const started = Date.now();
  const redisAt = Array.from({ length: o.redisRestarts }, (_, k) => started + ((k + 1) * o.durationMs) / (o.redisRestarts + 1));
  let nextKill = o.killEveryMs > 0 ? started - o.killEveryMs * Math.log(1 - prng.next()) : Infinity;
  while (!until()) {
    const now = Date.now();
    if (redisAt.length && now >= redisAt[0]!) {
      redisAt.shift();
      hooks.log?.('chaos: SIGKILL redis-server and restart it');
      await hooks.restartRedis!();
      counts.redisRestarts += 1;
    }
    if (now >= nextKill) {
      nextKill = now - o.killEveryMs * Math.log(1 - prng.next());
      // Draw the same numbers whether or not a process is up, so the schedule depends on the seed only.
      const pick = prng.next();
      const pause = prng.int(o.restartPauseMs[0], o.restartPauseMs[1]);
      const live = supervisor.liveSlots();
      if (live.length) {
        const victim = live[Math.floor(pick * live.length)]!;
        hooks.log?.(`chaos: SIGKILL ${victim.consumer}, back in ${pause} ms`);
        supervisor.kill(victim, pause);
      }
    }
    await sleep(20);
  }
}

/** Runs one chaos experiment; never throws for a broken promise, it reports it (`ok: false`). */
export async function runChaos(
  options: Partial<ChaosOptions> & Pick<ChaosOptions, 'redisUrl' | 'prefix' | 'seed'>,
  hooks: ChaosHooks = {},
): Promise<ChaosReport> {
  const o: ChaosOptions = { ...DEFAULT_CHAOS_OPTIONS, ...options };
  if (o.redisRestarts > 0 && !hooks.restartRedis) throw new TypeError('redisRestarts needs a restartRedis hook');
  const log = hooks.log ?? (() => undefined);
  const wallStart = Date.now();
  const planPrng = createPrng(o.seed);
  const killPrng = createPrng(o.seed ^ 0x5bd1e995);
  const plan = planFaults(planPrng, o);
  const keys = createKeys(o.prefix);
  const backend = new RedisStreamBackend({
    url: o.redisUrl,
    maxRetriesPerRequest: null,
    connectionName: 'chaos-driver',
    ...(o.clusterNodes ? { clusterNodes: o.clusterNodes } : {}),
  });
  await backend.connect();
  const slots: Slot[] = STAGES.flatMap((stage) => Array.from({ length: o.processesPerStage }, (_, k) => ({ stage, consumer: `${stage}-${k}` })));
  const supervisor = new Supervisor(slots, {
    fixture: STAGE_PROCESS,
    env: {
      REDIS_URL: o.redisUrl,
      ...(o.clusterNodes ? { REDIS_CLUSTER_NODES: o.clusterNodes.join(',') } : {}),
      PREFIX: o.prefix,
      BATCH: String(o.batchSize),
      CONCURRENCY: String(o.concurrency),
      CLAIM_IDLE_MS: String(o.claimIdleMs),
      HEARTBEAT_MS: String(o.heartbeatMs),
      MAX_DELIVERIES: String(o.maxDeliveries),
      WORK_MS: String(o.workMs),
      SLOW_MS: String(o.slowMs),
      TRIM_INTERVAL_MS: String(o.trimIntervalMs),
    },
  });
  const counts = { redisRestarts: 0, producerRetries: 0 };
  const trimFault: TrimFault = { gapped: new Set(), gappedEntries: 0, trimmedPending: new Map(), trims: 0 };
  let exitCodes: Record<string, number | null> = {};
  let drain: DrainState = { drained: false, unread: -1, pending: -1, delayed: -1, missingGroups: -1 };
  let feedMs = 0;
  let drainMs = 0;
  try {
    log(`chaos: ${slots.length} stage processes, ${o.envelopes} inputs over ${o.durationMs} ms`);
    await supervisor.startAll();
    let feeding = true;
    const feedStart = Date.now();
    const chaosDone = chaos(supervisor, killPrng, o, hooks, () => !feeding && Date.now() - feedStart >= o.durationMs, counts);
    await feed(backend, keys, o, plan, counts, trimFault, log);
    feeding = false;
    await chaosDone;
    feedMs = Date.now() - feedStart;
    log(`chaos: feed done in ${feedMs} ms; waiting for the drain`);
    const drainStart = Date.now();
    let streak = 0;
    while (Date.now() - drainStart < o.drainTimeoutMs) {
      drain = await drainState(backend, keys);
      // Twice in a row: a claim pass or a restart could still be about to move something.
      streak = drain.drained ? streak + 1 : 0;
      if (streak >= 2) break;
      await sleep(250);
    }
    drainMs = Date.now() - drainStart;
    log(`chaos: ${drain.drained ? 'drained' : 'NOT drained'} after ${drainMs} ms (${JSON.stringify(drain)})`);
    const inputs = Array.from({ length: o.envelopes }, (_, i) => correlationOf(i));
    const outcome = await verifyOutcome(backend, keys, inputs, plan.poison, trimFault);
    exitCodes = await supervisor.stopAll();
    const injected: Record<FaultKind, number> = { permanent: o.permanentPoison, crash: o.crashPoison, flaky: o.flaky, slow: o.slow };
    const trimmed = new Set([...trimFault.gapped, ...trimFault.trimmedPending.values()]);
    const crashPoisonTrimmed = plan.poison.filter((p) => p.reason === 'poison' && trimmed.has(p.correlationId)).length;
    const graceful = Object.values(exitCodes).every((c) => c === 0);
    return {
      seed: o.seed,
      envelopes: o.envelopes,
      injected,
      ...supervisor.counts,
      redisRestarts: counts.redisRestarts,
      producerRetries: counts.producerRetries,
      outcome,
      crashPoisonTrimmed,
      drain,
      feedMs,
      drainMs,
      wallMs: Date.now() - wallStart,
      exitCodes,
      tails: supervisor.tails(),
      ok: drain.drained && outcomeOk(outcome) && graceful,
    };
  } finally {
    await supervisor.stopAll(2_000);
    if (o.cleanup) {
      const doomed = await backend.scanKeys(`${o.prefix}:*`);
      for (let i = 0; i < doomed.length; i += 500) await backend.deleteKeys(doomed.slice(i, i + 500));
    }
    await backend.close();
  }
}

/** The report as the lines `npm run chaos` prints. */
export function formatReport(r: ChaosReport): string[] {
  const o = r.outcome;
  return [
    `seed            ${r.seed}  (CHAOS_SEED=${r.seed} repeats this schedule)`,
    `envelopes       ${r.envelopes}  (poison: ${r.injected.permanent} permanent, ${r.injected.crash} crashing; ${r.injected.flaky} flaky; ${r.injected.slow} slow handlers)`,
    `kills           ${r.kills}  (SIGKILL of a stage process)`,
    `crashes         ${r.crashes}  (process exits caused by the crash poison; ${r.crashPoisonTrimmed} of ${r.injected.crash} crash poison trimmed away by the external trim)`,
    `restarts        ${r.restarts}`,
    `redis restarts  ${r.redisRestarts}  (producer batches re-sent: ${r.producerRetries})`,
    `final outputs   ${o.outputs}`,
    `lost            ${o.lost.length}${o.lost.length ? `  e.g. ${o.lost.slice(0, 5).join(', ')}` : ''}`,
    `duplicated      ${o.duplicated}`,
    `external trims  ${o.trims}  (gap: ${o.gapped} inputs trimmed before delivery, ${o.gapReported} reported by the runtime; ${o.trimmedPending} trimmed while pending: ${o.trimmedPendingDeadLettered} dead-lettered deleted-before-processing, the rest committed)`,
    `dead-lettered   ${o.deadLettered}  (expected ${r.injected.permanent + r.injected.crash}; missing ${o.deadLetterMissing.length}, unexpected ${o.deadLetterUnexpected.length}; copies of re-sent poison inputs ${o.deadLetterInputCopies})`,
    `pending at end  ${o.pending}`,
    `wall time       ${(r.wallMs / 1000).toFixed(1)} s  (feed ${(r.feedMs / 1000).toFixed(1)} s, drain ${(r.drainMs / 1000).toFixed(1)} s)`,
    `result          ${r.ok ? 'OK: nothing lost, nothing duplicated, DLQ = injected poison' : 'FAILED'}`,
  ];
}

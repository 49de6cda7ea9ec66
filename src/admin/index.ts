/**
 * `stream-actors/admin`: the operator API, what the CLIs (streams-health, streams-dlq,
 * streams-group-reset, actors replay) do, as functions over a StreamBackend and Keys, for
 * dashboards, scripts and tests. Every function takes an already connected backend and returns
 * data; nothing prints or exits. Lookups that find nothing throw CliError with code NOT_FOUND,
 * bad ids CliError USAGE (`isCliError(err, 'NOT_FOUND')`). Documented in docs/ADMIN.md.
 *
 * The implementations stay where the CLIs have them (src/cli/*, src/streams/move.ts); this module
 * is the stable surface over them.
 */
import type { StreamBackend } from '../streams/backend.js';
import type { Keys } from '../streams/keys.js';
import { CliError } from '../cli/common.js';
import { collectHealth, type HealthOptions, type HealthReport } from '../cli/health/collect.js';
import { executeReplay, planReplay, purgeDeadLetters as purgeItems, type ReplayOutcome, type ReplayStep, type ReplayTarget } from '../cli/dlq/replay.js';
import { findDeadLetter, selectDeadLetters, type DlqFilter, type DlqItem, type DlqSelection } from '../cli/dlq/select.js';
import { planGroupReset as planReset, type GroupResetPlan, type GroupState } from '../cli/group-reset.js';

export { CliError, isCliError, type CliErrorCode } from '../cli/common.js';
export { DEFAULT_HEALTH_OPTIONS } from '../cli/health/collect.js';
export type { ConsumerHealth, DlqDepth, GroupHealth, HealthCheck, HealthFinding, HealthOptions, HealthReport, StreamHealth } from '../cli/health/collect.js';
export { renderHealth } from '../cli/health/render.js';
export type { DlqFilter, DlqItem, DlqSelection } from '../cli/dlq/select.js';
export type { ReplayOutcome, ReplayStep, ReplayTarget } from '../cli/dlq/replay.js';
export type { GroupResetPlan, GroupState } from '../cli/group-reset.js';
export { moveEntries, type EntryMove, type EntryMoveResult } from '../streams/move.js';
export { parseDeadLetter, type DeadLetterEntry, type DeadLetterReason } from '../actors/runtime/dead-letter.js';
// ---- causal traces (`actors trace`) ------------------------------------------------------------
export {
  DEFAULT_TRACE_OPTIONS,
  TraceQueryError,
  assertTraceQuery,
  isTraceQueryError,
  renderTrace,
  traceFlow,
  type TraceOptions,
  type TraceQueryErrorCode,
} from './trace.js';
export type { TraceConsumer, TraceCopy, TraceDeadLetter, TraceMatch, TraceNode, TraceOutcome, TraceResult, TraceStats } from './trace.js';

// ---- health ----------------------------------------------------------------------------------

/** Every stream, group and consumer under the prefix, DLQ depths, and the findings of the thresholds in `options` (what streams-health prints). */
export function health(
  backend: StreamBackend,
  keys: Keys,
  options: Partial<HealthOptions> & { now?: () => number; memoryUsage?: (keys: string[]) => Promise<(number | null)[]> } = {},
): Promise<HealthReport> {
  const { now, memoryUsage, ...thresholds } = options;
  return collectHealth({ backend, keys, ...(now ? { now } : {}), ...(memoryUsage ? { memoryUsage } : {}) }, thresholds);
}

// ---- dead letters ----------------------------------------------------------------------------

/** Dead letters matching the filter (topic, actor, reason, error text, age, count), oldest first; `more` when `count` cut the list. */
export function listDeadLetters(backend: StreamBackend, keys: Keys, filter: DlqFilter = {}, nowMs: number = Date.now()): Promise<DlqSelection> {
  return selectDeadLetters(backend, keys, filter, nowMs);
}

/** One dead letter by its DLQ entry id (optionally only in the DLQ of `topic`); CliError NOT_FOUND when absent. */
export function showDeadLetter(backend: StreamBackend, keys: Keys, id: string, topic?: string): Promise<DlqItem> {
  return findDeadLetter(backend, keys, id, topic);
}

/** Options of replayDeadLetters. */
export interface ReplayDeadLettersOptions {
  /** 'source' (default): back onto the stream it failed on; 'actor': only onto the failing actor's retry stream. */
  target?: ReplayTarget;
  /** Only plan: every step 'planned' with its target (or 'refused' with why), nothing moved. */
  dryRun?: boolean;
}

/**
 * Replays dead letters: each entry's envelope (attempt reset to 1) is appended to its target and
 * removed from the DLQ in one atomic step, so a crash never leaves it in both or neither. Targets are
 * recomputed under the prefix; entries that cannot be replayed are 'refused' (with why), failures
 * 'failed', entries gone meanwhile 'gone'.
 */
export async function replayDeadLetters(
  backend: StreamBackend,
  keys: Keys,
  items: DlqItem[],
  options: ReplayDeadLettersOptions = {},
): Promise<ReplayOutcome[]> {
  const plan: ReplayStep[] = planReplay(items, keys, options.target ?? 'source');
  if (options.dryRun)
    return plan.map((s) =>
      s.target === null
        ? { item: s.item, status: 'refused', target: null, detail: s.refuseReason ?? 'refused' }
        : { item: s.item, status: 'planned', target: s.target, detail: 'dry run' },
    );
  return executeReplay(backend, plan);
}

/** Deletes the given dead letters; returns how many were deleted (the CLI asks for --yes first: this does not). */
export function purgeDeadLetters(backend: StreamBackend, items: DlqItem[]): Promise<number> {
  return purgeItems(backend, items);
}

// ---- consumer groups -------------------------------------------------------------------------

/** What moving `group` on `stream` to `to` ('$', '0' or an id) would do: direction and entries redelivered or skipped. CliError NOT_FOUND for an unknown stream or group. */
export function planGroupReset(backend: StreamBackend, stream: string, group: string, to: string): Promise<GroupResetPlan> {
  if (!/^(\$|\d+(-\d+)?)$/.test(to)) return Promise.reject(new CliError('USAGE', `to "${to}" must be $, 0 or a stream id like 1700000000000-0`));
  return planReset(backend, stream, group, to);
}

/** Applies a plan (XGROUP SETID; pending entries stay pending) and returns the group's state after it. */
export async function applyGroupReset(backend: StreamBackend, plan: GroupResetPlan): Promise<GroupState | null> {
  if (plan.direction !== 'none') await backend.setGroupId(plan.stream, plan.group, plan.to);
  const g = (await backend.groups(plan.stream)).find((x) => x.name === plan.group);
  return g ? { lastDeliveredId: g.lastDeliveredId, lag: g.lag, pending: g.pending, entriesRead: g.entriesRead, consumers: g.consumers } : null;
}

// ---- replay into a new group -----------------------------------------------------------------

/** What replayIntoGroup created. */
export interface GroupReplay {
  stream: string;
  group: string;
  /** The group starts after this id, so `from` itself is delivered. */
  startAfter: string;
  /** Entries the new group will deliver (null when the server does not report lag). */
  toDeliver: number | null;
}

/** The id just before `id`, so a group created there delivers `id` itself (as `actors replay --from`, without loading the lead topology). */
function idBefore(id: string): string {
  if (id === '0' || id === '0-0') return '0';
  const m = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (!m) throw new CliError('USAGE', `from must be 0 or a stream id <ms>-<seq>, got "${id}"`);
  const ms = BigInt(m[1]!);
  const seq = BigInt(m[2] ?? '0');
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : '0';
}

/**
 * Creates a new consumer group on a stream (a key, or a topic name on partition 0) that delivers
 * it again from `from` ('0' for everything, or an entry id). Run an actor named like the group
 * (`defineActor({ ...actor, name: group })`) to consume it; its outputs carry the same
 * idempotency keys as the first time, so downstream actors skip them while their markers live.
 */
export async function replayIntoGroup(backend: StreamBackend, keys: Keys, args: { stream: string; from: string; group: string }): Promise<GroupReplay> {
  const stream = keys.parse(args.stream) ? args.stream : keys.topic(args.stream);
  const startAfter = idBefore(args.from);
  if (!(await backend.streamInfo(stream))) throw new CliError('NOT_FOUND', `stream ${stream} does not exist`);
  if ((await backend.groups(stream)).some((g) => g.name === args.group))
    throw new CliError('USAGE', `group ${args.group} already exists on ${stream}; pick a new name`);
  await backend.ensureGroup(stream, args.group, startAfter);
  const info = (await backend.groups(stream)).find((g) => g.name === args.group);
  return { stream, group: args.group, startAfter, toDeliver: info?.lag ?? null };
}

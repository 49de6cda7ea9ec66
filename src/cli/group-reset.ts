/**
 * streams-group-reset: moves a consumer group's last-delivered id (XGROUP SETID). Shows the group
 * as it is and what the move would change; only --yes applies it.
 */
import { compareIds, type GroupInfo, type StreamBackend } from '../streams/backend.js';
import { createKeys } from '../streams/keys.js';
import { CliError, EXIT, resolveToolConfig, type CliIO, type ConnectionFlags } from './common.js';
import { connectTool, type ToolConnectionOptions } from './connect.js';
import { toJson } from './format.js';

/** What streams-group-reset was asked. */
export interface GroupResetArgs extends ConnectionFlags {
  /** A full stream key, or a topic name (resolved with keys.topic and `partition`). */
  stream: string;
  group: string;
  /** '$' (only new entries), '0' (everything again) or an id. */
  to: string;
  partition: number;
  yes: boolean;
  dryRun: boolean;
  connection?: Partial<ToolConnectionOptions>;
}

/** Most entries counted when telling how many would be redelivered or skipped. */
export const GROUP_RESET_COUNT_CAP = 10_000;

/** The group's state as shown before and after. */
export interface GroupState {
  lastDeliveredId: string;
  lag: number | null;
  pending: number;
  entriesRead: number | null;
  consumers: number;
}

/** What a reset would do. */
export interface GroupResetPlan {
  stream: string;
  group: string;
  to: string;
  /** The id `to` stands for ('$' is the stream's last generated id). */
  toId: string;
  before: GroupState;
  /** 'back': entries after toId up to the current id are delivered again; 'forward': entries up to toId are skipped. */
  direction: 'back' | 'forward' | 'none';
  /** How many entries are redelivered (back) or skipped (forward), counted up to GROUP_RESET_COUNT_CAP. */
  entries: number;
  capped: boolean;
}

const TARGET_RE = /^(\$|\d+(-\d+)?)$/;

function state(g: GroupInfo): GroupState {
  return { lastDeliveredId: g.lastDeliveredId, lag: g.lag, pending: g.pending, entriesRead: g.entriesRead, consumers: g.consumers };
}

/** Validates `to` and resolves the stream key; CliError USAGE on a bad id or topic name. */
export function resolveTarget(keysPrefix: string, args: Pick<GroupResetArgs, 'stream' | 'to' | 'partition'>): string {
  if (!TARGET_RE.test(args.to)) throw new CliError('USAGE', `--to "${args.to}" must be $, 0 or a stream id like 1700000000000-0`);
  if (args.stream.includes(':')) return args.stream;
  try {
    return createKeys(keysPrefix).topic(args.stream, args.partition);
  } catch (err) {
    throw new CliError('USAGE', (err as Error).message);
  }
}

async function countBetween(backend: StreamBackend, stream: string, afterId: string, upTo: string): Promise<{ n: number; capped: boolean }> {
  const got = await backend.range(stream, `(${afterId}`, upTo, GROUP_RESET_COUNT_CAP + 1);
  return { n: Math.min(got.length, GROUP_RESET_COUNT_CAP), capped: got.length > GROUP_RESET_COUNT_CAP };
}

/** Reads the group and works out what moving it to `to` changes; CliError NOT_FOUND for an unknown stream or group. */
export async function planGroupReset(backend: StreamBackend, stream: string, group: string, to: string): Promise<GroupResetPlan> {
  const info = await backend.streamInfo(stream);
  if (!info) throw new CliError('NOT_FOUND', `no stream ${stream}`);
  const groups = await backend.groups(stream);
  const g = groups.find((x) => x.name === group);
  if (!g) throw new CliError('NOT_FOUND', `no group "${group}" on ${stream} (groups: ${groups.map((x) => x.name).join(', ') || 'none'})`);
  const toId = to === '$' ? info.lastGeneratedId : to === '0' ? '0-0' : to.includes('-') ? to : `${to}-0`;
  const cmp = compareIds(toId, g.lastDeliveredId);
  const base = { stream, group, to, toId, before: state(g) };
  if (cmp === 0) return { ...base, direction: 'none', entries: 0, capped: false };
  if (cmp < 0) {
    const c = await countBetween(backend, stream, toId, g.lastDeliveredId);
    return { ...base, direction: 'back', entries: c.n, capped: c.capped };
  }
  const c = await countBetween(backend, stream, g.lastDeliveredId, toId);
  return { ...base, direction: 'forward', entries: c.n, capped: c.capped };
}

/** Rewinding re-delivers entries the group already committed: those are skipped, not reprocessed. */
export function markerWarning(group: string): string {
  return `warning: entries ${group} committed within the idempotency marker window (idempotencyTtlMs, 7 days by default) will be skipped as duplicates, not processed again; to reprocess them, replay into a new group (actors replay) or wait until their markers expire`;
}

function describe(plan: GroupResetPlan, after: GroupState | null, applied: boolean): string {
  const s = (st: GroupState): string => `last-delivered ${st.lastDeliveredId}, lag ${st.lag ?? 'unknown'}, pending ${st.pending}, consumers ${st.consumers}`;
  const n = `${plan.entries}${plan.capped ? '+' : ''} entr${plan.entries === 1 && !plan.capped ? 'y' : 'ies'}`;
  const change =
    plan.direction === 'none'
      ? 'no change: the group is already there'
      : plan.direction === 'back'
        ? `${n} will be delivered to the group again`
        : `${n} will be skipped: never delivered to this group`;
  const lines = [`stream  ${plan.stream}`, `group   ${plan.group}`, `now     ${s(plan.before)}`, `--to ${plan.to} → last-delivered ${plan.toId}: ${change}`];
  if (plan.direction === 'back') lines.push(markerWarning(plan.group));
  if (plan.before.pending > 0) lines.push(`note: the ${plan.before.pending} pending entries stay pending (SETID does not touch the pending list)`);
  if (after) lines.push(`after   ${s(after)}`);
  lines.push(applied ? 'done' : plan.direction === 'none' ? 'nothing to do' : 'dry run: nothing changed; add --yes to apply');
  return lines.join('\n');
}

/** Runs streams-group-reset; resolves with the exit status. */
export async function streamsGroupReset(args: GroupResetArgs, io: CliIO): Promise<number> {
  const cfg = resolveToolConfig(args);
  const stream = resolveTarget(cfg.prefix, args);
  const conn = await connectTool(cfg, args.connection);
  try {
    const plan = await planGroupReset(conn.backend, stream, args.group, args.to);
    const apply = args.yes && !args.dryRun && plan.direction !== 'none';
    let after: GroupState | null = null;
    if (apply) {
      await conn.backend.setGroupId(stream, args.group, args.to);
      const g = (await conn.backend.groups(stream)).find((x) => x.name === args.group);
      after = g ? state(g) : null;
    }
    io.out(
      args.json
        ? toJson({ ...plan, applied: apply, after, ...(plan.direction === 'back' ? { warning: markerWarning(plan.group) } : {}) })
        : describe(plan, after, apply),
    );
    return EXIT.ok;
  } finally {
    await conn.close();
  }
}

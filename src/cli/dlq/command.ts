/**
 * streams-dlq list|show|replay|purge: inspect dead letters, put them back on their streams with
 * attempts reset, or delete them. Destructive actions say what they would do first (--dry-run);
 * purge refuses without --yes.
 */
import { redact, redactString } from '../../monitoring/redact.js';
import type { StreamBackend } from '../../streams/backend.js';
import { createKeys, type Keys } from '../../streams/keys.js';
import { CliError, EXIT, resolveToolConfig, type CliIO, type ConnectionFlags } from '../common.js';
import { connectTool, type ToolConnectionOptions } from '../connect.js';
import { formatDuration, renderTable, toJson, truncate } from '../format.js';
import { executeReplay, planReplay, purgeDeadLetters, summarizeReplay, type ReplayOutcome, type ReplayStep, type ReplayTarget } from './replay.js';
import { findDeadLetter, selectDeadLetters, type DlqFilter, type DlqItem, type DlqSelection } from './select.js';

/** The subcommands. */
export type DlqAction = 'list' | 'show' | 'replay' | 'purge';

/** What streams-dlq was asked. */
export interface StreamsDlqArgs extends ConnectionFlags {
  action: DlqAction;
  /** Entry id, for show. */
  id?: string;
  filter: DlqFilter;
  dryRun: boolean;
  yes: boolean;
  /** replay only: where entries go (default `source`); refused on the other actions. */
  target?: ReplayTarget;
  /**
   * Print entries as stored, secrets and emails included. Off by default: operators paste tool
   * output into tickets, so list/show/purge output is redacted unless this is asked for.
   */
  raw?: boolean;
  connection?: Partial<ToolConnectionOptions>;
}

/** Defaults of the dlq command: list shows at most 100 entries unless --count says otherwise. */
export const DEFAULT_DLQ_LIST_COUNT = 100;

/** An item as JSON: the entry's fields plus where it lives. */
export function itemJson(it: DlqItem): Record<string, unknown> {
  return { stream: it.stream, topic: it.topic, partition: it.partition, ...it.entry };
}

function label(keys: Keys, key: string | null): string {
  if (key === null) return '-';
  const w = keys.parse(key);
  return w ? `${w.kind}:${w.topic}${w.partition ? `#p${w.partition}` : ''}` : key;
}

function listTable(items: DlqItem[], now: number, raw = false): string {
  return renderTable(
    ['id', 'topic', 'reason', 'actor', 'attempts', 'failed', 'error'],
    items.map((it) => [
      it.entry.id,
      it.topic,
      it.entry.reason,
      it.entry.actor,
      it.entry.attempts,
      `${formatDuration(now - it.failedAtMs)} ago`,
      truncate(raw ? it.entry.error : redactString(it.entry.error), 60),
    ]),
    { numeric: [4] },
  );
}

function planTable(keys: Keys, plan: ReplayStep[]): string {
  return renderTable(
    ['id', 'topic', 'action', 'to / why not'],
    plan.map((s) => [s.item.entry.id, s.item.topic, s.target ? 'replay' : 'refuse', s.target ? label(keys, s.target) : (s.refuseReason ?? '')]),
  );
}

function outcomeJson(o: ReplayOutcome): Record<string, unknown> {
  return {
    id: o.item.entry.id,
    dlq: o.item.stream,
    status: o.status,
    target: o.target,
    ...(o.newId ? { newId: o.newId } : {}),
    ...(o.detail ? { detail: o.detail } : {}),
  };
}

/** The entry as printed: redacted unless the operator asked for the raw entry. */
function printable(args: StreamsDlqArgs, value: unknown): unknown {
  return args.raw === true ? value : redact(value);
}

function list(args: StreamsDlqArgs, io: CliIO, sel: DlqSelection, now: number): number {
  if (args.json) io.out(toJson(printable(args, { items: sel.items.map(itemJson), more: sel.more })));
  else if (sel.items.length === 0) io.out('no matching dead letters');
  else io.out(`${listTable(sel.items, now, args.raw)}\n${sel.items.length} shown${sel.more ? '; more match (raise --count)' : ''}`);
  return EXIT.ok;
}

async function replay(args: StreamsDlqArgs, io: CliIO, keys: Keys, backend: StreamBackend, items: DlqItem[]): Promise<number> {
  const plan = planReplay(items, keys, args.target ?? 'source');
  if (args.dryRun) {
    if (args.json)
      io.out(
        toJson({
          dryRun: true,
          plan: plan.map((s) => ({ id: s.item.entry.id, dlq: s.item.stream, target: s.target, ...(s.refuseReason ? { refuseReason: s.refuseReason } : {}) })),
        }),
      );
    else
      io.out(
        plan.length === 0
          ? 'no matching dead letters'
          : `${planTable(keys, plan)}\ndry run: ${plan.filter((s) => s.target).length} would be moved, ${plan.filter((s) => !s.target).length} refused; nothing changed`,
      );
    return EXIT.ok;
  }
  // executeReplay never throws: every run ends with this report, also when Redis went away mid-run.
  const outcomes = await executeReplay(backend, plan);
  const summary = summarizeReplay(outcomes);
  if (args.json) io.out(toJson({ ...summary, outcomes: outcomes.map(outcomeJson) }));
  else if (outcomes.length === 0) io.out('no matching dead letters');
  else {
    const rows = outcomes.map((o) => [
      o.item.entry.id,
      o.item.topic,
      o.status,
      o.status === 'moved' ? `${label(keys, o.target)} ${o.newId}` : (o.detail ?? ''),
    ]);
    io.out(
      `${renderTable(['id', 'topic', 'status', 'new entry / why not'], rows)}\nmoved ${summary.moved}, refused ${summary.refused}, failed ${summary.failed}, gone ${summary.gone}`,
    );
  }
  return summary.refused + summary.failed > 0 ? EXIT.problems : EXIT.ok;
}

async function purge(args: StreamsDlqArgs, io: CliIO, backend: StreamBackend, items: DlqItem[], now: number): Promise<number> {
  if (args.dryRun) {
    if (args.json) io.out(toJson(printable(args, { dryRun: true, wouldDelete: items.map(itemJson) })));
    else
      io.out(
        items.length === 0 ? 'no matching dead letters' : `${listTable(items, now, args.raw)}\ndry run: ${items.length} would be deleted; nothing changed`,
      );
    return EXIT.ok;
  }
  if (!args.yes)
    throw new CliError(
      'REFUSED',
      `purge would delete ${items.length} dead letter${items.length === 1 ? '' : 's'}: add --yes to delete them, or --dry-run to list them`,
    );
  const deleted = await purgeDeadLetters(backend, items);
  io.out(args.json ? toJson({ deleted, ids: items.map((it) => it.entry.id) }) : `deleted ${deleted} dead letter${deleted === 1 ? '' : 's'}`);
  return EXIT.ok;
}

/** Runs streams-dlq; resolves with the exit status. */
export async function streamsDlq(args: StreamsDlqArgs, io: CliIO, now: () => number = Date.now): Promise<number> {
  if (args.target !== undefined && args.action !== 'replay') {
    throw new CliError('USAGE', `--target only applies to replay, not to ${args.action}`);
  }
  const cfg = resolveToolConfig(args);
  const keys = createKeys(cfg.prefix);
  const conn = await connectTool(cfg, args.connection);
  try {
    const { backend } = conn;
    if (args.action === 'show') {
      const item = await findDeadLetter(backend, keys, args.id ?? '', args.filter.topic);
      const json = itemJson(item);
      io.out(toJson(printable(args, json)));
      return EXIT.ok;
    }
    const t = now();
    const filter = args.action === 'list' ? { ...args.filter, count: args.filter.count ?? DEFAULT_DLQ_LIST_COUNT } : args.filter;
    const sel = await selectDeadLetters(backend, keys, filter, t);
    if (args.action === 'list') return list(args, io, sel, t);
    if (args.action === 'replay') return await replay(args, io, keys, backend, sel.items);
    return await purge(args, io, backend, sel.items, t);
  } finally {
    await conn.close();
  }
}

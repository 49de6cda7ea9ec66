/**
 * The dashboard's dead letters: pages read newest first with XREVRANGE … COUNT, merged over the
 * selected DLQ streams and filtered as they are read, so a page of a 100k-entry DLQ reads about
 * one page of entries (a filter that matches little reads at most dlqScanLimit); every entry goes
 * out redacted. Replay and purge reuse streams-dlq's plan and atomic moves.
 */
import { matches, toItem, type DlqFilter, type DlqItem } from '../cli/dlq/select.js';
import { executeReplay, planReplay, purgeDeadLetters, type ReplayOutcome } from '../cli/dlq/replay.js';
import { compareIds, type StreamBackend, type StreamEntry } from '../streams/backend.js';
import type { Keys } from '../streams/keys.js';
import type { Redactor } from '../monitoring/redact.js';

/** A dead letter as the page shows it: redacted. */
export interface DlqView {
  stream: string;
  topic: string;
  partition: number;
  id: string;
  failedAt: string;
  reason: string;
  actor: string;
  attempts: number;
  error: string;
  source: string;
  sourceId: string;
  envelope: unknown;
  raw: unknown;
}

/** One page of dead letters. */
export interface DlqPage {
  items: DlqView[];
  /** Where the next page starts (per stream: the exclusive end id), or null at the end. */
  cursor: Record<string, string> | null;
  /** Entries read for this page (more than items when a filter skipped some). */
  scanned: number;
  /** Entries in the selected DLQ streams. */
  total: number;
}

/** A selection of dead letters by where they live. */
export interface DlqRef {
  stream: string;
  id: string;
}

const ID_RE = /^\d+-\d+$/;
/** Marks a stream read to its start in a cursor. */
const DONE = 'done';

/** The page view of an item. */
export function viewOf(item: DlqItem, redactor: Redactor): DlqView {
  const e = item.entry;
  return {
    stream: item.stream,
    topic: item.topic,
    partition: item.partition,
    id: e.id,
    failedAt: e.failedAt,
    reason: e.reason,
    actor: e.actor,
    attempts: e.attempts,
    error: redactor.redactString(e.error),
    source: e.source,
    sourceId: e.sourceId,
    envelope: e.envelope === undefined ? null : redactor.redact(e.envelope),
    raw: e.raw === undefined ? null : redactor.redact(e.raw),
  };
}

interface Cursorstate {
  stream: string;
  end: string;
  buf: StreamEntry[];
  exhausted: boolean;
}

/** Reads one page, newest first over `streams` (DLQ stream keys with their lengths). */
export async function readDlqPage(
  backend: StreamBackend,
  keys: Keys,
  streams: readonly { key: string; length: number }[],
  filter: DlqFilter,
  cursor: Record<string, string> | null,
  o: { pageSize: number; scanLimit: number; now: number; redactor: Redactor },
): Promise<DlqPage> {
  const chunk = Math.min(500, Math.max(20, o.pageSize * 2));
  const states: Cursorstate[] = streams.map((s) => {
    const at = cursor?.[s.key];
    return { stream: s.key, end: at === undefined ? '+' : at, buf: [], exhausted: at === DONE };
  });
  const next: Record<string, string> = {};
  for (const s of states) next[s.stream] = s.end === '+' ? '+' : s.exhausted ? DONE : s.end;
  const items: DlqView[] = [];
  let scanned = 0;
  while (items.length < o.pageSize && scanned < o.scanLimit) {
    // Refill every empty buffer in one go: the XREVRANGEs go out together.
    await Promise.all(
      states
        .filter((s) => s.buf.length === 0 && !s.exhausted)
        .map(async (s) => {
          const got = await backend.revRange(s.stream, s.end, '-', chunk);
          s.buf = got;
          if (got.length < chunk) s.exhausted = true;
          if (got.length > 0) s.end = `(${got[got.length - 1]!.id}`;
        }),
    );
    let pick: Cursorstate | null = null;
    for (const s of states) if (s.buf.length > 0 && (pick === null || compareIds(s.buf[0]!.id, pick.buf[0]!.id) > 0)) pick = s;
    if (pick === null) break;
    const e = pick.buf.shift()!;
    scanned += 1;
    next[pick.stream] = pick.buf.length === 0 && pick.exhausted ? DONE : `(${e.id}`;
    const item = toItem(keys, pick.stream, e.id, e.fields);
    if (matches(item, filter, o.now)) items.push(viewOf(item, o.redactor));
  }
  const finished = states.every((s) => s.buf.length === 0 && s.exhausted);
  return { items, cursor: finished ? null : next, scanned, total: streams.reduce((n, s) => n + s.length, 0) };
}

/** Checks a selection: DLQ streams of this prefix and full entry ids only (a page never names another key). */
export function parseSelection(keys: Keys, body: unknown, max: number): DlqRef[] {
  const list = (body as { items?: unknown } | null)?.items;
  if (!Array.isArray(list) || list.length === 0) throw new RangeError('items must be a non-empty array of {stream, id}');
  if (list.length > max) throw new RangeError(`at most ${max} entries per request, got ${list.length}`);
  return list.map((raw, i) => {
    const r = raw as Partial<DlqRef> | null;
    if (typeof r?.stream !== 'string' || typeof r.id !== 'string' || !ID_RE.test(r.id))
      throw new RangeError(`items[${i}] must be {stream, id} with an id like 1700000000000-0`);
    if (keys.parse(r.stream)?.kind !== 'dlq') throw new RangeError(`items[${i}].stream is not a DLQ stream under prefix ${keys.prefix}`);
    return { stream: r.stream, id: r.id };
  });
}

/** Reads the selected entries (together, one XRANGE each); those already gone are left out. */
export async function loadSelection(backend: StreamBackend, keys: Keys, refs: DlqRef[]): Promise<{ items: DlqItem[]; missing: DlqRef[] }> {
  const found = await Promise.all(refs.map((r) => backend.range(r.stream, r.id, r.id, 1)));
  const items: DlqItem[] = [];
  const missing: DlqRef[] = [];
  found.forEach((entries, i) => {
    const e = entries[0];
    if (e) items.push(toItem(keys, refs[i]!.stream, e.id, e.fields));
    else missing.push(refs[i]!);
  });
  return { items, missing };
}

/** Replays the selection onto the streams the entries failed on; counts by outcome. */
export async function replaySelection(
  backend: StreamBackend,
  keys: Keys,
  refs: DlqRef[],
): Promise<{
  replayed: number;
  skipped: number;
  gone: number;
  outcomes: { stream: string; id: string; status: ReplayOutcome['status']; target: string | null; detail?: string }[];
}> {
  const { items, missing } = await loadSelection(backend, keys, refs);
  const outcomes = await executeReplay(backend, planReplay(items, keys, 'source'));
  const rows = outcomes.map((o) => ({
    stream: o.item.stream,
    id: o.item.entry.id,
    status: o.status,
    target: o.target,
    ...(o.detail ? { detail: o.detail } : {}),
  }));
  for (const m of missing) rows.push({ stream: m.stream, id: m.id, status: 'gone', target: null, detail: 'no longer in the DLQ' });
  const count = (s: ReplayOutcome['status']): number => rows.filter((r) => r.status === s).length;
  // The dashboard's counts: replayed = moved, skipped = refused or failed (each row says which and why).
  return { replayed: count('moved'), skipped: count('refused') + count('failed'), gone: count('gone'), outcomes: rows };
}

/** Deletes the selection from the DLQ; returns how many were deleted. */
export async function purgeSelection(backend: StreamBackend, keys: Keys, refs: DlqRef[]): Promise<{ purged: number; gone: number }> {
  const { items, missing } = await loadSelection(backend, keys, refs);
  const purged = await purgeDeadLetters(backend, items);
  return { purged, gone: missing.length + (items.length - purged) };
}

/**
 * DLQ replay and purge: which selected entries go where (a plan that --dry-run prints; targets
 * recomputed under the configured prefix, untrusted entries refused one by one), then the moves (each entry appended to its target with attempt 1 and deleted from the DLQ in one atomic
 * step, see src/streams/move.ts) or the deletions.
 */
import { encodeEnvelope } from '../../envelope/codec.js';
import { formatIssues, validateEnvelope } from '../../envelope/validate.js';
import type { StreamBackend } from '../../streams/backend.js';
import type { Keys } from '../../streams/keys.js';
import { moveEntries, type EntryMove } from '../../streams/move.js';
import type { DlqItem } from './select.js';

/** Where replayed entries go: the stream they failed on, or only the failing actor's retry stream. */
export type ReplayTarget = 'source' | 'actor';

/** One planned replay step. */
export interface ReplayStep {
  item: DlqItem;
  /** Target stream, or null when the entry is refused. */
  target: string | null;
  /** Why it is refused. */
  refuseReason?: string;
}

/** What a replay did with one entry. */
export interface ReplayOutcome {
  item: DlqItem;
  /** moved: on its target, gone from the DLQ; refused: not replayable, left in the DLQ; failed: an error, see detail; gone: left the DLQ meanwhile; planned: a dry run's would-be move. */
  status: 'moved' | 'refused' | 'failed' | 'gone' | 'planned';
  target: string | null;
  /** Id of the new entry on the target stream. */
  newId?: string;
  /** Why it was refused or failed, or that it had left the DLQ meanwhile. */
  detail?: string;
}

/** Moves per pipeline round trip, ids per XDEL. */
const MOVE_CHUNK = 500;

/**
 * Plans each entry's target, recomputed under the configured prefix from what the DLQ key says
 * (its topic and partition) and never taken from a stored key: a dead letter is untrusted input,
 * and one planted with `source` naming another prefix must not make a replay write there.
 * 'source': the topic stream of that topic and partition; or, when the dead letter says it failed
 * on the failing actor's own retry stream, that actor's retry stream (which only it reads).
 * 'actor': the failing actor's retry stream, so no other group sees it again.
 * Refused per entry: no decodable envelope (raw fields of invalid input, or too deep/too big),
 * a value that is not a valid envelope, an envelope of another type than its DLQ's topic, or an
 * actor name that is not a valid group name.
 */
export function planReplay(items: DlqItem[], keys: Keys, target: ReplayTarget = 'source'): ReplayStep[] {
  return items.map((item): ReplayStep => {
    const refuse = (why: string): ReplayStep => ({ item, target: null, refuseReason: why });
    const { envelope, source, actor, undecodable } = item.entry;
    if (keys.parse(item.stream)?.kind !== 'dlq') return refuse(`${item.stream} is not a DLQ stream under prefix "${keys.prefix}"`);
    if (item.entry.redacted) return refuse('stored redacted (redactDeadLetters): replaying would deliver masked values');
    if (envelope === undefined)
      return refuse(undecodable ? `envelope not decodable (${undecodable})` : 'no envelope (raw fields of invalid input): cannot be replayed');
    const valid = validateEnvelope(envelope);
    if (!valid.ok) return refuse(`not an envelope: ${formatIssues(valid.errors)}`);
    if (valid.envelope.type !== item.topic) return refuse(`envelope of type ${valid.envelope.type} in the DLQ of topic ${item.topic}`);
    // The recorded source only chooses between the two recomputed targets; one that names a key
    // outside the prefix, or another topic or partition than the DLQ's, marks a planted entry.
    const recorded = source === '' ? null : keys.parse(source);
    const shown = source.length > 120 ? `${source.slice(0, 120)}…` : source;
    if (source !== '' && recorded === null) return refuse(`recorded source ${shown} is not a stream under prefix "${keys.prefix}"`);
    const failedOnRetry = recorded?.kind === 'retry' && recorded.topic === actor;
    if (recorded && (recorded.partition !== item.partition || !(failedOnRetry || (recorded.kind === 'topic' && recorded.topic === item.topic)))) {
      return refuse(`recorded source ${shown} does not match the DLQ of ${item.topic} (partition ${item.partition})`);
    }
    try {
      if (target === 'actor' || failedOnRetry) {
        if (!actor) return refuse('no actor recorded: use --target source');
        return { item, target: keys.retry(actor, item.partition) };
      }
      return { item, target: keys.topic(item.topic, item.partition) };
    } catch (err) {
      return refuse(`no target under prefix "${keys.prefix}": ${(err as Error).message}`);
    }
  });
}

/** The fields a replayed entry carries: its envelope with attempt reset to 1. */
export function replayFields(item: DlqItem): string[] {
  return encodeEnvelope({ ...item.entry.envelope!, attempt: 1 });
}

/** Counts of a replay run, for its closing report. */
export interface ReplaySummary {
  moved: number;
  refused: number;
  failed: number;
  gone: number;
  planned?: number;
}

/** Counts outcomes by status. */
export function summarizeReplay(outcomes: ReplayOutcome[]): ReplaySummary {
  const sum: ReplaySummary = { moved: 0, refused: 0, failed: 0, gone: 0 };
  for (const o of outcomes) sum[o.status] = (sum[o.status] ?? 0) + 1;
  return sum;
}

/**
 * Executes a plan, outcomes in plan order. Each move is atomic (src/streams/move.ts), so whatever
 * happens every entry is either in the DLQ or on its target, never both, never neither. A target
 * that is not a stream refuses that entry only. A lost connection stops the run: the chunk in
 * flight is reported failed with its outcome unknown (look again with `streams-dlq list`), the
 * rest failed as not attempted; nothing throws, so the caller always prints the whole report.
 */
export async function executeReplay(backend: StreamBackend, plan: ReplayStep[]): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = plan.map((s) => ({ item: s.item, status: 'refused', target: null, detail: s.refuseReason ?? 'refused' }));
  const todo = plan.flatMap((s, index) =>
    s.target === null ? [] : [{ index, move: { from: s.item.stream, id: s.item.entry.id, to: s.target, fields: replayFields(s.item) } satisfies EntryMove }],
  );
  let stopped: string | null = null;
  for (let i = 0; i < todo.length; i += MOVE_CHUNK) {
    const chunk = todo.slice(i, i + MOVE_CHUNK);
    if (stopped !== null) {
      for (const { index, move } of chunk)
        outcomes[index] = { item: plan[index]!.item, status: 'failed', target: move.to, detail: `not attempted: the run stopped after an error (${stopped})` };
      continue;
    }
    try {
      const results = await moveEntries(
        backend,
        chunk.map((c) => c.move),
      );
      results.forEach((r, j) => {
        const { index } = chunk[j]!;
        const item = plan[index]!.item;
        if (r.error !== undefined) {
          outcomes[index] = /WRONGTYPE/.test(r.error)
            ? { item, status: 'refused', target: r.move.to, detail: `target is not a stream (${r.error}); left in the DLQ` }
            : { item, status: 'failed', target: r.move.to, detail: `${r.error}; left in the DLQ` };
        } else if (r.newId === null)
          outcomes[index] = { item, status: 'gone', target: r.move.to, detail: 'no longer in the DLQ (replayed or purged meanwhile)' };
        else outcomes[index] = { item, status: 'moved', target: r.move.to, newId: r.newId };
      });
    } catch (err) {
      stopped = (err as Error).message;
      for (const { index, move } of chunk)
        outcomes[index] = {
          item: plan[index]!.item,
          status: 'failed',
          target: move.to,
          detail: `outcome unknown (${stopped}): moved or still in the DLQ, never both; see streams-dlq list`,
        };
    }
  }
  return outcomes;
}

/** Deletes the items from their DLQ streams (XDEL per stream, in chunks); returns how many were deleted. */
export async function purgeDeadLetters(backend: StreamBackend, items: DlqItem[]): Promise<number> {
  const byStream = new Map<string, string[]>();
  for (const it of items) {
    const ids = byStream.get(it.stream);
    if (ids) ids.push(it.entry.id);
    else byStream.set(it.stream, [it.entry.id]);
  }
  let deleted = 0;
  for (const [stream, ids] of byStream) {
    for (let i = 0; i < ids.length; i += MOVE_CHUNK) deleted += await backend.deleteEntries(stream, ids.slice(i, i + MOVE_CHUNK));
  }
  return deleted;
}

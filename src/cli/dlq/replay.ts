/**
 * DLQ replay and purge: which selected entries go where (a plan that --dry-run prints), then the
 * moves (each entry appended to its target with attempt 1 and deleted from the DLQ in one atomic
 * step, see src/streams/move.ts) or the deletions.
 */
import { encodeEnvelope } from '../../envelope/codec.js';
import type { StreamBackend } from '../../streams/backend.js';
import type { Keys } from '../../streams/keys.js';
import { moveEntries, type EntryMove } from '../../streams/move.js';
import type { DlqItem } from './select.js';

/** Where replayed entries go: the stream they failed on, or only the failing actor's retry stream. */
export type ReplayTarget = 'source' | 'actor';

/** One planned replay step. */
export interface ReplayStep {
  item: DlqItem;
  /** Target stream, or null when the entry is skipped. */
  target: string | null;
  /** Why it is skipped. */
  skipReason?: string;
}

/** What a replay did. */
export interface ReplayOutcome {
  item: DlqItem;
  status: 'replayed' | 'skipped' | 'gone';
  target: string | null;
  /** Id of the new entry on the target stream. */
  newId?: string;
  /** Why it was skipped, or that it had left the DLQ meanwhile. */
  detail?: string;
}

/** Moves per pipeline round trip, ids per XDEL. */
const MOVE_CHUNK = 500;

/**
 * Plans each entry's target. 'source': the `source` stream it was read from (a topic stream, or
 * for a retry the actor's own retry stream, which only that actor reads), else the topic stream of
 * its envelope type. 'actor': the failing actor's retry stream, so no other group sees it again.
 * Entries without an envelope (raw fields of invalid input) are skipped: there is nothing valid to replay.
 */
export function planReplay(items: DlqItem[], keys: Keys, target: ReplayTarget = 'source'): ReplayStep[] {
  return items.map((item): ReplayStep => {
    const { envelope, source, actor } = item.entry;
    if (!envelope) return { item, target: null, skipReason: 'no envelope (raw fields of invalid input): cannot be replayed' };
    if (target === 'actor') {
      if (!actor) return { item, target: null, skipReason: 'no actor recorded: use --target source' };
      return { item, target: keys.retry(actor, keys.parse(source)?.partition ?? item.partition) };
    }
    return { item, target: source !== '' ? source : keys.topic(envelope.type, item.partition) };
  });
}

/** The fields a replayed entry carries: its envelope with attempt reset to 1. */
export function replayFields(item: DlqItem): string[] {
  return encodeEnvelope({ ...item.entry.envelope!, attempt: 1 });
}

/** Executes a plan, outcomes in plan order; entries that left the DLQ meanwhile (replayed or purged by someone else) come back as 'gone'. */
export async function executeReplay(backend: StreamBackend, plan: ReplayStep[]): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = plan.map((s) => ({ item: s.item, status: 'skipped', target: null, detail: s.skipReason ?? 'skipped' }));
  const todo = plan.flatMap((s, index) => (s.target === null ? [] : [{ index, move: { from: s.item.stream, id: s.item.entry.id, to: s.target, fields: replayFields(s.item) } satisfies EntryMove }]));
  for (let i = 0; i < todo.length; i += MOVE_CHUNK) {
    const chunk = todo.slice(i, i + MOVE_CHUNK);
    const results = await moveEntries(backend, chunk.map((c) => c.move));
    results.forEach((r, j) => {
      const { index } = chunk[j]!;
      const item = plan[index]!.item;
      outcomes[index] = r.newId === null
        ? { item, status: 'gone', target: r.move.to, detail: 'no longer in the DLQ (replayed or purged meanwhile)' }
        : { item, status: 'replayed', target: r.move.to, newId: r.newId };
    });
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

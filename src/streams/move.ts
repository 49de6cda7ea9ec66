/**
 * Moving entries between streams (the DLQ replay of streams-dlq): each move appends new fields to
 * a target stream and deletes the source entry as one step, so an entry is never both replayed and
 * left in the DLQ, nor lost between the two. The move is an operation of the seam
 * (AdminStreamBackend.moveEntries): the Redis backend runs move-entry-2.lua, the shim moves natively.
 */
import type { AdminStreamBackend, EntryMove, EntryMoveResult } from './backend.js';

export type { EntryMove, EntryMoveResult } from './backend.js';

/**
 * Moves entries; per-entry failures come back as `error` (the entry stays in its source), a lost
 * connection rejects (each move is then either done or not, never half). Atomic per entry (one
 * script call each on Redis, pipelined). On a cluster the source and target of one move must share
 * a slot (keys of one partition do).
 */
export async function moveEntries(backend: AdminStreamBackend, moves: EntryMove[]): Promise<EntryMoveResult[]> {
  if (moves.length === 0) return [];
  return await backend.moveEntries(moves);
}

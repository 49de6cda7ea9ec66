/**
 * Moving entries between streams (the DLQ replay of streams-dlq): each move appends new fields to
 * a target stream and deletes the source entry as one step, so an entry is never both replayed and
 * left in the DLQ, nor lost between the two.
 */
import calculateSlot from 'cluster-key-slot';
import type { Redis } from 'ioredis';
import { StreamBackendError, type StreamBackend } from './backend.js';
import { RedisStreamBackend } from './redis-backend.js';
import { MOVE_ENTRY_SCRIPT } from './scripts/move-entry.js';

/** One entry to move: delete `id` from `from`, append `fields` to `to`. */
export interface EntryMove {
  from: string;
  id: string;
  to: string;
  fields: string[];
}

/**
 * What happened to one move: the new id, or null when the source entry was already gone or the
 * move failed (`error`: the source entry is then untouched, e.g. WRONGTYPE when the target is not a stream).
 */
export interface EntryMoveResult {
  move: EntryMove;
  newId: string | null;
  error?: string;
}

type MovingRedis = Redis & { saMoveEntry?: (from: string, to: string, id: string, ...fields: string[]) => Promise<string | null> };

/** Registers the script on the connection once (EVALSHA with a transparent EVAL fallback). */
function scripted(redis: MovingRedis): Required<MovingRedis> {
  if (typeof redis.saMoveEntry !== 'function') redis.defineCommand('saMoveEntry', { lua: MOVE_ENTRY_SCRIPT, numberOfKeys: 2 });
  return redis as Required<MovingRedis>;
}

type MovePipeline = { saMoveEntry(...a: string[]): void; exec(): Promise<[Error | null, unknown][] | null> };

async function moveBatch(redis: MovingRedis, moves: EntryMove[]): Promise<EntryMoveResult[]> {
  // One pipeline: one round trip for all moves, each move still one atomic script call.
  const pipe = scripted(redis).pipeline() as unknown as MovePipeline;
  for (const m of moves) pipe.saMoveEntry(m.from, m.to, m.id, ...m.fields);
  const replies = (await pipe.exec()) ?? [];
  // An error that is not Redis's reply (a lost connection) says nothing about whether the script
  // ran: the whole batch's outcome is unknown, and the caller must report it so.
  const lost = replies.find(([err]) => err && err.name !== 'ReplyError')?.[0];
  if (lost || replies.length < moves.length) throw new StreamBackendError('CONNECTION', `moving ${moves.length} entries: ${lost?.message ?? 'missing replies'}`, moves[0]?.from, { cause: lost });
  return moves.map((move, i) => {
    const [err, id] = replies[i] ?? [new Error('no reply'), null];
    // One entry's error (a target of the wrong type) is that entry's outcome: the script failed
    // before its XDEL, so the source entry is intact, and the other moves of the pipeline stand.
    if (err) return { move, newId: null, error: err.message };
    return { move, newId: typeof id === 'string' ? id : null };
  });
}

/** On a cluster a pipeline may touch one slot only: one pipeline per source slot, sent concurrently, results in input order. */
async function moveOnRedis(redis: MovingRedis, moves: EntryMove[], cluster: boolean): Promise<EntryMoveResult[]> {
  if (!cluster) return await moveBatch(redis, moves);
  const bySlot = new Map<number, number[]>();
  moves.forEach((m, i) => {
    const slot = calculateSlot(m.from);
    const list = bySlot.get(slot);
    if (list) list.push(i);
    else bySlot.set(slot, [i]);
  });
  const out: EntryMoveResult[] = new Array(moves.length);
  await Promise.all(
    [...bySlot.values()].map(async (indexes) => {
      const res = await moveBatch(redis, indexes.map((i) => moves[i]!));
      indexes.forEach((i, j) => (out[i] = res[j]!));
    }),
  );
  return out;
}

/**
 * The shim's version, through the public backend methods. Each call is atomic on the shim, but the
 * move as a whole is not across awaits: the delete comes first, so a concurrent mover in the same
 * process finds the entry gone and skips it (never a double replay); if the append then fails, the
 * fields are put back on the source stream (under a new id) before the error is rethrown.
 */
async function moveOnShim(backend: StreamBackend, moves: EntryMove[]): Promise<EntryMoveResult[]> {
  const out: EntryMoveResult[] = [];
  for (const move of moves) {
    const [entry] = await backend.range(move.from, move.id, move.id);
    if (!entry || (await backend.deleteEntries(move.from, [move.id])) === 0) {
      out.push({ move, newId: null });
      continue;
    }
    try {
      out.push({ move, newId: await backend.append(move.to, move.fields) });
    } catch (err) {
      await backend.append(move.from, entry.fields);
      out.push({ move, newId: null, error: (err as Error).message });
    }
  }
  return out;
}

/**
 * Moves entries; per-entry failures come back as `error` (the entry stays in its source), a lost
 * connection rejects (each move is then either done or not, never half). Atomic per entry on Redis (one script call each, pipelined), sequential on the
 * shim. On a cluster the source and target of one move must share a slot (keys of one partition do).
 */
export async function moveEntries(backend: StreamBackend, moves: EntryMove[]): Promise<EntryMoveResult[]> {
  if (moves.length === 0) return [];
  if (backend instanceof RedisStreamBackend) return await moveOnRedis(backend.connection as MovingRedis, moves, backend.isCluster);
  if (backend.kind === 'memory') return await moveOnShim(backend, moves);
  throw new StreamBackendError('UNSUPPORTED', `moveEntries has no atomic implementation for this ${backend.kind} backend`);
}

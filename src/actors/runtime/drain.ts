/**
 * Waiting until a topology has nothing left to do: for every actor's group on every stream it
 * reads (its topics and its retry stream), nothing undelivered (lag 0) and nothing unacknowledged
 * (pending 0), and every delayed set it depends on empty. One look is not atomic across streams
 * (an entry can move from an unchecked stream to a checked one meanwhile), so the state must be
 * seen drained, and unchanged, on two consecutive polls.
 */
import { compareIds, type StreamBackend } from '../../streams/backend.js';
import type { Keys } from '../../streams/keys.js';
import type { ActorDefinition } from '../types.js';

/** Options of waitUntilDrained. */
export interface DrainOptions {
  /** Give up (DrainTimeoutError) after this long. */
  timeoutMs: number;
  /** Time between polls. */
  pollMs: number;
  /** Partitions per topic the actors read (the runtime reads partition 0 on a single Redis). */
  partitions: number;
}

/** Defaults of DrainOptions. */
export const DEFAULT_DRAIN_OPTIONS: Readonly<DrainOptions> = Object.freeze({ timeoutMs: 30_000, pollMs: 50, partitions: 1 });

/** What is still in the way on one stream or delayed set. */
export interface DrainBlocker {
  actor: string;
  key: string;
  /** Entries not yet delivered to the group (for a delayed set: entries waiting). */
  lag: number;
  pending: number;
}

/** One poll: whether everything is drained, what is not, and a fingerprint of progress. */
export interface DrainSnapshot {
  drained: boolean;
  blockers: DrainBlocker[];
  /** Changes whenever an entry is added to a watched stream or a delayed set changes size. */
  fingerprint: string;
}

/** The topology did not drain in time. */
export class DrainTimeoutError extends Error {
  readonly code = 'DRAIN_TIMEOUT' as const;
  constructor(
    readonly timeoutMs: number,
    readonly blockers: DrainBlocker[],
  ) {
    const what = blockers
      .slice(0, 5)
      .map((b) => `${b.actor} on ${b.key} (lag ${b.lag}, pending ${b.pending})`)
      .join('; ');
    super(`not drained after ${timeoutMs} ms: ${what}${blockers.length > 5 ? `; and ${blockers.length - 5} more` : ''}`);
    this.name = 'DrainTimeoutError';
  }
}

/** True when err is a DrainTimeoutError. */
export function isDrainTimeoutError(err: unknown): err is DrainTimeoutError {
  return err instanceof DrainTimeoutError;
}

/** Looks once at every stream, group and delayed set the actors depend on. */
export async function drainSnapshot(backend: StreamBackend, keys: Keys, actors: readonly ActorDefinition[], partitions = 1): Promise<DrainSnapshot> {
  const blockers: DrainBlocker[] = [];
  const marks: string[] = [];
  for (let p = 0; p < partitions; p++) {
    for (const actor of actors) {
      const streams = [...actor.consumes.map((t) => keys.topic(t, p)), keys.retry(actor.name, p)];
      for (const stream of streams) {
        const info = await backend.streamInfo(stream);
        if (info === null) continue; // no stream: nothing was ever written there
        marks.push(`${stream}@${info.lastGeneratedId}`);
        const group = (await backend.groups(stream)).find((g) => g.name === actor.name);
        if (!group) {
          // The actor has not started yet: everything in the stream waits for it.
          if (info.length > 0) blockers.push({ actor: actor.name, key: stream, lag: info.length, pending: 0 });
          continue;
        }
        const lag = group.lag ?? unreadByIds(group.lastDeliveredId, info.lastId, info.length);
        if (lag > 0 || group.pending > 0) blockers.push({ actor: actor.name, key: stream, lag, pending: group.pending });
      }
      const delayed = [...actor.consumes.map((t) => keys.delayed(t, p)), keys.retryDelayed(actor.name, p)];
      for (const key of delayed) {
        const waiting = await backend.delayedCount(key);
        marks.push(`${key}#${waiting}`);
        if (waiting > 0) blockers.push({ actor: actor.name, key, lag: waiting, pending: 0 });
      }
    }
  }
  return { drained: blockers.length === 0, blockers, fingerprint: marks.join('|') };
}

/** Without a lag figure (Redis < 7): 1 when the last existing entry is beyond the group's last delivered id, else 0. */
function unreadByIds(lastDeliveredId: string, lastId: string | null, length: number): number {
  if (length === 0 || lastId === null) return 0;
  return compareIds(lastDeliveredId, lastId) < 0 ? 1 : 0;
}

/** What a successful wait saw. */
export interface DrainResult {
  polls: number;
  elapsedMs: number;
}

/**
 * Resolves once the actors' streams, groups and delayed sets are drained and unchanged on two
 * consecutive polls; rejects with DrainTimeoutError (naming what is stuck) after `timeoutMs`.
 */
export async function waitUntilDrained(
  backend: StreamBackend,
  keys: Keys,
  actors: readonly ActorDefinition[],
  options: Partial<DrainOptions> = {},
): Promise<DrainResult> {
  const opts = { ...DEFAULT_DRAIN_OPTIONS, ...options };
  const started = Date.now();
  let previous: string | null = null;
  let polls = 0;
  for (;;) {
    const snap = await drainSnapshot(backend, keys, actors, opts.partitions);
    polls += 1;
    if (snap.drained && previous === snap.fingerprint) return { polls, elapsedMs: Date.now() - started };
    previous = snap.drained ? snap.fingerprint : null;
    if (Date.now() - started >= opts.timeoutMs) throw new DrainTimeoutError(opts.timeoutMs, snap.blockers);
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
}

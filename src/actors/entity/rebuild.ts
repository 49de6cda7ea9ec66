/**
 * Rebuild and inspection for operators (`actors rebuild`, `actors state`): fold an entity type's
 * log, compare with the stored snapshots, and write the folded ones through the same guarded
 * commit the entity uses, so a rebuild racing a live consumer never overwrites its newer state.
 */
import type { StreamBackend } from '../../streams/backend.js';
import type { Keys } from '../../streams/keys.js';
import { newRevision, parseSnapshot } from '../../streams/snapshot.js';
import { foldLog, snapshotValue, stateOf } from './store.js';
import type { EntityModel } from './types.js';

/** One entity's state as `actors state` shows it. */
export interface EntityStateReport {
  id: string;
  partition: number;
  /** 'snapshot' when read from it; 'log' when folded because the snapshot is missing or of another stateVersion. */
  source: 'snapshot' | 'log';
  version: number;
  lastEventId: string;
  stateVersion: number;
  state: unknown;
}

/** What a rebuild did to one entity. */
export interface RebuildChange {
  id: string;
  partition: number;
  /** The stored snapshot before (null: none or unreadable). */
  before: { version: number; revision: string; stateVersion: number | null; state: unknown } | null;
  after: { version: number; lastEventId: string; state: unknown };
  /** unchanged: the snapshot already held the fold; written: replaced; conflict: the entity moved meanwhile (left as is, its consumer keeps it right). */
  outcome: 'unchanged' | 'written' | 'conflict';
}

function stateVersionOf(value: string): number | null {
  const n = Number(value.slice(0, value.indexOf(' ')));
  return Number.isSafeInteger(n) ? n : null;
}

/** The state of one entity in every partition that knows it: from its snapshot, or folded from the log. */
export async function readEntityStates<S>(
  backend: StreamBackend,
  keys: Keys,
  model: EntityModel<S>,
  id: string,
  partitions: number,
): Promise<EntityStateReport[]> {
  const out: EntityStateReport[] = [];
  const snaps = await Promise.all(Array.from({ length: partitions }, (_, p) => backend.getMany([keys.snapshot(model.name, id, p)])));
  for (let p = 0; p < partitions; p++) {
    const snap = parseSnapshot(snaps[p]?.[0] ?? null);
    const state = stateOf(model, snap);
    if (snap && state !== null) {
      out.push({ id, partition: p, source: 'snapshot', version: snap.version, lastEventId: snap.lastEventId, stateVersion: model.stateVersion, state });
      continue;
    }
    const f = (await foldLog(backend, keys, model, p, new Set([id]))).get(id);
    if (f) out.push({ id, partition: p, source: 'log', version: f.version, lastEventId: f.lastEventId, stateVersion: model.stateVersion, state: f.state });
  }
  return out;
}

/** Folds the log of an entity type (one id, or all) in every partition and rewrites the snapshots that differ. */
export async function rebuildEntity<S>(
  backend: StreamBackend,
  keys: Keys,
  model: EntityModel<S>,
  opts: { partitions: number; id?: string; dryRun?: boolean },
): Promise<RebuildChange[]> {
  const changes: RebuildChange[] = [];
  for (let p = 0; p < opts.partitions; p++) {
    const folded = await foldLog(backend, keys, model, p, opts.id === undefined ? null : new Set([opts.id]));
    const ids = [...folded.keys()];
    const raw = ids.length ? await backend.getMany(ids.map((id) => keys.snapshot(model.name, id, p))) : [];
    const items: { change: RebuildChange; value: string }[] = [];
    ids.forEach((id, i) => {
      const f = folded.get(id)!;
      const snap = parseSnapshot(raw[i] ?? null);
      const value = snapshotValue(model, f.state);
      const before = snap ? { version: snap.version, revision: snap.revision, stateVersion: stateVersionOf(snap.value), state: stateOf(model, snap) } : null;
      const same = snap !== null && snap.version === f.version && snap.lastEventId === f.lastEventId && snap.value === value;
      const change: RebuildChange = {
        id,
        partition: p,
        before,
        after: { version: f.version, lastEventId: f.lastEventId, state: f.state },
        outcome: same ? 'unchanged' : 'written',
      };
      changes.push(change);
      if (!same) items.push({ change, value });
    });
    if (opts.dryRun || items.length === 0) continue;
    // A snapshot not in our format is removed first: the guard could never match it.
    const unreadable = ids.filter((id, i) => raw[i] !== null && raw[i] !== undefined && parseSnapshot(raw[i]!) === null);
    if (unreadable.length) await backend.deleteKeys(unreadable.map((id) => keys.snapshot(model.name, id, p)));
    const res = await backend.commit({
      markerTtlMs: 1,
      items: items.map(({ change, value }) => ({
        outputs: [],
        snapshot: {
          key: keys.snapshot(model.name, change.id, p),
          expectedRevision: change.before?.revision ?? null,
          revision: newRevision(),
          version: change.after.version,
          lastEventId: change.after.lastEventId,
          value,
        },
      })),
    });
    res.items.forEach((r, i) => {
      if (r.status === 'conflict') items[i]!.change.outcome = 'conflict';
    });
  }
  return changes;
}

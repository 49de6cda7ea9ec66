/**
 * Where entity state comes from: its snapshot (one GET per entity, pipelined for a whole batch), or,
 * when the snapshot is missing or of another `stateVersion`, the fold of its events from the
 * entity type's log. Log entries are `entity <id> envelope <json>`; the snapshot value is
 * `<stateVersion> <state json>` after the backend's `<version> <lastEventId>` header.
 */
import type { Envelope } from '../../envelope/types.js';
import { fieldValue, type StreamBackend } from '../../streams/backend.js';
import type { Keys } from '../../streams/keys.js';
import { parseSnapshot, type StoredSnapshot } from '../../streams/snapshot.js';
import type { EntityModel, EntityState } from './types.js';

/** Field that names the entity on each log entry. */
export const ENTITY_FIELD = 'entity';

/** Log entries read per XRANGE while folding. */
const PAGE = 1_000;

/** A state as the hook holds it: what the stored snapshot is believed to be, for the next guard. */
export interface LoadedState<S = unknown> extends EntityState<S> {
  /** Revision of the stored snapshot the next commit must find (null: none stored). */
  stored: string | null;
  /** True when the state was rebuilt from the log and the stored snapshot does not hold it yet. */
  dirty: boolean;
}

/** The snapshot value the commit stores after its header. */
export function snapshotValue<S>(model: EntityModel<S>, state: S): string {
  return `${model.stateVersion} ${JSON.stringify(state)}`;
}

/** A snapshot's state when it was written by this stateVersion; null when it must be rebuilt. */
export function stateOf<S>(model: EntityModel<S>, snap: StoredSnapshot | null): S | null {
  if (!snap) return null;
  const sp = snap.value.indexOf(' ');
  if (sp < 0 || Number(snap.value.slice(0, sp)) !== model.stateVersion) return null;
  try {
    return JSON.parse(snap.value.slice(sp + 1)) as S;
  } catch {
    return null;
  }
}

/** The stream fields of one event on the entity log. */
export function logFields(id: string, event: Envelope): string[] {
  return [ENTITY_FIELD, id, 'envelope', JSON.stringify(event)];
}

/** Folds the log of one entity type and partition, for these ids (or every id when null). */
export async function foldLog<S>(
  backend: StreamBackend,
  keys: Keys,
  model: EntityModel<S>,
  partition: number,
  ids: ReadonlySet<string> | null,
): Promise<Map<string, EntityState<S>>> {
  const out = new Map<string, EntityState<S>>();
  const stream = keys.entityLog(model.name, partition);
  let start = '-';
  for (;;) {
    const page = await backend.range(stream, start, '+', PAGE);
    for (const e of page) {
      const id = fieldValue(e.fields, ENTITY_FIELD);
      if (id === undefined || (ids && !ids.has(id))) continue;
      // Our own writes: parsed, not validated again.
      const event = JSON.parse(fieldValue(e.fields, 'envelope') ?? 'null') as Envelope;
      const cur = out.get(id) ?? { state: model.initialState(), version: 0, lastEventId: '-' };
      out.set(id, { state: model.evolve(cur.state, event), version: cur.version + 1, lastEventId: e.id });
    }
    if (page.length < PAGE) return out;
    start = `(${page[page.length - 1]!.id}`;
  }
}

/**
 * Loads the states of these entities: one pipelined GET of their snapshots, then one pass over the
 * log for those whose snapshot is missing or of another stateVersion (rebuilt, marked dirty).
 */
export async function loadStates<S>(
  backend: StreamBackend,
  keys: Keys,
  model: EntityModel<S>,
  partition: number,
  ids: readonly string[],
): Promise<{ states: Map<string, LoadedState<S>>; rebuilt: number }> {
  const states = new Map<string, LoadedState<S>>();
  if (ids.length === 0) return { states, rebuilt: 0 };
  const raw = await backend.getMany(ids.map((id) => keys.snapshot(model.name, id, partition)));
  const missing = new Map<string, string | null>();
  ids.forEach((id, i) => {
    const snap = parseSnapshot(raw[i] ?? null);
    const state = stateOf(model, snap);
    if (snap && state !== null) states.set(id, { state, version: snap.version, lastEventId: snap.lastEventId, stored: snap.revision, dirty: false });
    // A snapshot not in our format counts as none: its commits conflict until `actors rebuild` replaces it.
    else missing.set(id, snap ? snap.revision : null);
  });
  if (missing.size > 0) {
    const folded = await foldLog(backend, keys, model, partition, new Set(missing.keys()));
    for (const [id, stored] of missing) {
      const f = folded.get(id) ?? { state: model.initialState(), version: 0, lastEventId: '-' };
      // A fresh entity with nothing stored needs no snapshot until its first event.
      states.set(id, { ...f, stored, dirty: stored !== null || f.version > 0 });
    }
  }
  let rebuilt = 0;
  for (const st of states.values()) if (st.dirty) rebuilt += 1;
  return { states, rebuilt };
}

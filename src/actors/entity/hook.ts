/**
 * The entity's batch hook, one per worker (one partition). States live in an LRU keyed by entity
 * id and are advanced optimistically as items are decided, so a batch read while the previous one
 * commits builds on it; every item carries the version it expects, so a state that turns out wrong
 * (a conflict, a failed commit, a duplicate) only makes later items conflict, and is then dropped
 * and loaded again. Each write carries a fresh revision and expects the one its state came from, so
 * a state advanced on top of an item that did not apply can never match: nothing is folded twice.
 */
import type { Envelope } from '../../envelope/types.js';
import type { CommitItem } from '../../streams/backend.js';
import { newRevision } from '../../streams/snapshot.js';
import { PermanentError } from '../errors.js';
import type { ActorContext, EntityBatchHook, EntityHookDeps } from '../types.js';
import { Lru } from './lru.js';
import { loadStates, logFields, snapshotValue, type LoadedState } from './store.js';
import type { Decide, EntityEvent, EntityModel } from './types.js';

interface Decision<S> {
  id: string;
  batch: Map<string, LoadedState<S>>;
  events: Envelope[];
  before: LoadedState<S>;
  after: S;
}

function isEnvelope(e: EntityEvent | Envelope): e is Envelope {
  return typeof (e as Envelope).id === 'string' && typeof (e as Envelope).idempotencyKey === 'string';
}

/** Builds the hook factory of an entity model and its decider. */
export function entityHook<S, Sv extends object>(
  model: EntityModel<S>,
  decide: Decide<S, Sv>,
  emits: readonly string[],
): (deps: EntityHookDeps) => EntityBatchHook {
  return (deps) => {
    const { backend, keys, partition, logger } = deps;
    const cache = new Lru<string, LoadedState<S>>(model.cacheSize);
    const decisions = new WeakMap<Envelope, Decision<S>>();
    const attached = new WeakMap<CommitItem, { id: string; version: number }>();
    const logKey = keys.entityLog(model.name, partition);

    // The states of one batch, pinned while it runs: the LRU may evict them meanwhile (a cache smaller than the batch).
    const batchOf = new WeakMap<Envelope, Map<string, LoadedState<S>>>();

    const load = async (ids: string[]): Promise<Map<string, LoadedState<S>>> => {
      const { states, rebuilt } = await loadStates(backend, keys, model, partition, ids);
      for (const [id, st] of states) cache.set(id, st);
      if (rebuilt > 0)
        logger.info('entity states rebuilt from the log (snapshot missing or of another stateVersion)', { entity: model.name, partition, count: rebuilt });
      return states;
    };
    const idOf = (env: Envelope): string | null => {
      const id = model.entityId(env);
      if (id === null) return null;
      if (typeof id !== 'string' || id === '') throw new PermanentError(`entity ${model.name}: no entity id for envelope ${env.id}`);
      return id;
    };

    return {
      async prepare(inputs) {
        const batch = new Map<string, LoadedState<S>>();
        const misses: string[] = [];
        for (const env of inputs) {
          batchOf.set(env, batch);
          let id: string | null;
          try {
            id = idOf(env);
          } catch {
            continue; // handle() reports it for this input alone
          }
          if (id === null || batch.has(id) || misses.includes(id)) continue;
          const hit = cache.get(id);
          if (hit) batch.set(id, hit);
          else misses.push(id);
        }
        // One pipelined GET for the whole batch's misses, not one per entry.
        if (misses.length > 0) for (const [id, st] of await load(misses)) batch.set(id, st);
      },

      async handle(env: Envelope, ctx: ActorContext) {
        const id = idOf(env);
        if (id === null) return [];
        let batch = batchOf.get(env);
        if (!batch) batchOf.set(env, (batch = new Map()));
        const before = batch.get(id) ?? (await load([id])).get(id)!;
        // The runtime provisions ctx.services as the actor's definition asked (ActorDefinition<Sv>).
        const decided = await decide(before.state, env, ctx as ActorContext<Sv>);
        const events = decided.map((e, i) => {
          if (!emits.includes(e.type)) throw new PermanentError(`entity ${model.name}: decided an event of type ${e.type}, not in emits [${emits.join(', ')}]`);
          if (isEnvelope(e)) return e;
          const key = e.key ?? (decided.length > 1 ? String(i) : undefined);
          return ctx.derive(e.type, e.payload, {
            ...(key !== undefined ? { key } : {}),
            ...(e.records ? { records: e.records } : {}),
            ...(e.metadata ? { metadata: e.metadata } : {}),
          });
        });
        let after = before.state;
        for (const ev of events) after = model.evolve(after, ev);
        decisions.set(env, { id, batch, events, before, after });
        batchOf.delete(env);
        const pub = model.publish;
        return pub === true ? events : pub === false ? [] : events.filter((e) => pub.includes(e.type));
      },

      attach(env, item) {
        const d = decisions.get(env);
        if (!d) return;
        decisions.delete(env);
        // Nothing happened and nothing to persist: no snapshot write, no guard needed.
        if (d.events.length === 0 && !d.before.dirty) return;
        for (const ev of d.events) item.outputs.push({ stream: logKey, fields: logFields(d.id, ev) });
        const version = d.before.version + d.events.length;
        const revision = newRevision();
        item.snapshot = {
          key: keys.snapshot(model.name, d.id, partition),
          expectedRevision: d.before.stored,
          revision,
          version,
          ...(d.events.length > 0 ? { lastEventOutput: item.outputs.length - 1 } : { lastEventId: d.before.lastEventId }),
          value: snapshotValue(model, d.after),
        };
        attached.set(item, { id: d.id, version });
        // Optimistic: the next input of this entity (this batch or the next) builds on it.
        const next = { state: d.after, version, lastEventId: d.before.lastEventId, stored: revision, dirty: false };
        d.batch.set(d.id, next);
        cache.set(d.id, next);
      },

      committed(items, result) {
        let conflicts = 0;
        items.forEach((item, i) => {
          const a = attached.get(item);
          if (!a) return;
          const status = result?.items[i]?.status;
          if (status === 'committed') {
            const cur = cache.get(a.id);
            const last = item.snapshot?.lastEventOutput;
            if (cur && cur.version === a.version && last !== undefined) cur.lastEventId = result!.items[i]!.outputIds[last] ?? cur.lastEventId;
            return;
          }
          // Conflict, duplicate or an unknown outcome: the cached state is not what is stored.
          if (status === 'conflict') conflicts += 1;
          cache.delete(a.id);
        });
        return conflicts;
      },
    };
  };
}

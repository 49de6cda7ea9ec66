import type { Envelope } from '../../envelope/types.js';
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import { entityHook } from './hook.js';
import { DEFAULT_ENTITY_OPTIONS, type EntityDefinition, type EntityModel, type EntitySpec } from './types.js';

/**
 * Defines an event-sourced entity (Emmett's decider on our runtime): `decide(state, envelope, ctx)`
 * returns events, `evolve(state, event)` folds them. The result is an ActorDefinition the runtime
 * runs like any actor; its hook keeps the state per entity id and commits each input's events, to
 * the entity log and downstream, with the entity's snapshot, ack and marker in one atomic step.
 */
export function defineEntity<S, Sv extends object = object>(spec: EntitySpec<S, Sv>): EntityDefinition<S, Sv> {
  const { initialState, decide, evolve, stateVersion, entityId, cacheSize, publish, ...actor } = spec;
  if (typeof decide !== 'function') throw new TypeError(`entity ${spec.name}: decide must be a function`);
  if (typeof evolve !== 'function') throw new TypeError(`entity ${spec.name}: evolve must be a function`);
  const sv = stateVersion ?? DEFAULT_ENTITY_OPTIONS.stateVersion;
  if (!Number.isSafeInteger(sv) || sv < 1) throw new TypeError(`entity ${spec.name}: stateVersion must be an integer >= 1, got ${String(stateVersion)}`);
  const size = cacheSize ?? DEFAULT_ENTITY_OPTIONS.cacheSize;
  if (!Number.isInteger(size) || size < 1) throw new TypeError(`entity ${spec.name}: cacheSize must be an integer >= 1, got ${String(cacheSize)}`);
  if (!spec.emits || spec.emits.length === 0) throw new TypeError(`entity ${spec.name}: emits must list the event types decide may return`);
  const model: EntityModel<S> = Object.freeze({
    name: spec.name,
    initialState: typeof initialState === 'function' ? (initialState as () => S) : () => structuredClone(initialState),
    evolve,
    stateVersion: sv,
    entityId: entityId ?? ((env: Envelope) => env.partitionKey),
    cacheSize: size,
    publish: Array.isArray(publish) ? Object.freeze([...publish]) : (publish ?? DEFAULT_ENTITY_OPTIONS.publish),
  });
  const base = defineActor<string, Sv>({
    ...actor,
    handle: () => {
      throw new PermanentError(`entity ${spec.name} runs through its hook; run it in an ActorRuntime`);
    },
  });
  return Object.freeze({ ...base, entity: entityHook(model, decide, base.emits), model }) as EntityDefinition<S, Sv>;
}

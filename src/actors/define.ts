import { assertName } from '../streams/keys.js';
import { DEFAULT_ACTOR_OPTIONS, DEFAULT_BACKOFF } from './runtime/options.js';
import type { ActorDefinition, ActorSpec } from './types.js';

/** Fills an actor spec with defaults and checks it; throws TypeError naming the bad option. */
export function defineActor(spec: ActorSpec): ActorDefinition {
  assertName('actor name', spec.name);
  if (!Array.isArray(spec.consumes) || spec.consumes.length === 0) throw new TypeError(`actor ${spec.name}: consumes must list at least one topic`);
  for (const t of spec.consumes) assertName('topic', t);
  for (const t of spec.emits ?? []) assertName('topic', t);
  if (typeof spec.handle !== 'function') throw new TypeError(`actor ${spec.name}: handle must be a function`);
  const def: ActorDefinition = { ...DEFAULT_ACTOR_OPTIONS, ...spec, backoff: { ...DEFAULT_BACKOFF, ...spec.backoff }, emits: [...(spec.emits ?? [])] };
  const positive: (keyof ActorDefinition)[] = ['batchSize', 'concurrency', 'maxAttempts', 'maxDeliveries', 'claimIdleMs', 'maxHandlerMs', 'heartbeatMs', 'idempotencyTtlMs', 'maxEntryBytes'];
  for (const k of positive) {
    const v = def[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 1) throw new TypeError(`actor ${spec.name}: ${k} must be a number >= 1, got ${String(v)}`);
  }
  if (def.startId !== '0' && def.startId !== '$') throw new TypeError(`actor ${spec.name}: startId must be '0' or '$'`);
  if (!Array.isArray(def.steps) || def.steps.some((st) => typeof st !== 'function')) throw new TypeError(`actor ${spec.name}: steps must be an array of delivery steps (functions)`);
  return Object.freeze(def);
}

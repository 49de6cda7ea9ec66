import { PayloadValidationError, topicName, type Topic } from '../envelope/topic.js';
import { assertName } from '../streams/keys.js';
import { DEFAULT_ACTOR_OPTIONS, DEFAULT_BACKOFF } from './runtime/options.js';
import type { ActorDefinition, ActorHandler, TopicRef, TypedActorSpec } from './types.js';

/**
 * Fills an actor spec with defaults and checks it; throws TypeError naming the bad option.
 * Consumed Topics type the handler's envelope and validate each payload before the handler runs:
 * a payload that breaks its topic's schema is dead-lettered at once (no retries) with the JSON
 * path and rule in its error, and the handler never sees it. The services the handler needs (`S`)
 * follow from its `ctx: ActorContext<S>` annotation; a runtime or specification must provide them.
 */
export function defineActor<const C extends TopicRef, S extends object = object>(spec: TypedActorSpec<C, S>): ActorDefinition<S> {
  assertName('actor name', spec.name);
  if (!Array.isArray(spec.consumes) || spec.consumes.length === 0) throw new TypeError(`actor ${spec.name}: consumes must list at least one topic`);
  const consumes = spec.consumes.map(topicName);
  const emits = (spec.emits ?? []).map(topicName);
  for (const t of consumes) assertName('topic', t);
  for (const t of emits) assertName('topic', t);
  if (typeof spec.handle !== 'function') throw new TypeError(`actor ${spec.name}: handle must be a function`);
  for (const t of spec.writes ?? [])
    if (typeof t !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(t))
      throw new TypeError(`actor ${spec.name}: writes must list table names, got ${JSON.stringify(t)}`);
  const def: ActorDefinition<S> = {
    ...DEFAULT_ACTOR_OPTIONS,
    ...spec,
    consumes,
    emits,
    handle: validatingHandler(spec),
    backoff: { ...DEFAULT_BACKOFF, ...spec.backoff },
    writes: [...(spec.writes ?? [])],
  };
  const positive: (keyof ActorDefinition<S>)[] = [
    'batchSize',
    'concurrency',
    'maxAttempts',
    'maxDeliveries',
    'claimIdleMs',
    'maxHandlerMs',
    'heartbeatMs',
    'idempotencyTtlMs',
    'maxEntryBytes',
  ];
  for (const k of positive) {
    const v = def[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 1) throw new TypeError(`actor ${spec.name}: ${k} must be a number >= 1, got ${String(v)}`);
  }
  if (def.startId !== '0' && def.startId !== '$') throw new TypeError(`actor ${spec.name}: startId must be '0' or '$'`);
  if (!Array.isArray(def.steps) || def.steps.some((st) => typeof st !== 'function'))
    throw new TypeError(`actor ${spec.name}: steps must be an array of delivery steps (functions)`);
  return Object.freeze(def);
}

/** The user's handler behind a payload check for every consumed Topic (plain names pass through unchecked). */
function validatingHandler<C extends TopicRef, S extends object>(spec: TypedActorSpec<C, S>): ActorHandler<S> {
  const handle = spec.handle as unknown as ActorHandler<S>;
  const topics = new Map<string, Topic>();
  for (const c of spec.consumes) if (typeof c !== 'string') topics.set(c.type, c);
  if (topics.size === 0) return handle;
  return (env, ctx) => {
    const topic = topics.get(env.type);
    if (topic) {
      const r = topic.validate(env.payload);
      if (!r.ok) throw new PayloadValidationError(env.type, r.issues, 'consume');
    }
    return handle(env, ctx);
  };
}

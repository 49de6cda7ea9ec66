import type { Envelope, EnvelopeMetadata, EnvelopeRecord } from '../../envelope/types.js';
import type { ActorContext, ActorDefinition, ActorSpec, AnyServices, EntityHookFactory } from '../types.js';

/** An event decide returns: derived from the input into an envelope (or an envelope derived already). */
export interface EntityEvent<P = unknown> {
  type: string;
  payload: P;
  /** Distinguishes two events of one type from one input (part of their idempotency key); default their index. */
  key?: string;
  records?: EnvelopeRecord[];
  metadata?: Partial<EnvelopeMetadata>;
}

/** Decides what happened, given the entity's state and an input: pure but for the context's reads. `Sv` types `ctx.services`. */
export type Decide<S, Sv extends object = object> = (
  state: S,
  envelope: Envelope,
  ctx: ActorContext<Sv>,
) => (EntityEvent | Envelope)[] | Promise<(EntityEvent | Envelope)[]>;

/** Folds one event into the state; must be pure and deterministic (it runs again on every rebuild). */
export type Evolve<S> = (state: S, event: Envelope) => S;

/** The state side of an entity: what recovery, rebuild and `actors state` need. */
export interface EntityModel<S = unknown> {
  /** Entity type; also the actor (group) name and part of its keys. */
  name: string;
  /** State of an entity with no events (a fresh value per call: evolve may not mutate it, but be safe). */
  initialState: () => S;
  evolve: Evolve<S>;
  /** Bump when evolve or the state's shape changes: snapshots of another version are rebuilt from the log. */
  stateVersion: number;
  /** The entity an input is about (null: about none, acked with no event); default its partitionKey (keep it a function of the partitionKey when P > 1). */
  entityId: (envelope: Envelope) => string | null;
  /** Hot states kept per worker (LRU). */
  cacheSize: number;
  /** Which events go downstream besides the entity's log: all (true), none (false), or these types. */
  publish: boolean | readonly string[];
}

/** What defineEntity accepts: the decider, plus any actor option; `Sv` (decide's `ctx.services`) follows from its `ctx` annotation. */
export interface EntitySpec<S, Sv extends object = object> extends Partial<Omit<ActorSpec, 'name' | 'consumes' | 'emits' | 'handle'>> {
  name: string;
  consumes: string[];
  /** Event types decide may return; they go downstream on these topics (unless publish is false). */
  emits: string[];
  /** The state of a new entity: a value (copied by structuredClone) or a function. */
  initialState: S | (() => S);
  decide: Decide<S, Sv>;
  evolve: Evolve<S>;
  /** Default 1. */
  stateVersion?: number;
  entityId?: (envelope: Envelope) => string | null;
  /** Default DEFAULT_ENTITY_OPTIONS.cacheSize. */
  cacheSize?: number;
  /** Default true (every event also goes downstream); false or a list of types keeps the rest in the log only. */
  publish?: boolean | string[];
}

/** An entity actor: an ActorDefinition the runtime runs like any other, plus its model. */
export interface EntityDefinition<S = unknown, Sv extends object = AnyServices> extends ActorDefinition<Sv> {
  readonly entity: EntityHookFactory;
  readonly model: EntityModel<S>;
}

/** One entity's state as loaded or folded. */
export interface EntityState<S = unknown> {
  state: S;
  /** Events folded so far. */
  version: number;
  /** Log id of the last event folded ('-' when none). */
  lastEventId: string;
}

/** Defaults of the entity options. */
export const DEFAULT_ENTITY_OPTIONS = Object.freeze({ stateVersion: 1, cacheSize: 10_000, publish: true });

/** True when an actor definition is an entity. */
export function isEntityDefinition(def: ActorDefinition): def is EntityDefinition {
  return typeof def.entity === 'function' && typeof (def as Partial<EntityDefinition>).model === 'object';
}

/** The topics an actor writes downstream: all its emits, or for an entity those it publishes. */
export function publishedTypes(def: ActorDefinition): string[] {
  if (!isEntityDefinition(def)) return [...def.emits];
  const pub = def.model.publish;
  return pub === true ? [...def.emits] : pub === false ? [] : def.emits.filter((t) => pub.includes(t));
}

import type { Topic } from '../envelope/topic.js';
import type { Envelope, EnvelopeMetadata, EnvelopeRecord } from '../envelope/types.js';
import type { CustomMetrics, Logger } from '../monitoring/types.js';
import type { ReadOnlyPersistence } from '../persistence/types.js';
import type { CommitItem, CommitResult, StreamBackend } from '../streams/backend.js';
import type { WritablePersistence } from '../persistence/writer.js';
import type { Clock } from '../clock.js';
import type { DeliveryStep } from './runtime/steps/index.js';
import type { Keys } from '../streams/keys.js';

/** When an emitted envelope should appear on its stream. */
export interface EmitOptions {
  /** Deliver after this many milliseconds (parked in the topic's delayed set). */
  delayMs?: number;
  /** Deliver at this epoch millisecond. */
  at?: number;
}

/** Options for deriving a child envelope from the input. */
export interface DeriveOptions {
  records?: EnvelopeRecord[];
  metadata?: Partial<EnvelopeMetadata>;
  /** Distinguishes several children of the same type from one input (part of their idempotency key). */
  key?: string;
  partitionKey?: string;
}

/**
 * The services of an actor whose needs are not known where it is handled (tools, topologies, the
 * runtime's internals): an ActorDefinition of any services fits there.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the erased services type: any actor definition is assignable to ActorDefinition
export type AnyServices = any;

/** What a handler sees: no ioredis, only these. `S` types `ctx.services` (annotate the handler's `ctx: ActorContext<MyServices>`). */
export interface ActorContext<S extends object = object> {
  /** Actor (and consumer group) name. */
  readonly actor: string;
  /** This process's consumer name. */
  readonly consumer: string;
  readonly logger: Logger;
  readonly metrics: CustomMetrics;
  readonly clock: Clock;
  /** Least-privilege reads; every write raises PersistencePermissionError. */
  readonly persistence: ReadOnlyPersistence;
  /** Writes to the tables the actor declared in `writes` (and nothing else); absent when it declared none. */
  readonly writer?: WritablePersistence;
  /** The services the runtime was given for this actor (`RuntimeDeps.services`): a mailer, a model client, a fake in a specification; `{}` when none. */
  readonly services: S;
  /** A child of the input: same correlationId and traceparent, causationId = input id, deterministic idempotency key. Pass a Topic to type the payload. */
  derive<P>(type: string | Topic<string, P>, payload: P, opts?: DeriveOptions): Envelope<P>;
  /** Queues an output; it is committed atomically with the input's ack (or parked until due). */
  emit(envelope: Envelope, opts?: EmitOptions): void;
}

/** Backoff between retries of a failing handler. */
export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth factor per attempt. */
  multiplier: number;
  /** Fraction (0..1) of random jitter applied to each delay. */
  jitter: number;
}

/** The handler: turns one envelope into output envelopes (returned, or emitted through ctx). */
export type ActorHandler<S extends object = object> = (envelope: Envelope, ctx: ActorContext<S>) => Promise<Envelope[] | void> | Envelope[] | void;

/** Everything that defines an actor; defaults live in DEFAULT_ACTOR_OPTIONS. `S`: the services its handler needs. */
export interface ActorDefinition<S extends object = AnyServices> {
  /** Also the consumer group name. */
  name: string;
  /** Topics (envelope types) read. */
  consumes: string[];
  /** Topics this actor may emit; emitting anything else is a handler error. */
  emits: string[];
  /**
   * Tables this actor writes (`['leads']`); it gets `ctx.writer` for exactly these. Actors that
   * declare none see only the read-only facade, whatever persistence the runtime was given.
   */
  writes: string[];
  handle: ActorHandler<S>;
  /** Entries read per XREADGROUP. */
  batchSize: number;
  /** Handlers running at once within a batch. */
  concurrency: number;
  /** Attempts before the DLQ (1 = no retry). */
  maxAttempts: number;
  /** Deliveries of one stream entry (crashes, reclaims) before it is treated as poison and dead-lettered. */
  maxDeliveries: number;
  backoff: BackoffOptions;
  /** Pending entries idle this long in any consumer are reclaimed; a live consumer leases its in-flight entries every claimIdleMs / 3. */
  claimIdleMs: number;
  /** A handler running longer is stuck: its entry is no longer leased (a peer may take it over), counted and logged. */
  maxHandlerMs: number;
  /** Heartbeat refresh period; the key lives 3x as long. */
  heartbeatMs: number;
  /** How long idempotency markers live. */
  idempotencyTtlMs: number;
  /** Entries larger than this (bytes of the envelope field) go to the DLQ unparsed. */
  maxEntryBytes: number;
  /** Where a new group starts reading: '0' (all history) or '$' (new entries only). */
  startId: '0' | '$';
  /** Store the input's copy in dead letters redacted (secrets, tokens, emails masked); such dead letters cannot be replayed. */
  redactDeadLetters: boolean;
  /** Delivery steps of this actor, around its handler (a timeout, a rate limit, tracing): see src/actors/runtime/steps/. */
  steps: readonly DeliveryStep[];
  /** Set on entity actors (defineEntity): opens, per worker, the hook that keeps their state. */
  entity?: EntityHookFactory;
}

/**
 * The narrow seam through which a stateful actor (an entity) joins the batch: it loads the states a
 * batch needs before the handlers run, runs decide/evolve instead of `handle`, adds its log entries
 * and snapshot to each successful item, and learns how the commit went.
 */
export interface EntityBatchHook {
  /** Before the batch's handlers: loads the states of these inputs that are not cached (one round trip). */
  prepare(inputs: readonly Envelope[]): Promise<void>;
  /** Decides on one input: returns its events (the outputs that go downstream). */
  handle(envelope: Envelope, ctx: ActorContext): Promise<Envelope[]>;
  /** Adds the input's log entries and snapshot (with its version guard) to its successful commit item. */
  attach(envelope: Envelope, item: CommitItem): void;
  /** After the commit (result null when it failed): keeps what committed, forgets the rest; returns the number of conflicts. */
  committed(items: readonly CommitItem[], result: CommitResult | null): number;
}

/** What an entity hook is opened with: one per worker (one partition). */
export interface EntityHookDeps {
  backend: StreamBackend;
  keys: Keys;
  partition: number;
  logger: Logger;
}

/** Opens an entity's hook for one worker. */
export type EntityHookFactory = (deps: EntityHookDeps) => EntityBatchHook;

/** The services a set of actors needs together (`A`, a union of their definitions): the intersection of what each handler's ctx asks for. */
export type ServicesOf<A> = IntersectionOf<A extends ActorDefinition<infer S> ? S : never> extends infer I extends object ? I : never;

/** The intersection of a union's members. */
type IntersectionOf<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** What defineActor accepts: name, topics and handler, the rest defaulted. */
export type ActorSpec<S extends object = object> = Pick<ActorDefinition<S>, 'name' | 'consumes' | 'handle'> &
  Partial<Omit<ActorDefinition<S>, 'name' | 'consumes' | 'handle' | 'entity'>>;

/** A topic named by its type string (payload unknown) or by its Topic (payload typed and validated on read). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any payload type: Topic<string, P> is contravariant in validate's result
export type TopicRef = string | Topic<string, any>;

/** The envelope a handler receives from one consumed topic: typed payload and literal type for a Topic, unknown for a plain name. */
export type EnvelopeOf<C> = C extends Topic<infer T, infer P> ? Envelope<P> & { readonly type: T } : Envelope<unknown>;

/** A handler whose envelope is the union of its consumed topics' envelopes (narrow with `env.type`). */
export type TypedActorHandler<C, S extends object = object> = (envelope: EnvelopeOf<C>, ctx: ActorContext<S>) => Promise<Envelope[] | void> | Envelope[] | void;

/** defineActor's spec with typed topics: `consumes` lists topic names or Topics, and the handler's envelope type follows; `S` (the handler's `ctx.services`) is inferred from its `ctx` annotation. */
export interface TypedActorSpec<C extends TopicRef, S extends object = object> extends Partial<
  Omit<ActorDefinition, 'name' | 'consumes' | 'emits' | 'handle' | 'backoff' | 'entity'>
> {
  name: string;
  /** Only what differs from DEFAULT_BACKOFF. */
  backoff?: Partial<BackoffOptions>;
  consumes: readonly C[];
  emits?: readonly TopicRef[];
  handle: TypedActorHandler<C, S>;
}

import type { Envelope, EnvelopeMetadata, EnvelopeRecord } from '../envelope/types.js';
import type { CustomMetrics, Logger } from '../monitoring/types.js';
import type { ReadOnlyPersistence } from '../persistence/types.js';
import type { Clock } from '../streams/clock.js';
import type { DeliveryStep } from './runtime/steps.js';

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

/** What a handler sees: no ioredis, only these. */
export interface ActorContext {
  /** Actor (and consumer group) name. */
  readonly actor: string;
  /** This process's consumer name. */
  readonly consumer: string;
  readonly logger: Logger;
  readonly metrics: CustomMetrics;
  readonly clock: Clock;
  /** Least-privilege reads; every write raises PersistencePermissionError. */
  readonly persistence: ReadOnlyPersistence;
  /** A child of the input: same correlationId and traceparent, causationId = input id, deterministic idempotency key. */
  derive<P>(type: string, payload: P, opts?: DeriveOptions): Envelope<P>;
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
export type ActorHandler = (envelope: Envelope, ctx: ActorContext) => Promise<Envelope[] | void> | Envelope[] | void;

/** Everything that defines an actor; defaults live in DEFAULT_ACTOR_OPTIONS. */
export interface ActorDefinition {
  /** Also the consumer group name. */
  name: string;
  /** Topics (envelope types) read. */
  consumes: string[];
  /** Topics this actor may emit; emitting anything else is a handler error. */
  emits: string[];
  handle: ActorHandler;
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
  /** Delivery steps of this actor, around its handler (a timeout, a rate limit, tracing): see src/actors/runtime/steps.ts. */
  steps: readonly DeliveryStep[];
}

/** What defineActor accepts: name, topics and handler, the rest defaulted. */
export type ActorSpec = Pick<ActorDefinition, 'name' | 'consumes' | 'handle'> & Partial<Omit<ActorDefinition, 'name' | 'consumes' | 'handle'>>;

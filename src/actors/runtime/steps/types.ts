/** The shapes delivery steps share: an entry, what steps learn about it, its outcome, and the step context. */
import type { Envelope } from '../../../envelope/types.js';
import type { BoundActorMetrics } from '../../../monitoring/metrics.js';
import type { CustomMetrics, Logger } from '../../../monitoring/types.js';
import type { ReadOnlyPersistence } from '../../../persistence/types.js';
import type { WritablePersistence } from '../../../persistence/writer.js';
import type { CommitItem } from '../../../streams/backend.js';
import type { Clock } from '../../../clock.js';
import type { Keys } from '../../../streams/keys.js';
import type { ActorDefinition, EmitOptions, EntityBatchHook } from '../../types.js';
import type { DeadLetterReason } from '../dead-letter.js';
import type { BatchTracing, ProcessTracing } from '../tracing.js';

/** One entry to process: read with `>`, re-read from our own PEL, or claimed from another consumer. */
export interface InputEntry {
  stream: string;
  id: string;
  fields: string[];
  /** Delivery count, known for claimed and re-read entries. */
  deliveries?: number;
}

/** One entry on its way through the steps, with what the steps learned about it. */
export interface Delivery {
  readonly entry: InputEntry;
  readonly partition: number;
  /** Topic of the stream it was read from; undefined for the actor's retry stream. */
  readonly streamTopic: string | undefined;
  /** The decoded envelope (set by decode). */
  envelope?: Envelope;
  /** Its idempotency marker key (set by decode). */
  marker?: string;
  /** Its `process` span (set by the trace step when an SDK is registered). */
  pt?: ProcessTracing | null;
}

/** A handler's output, before validation. */
export interface Emission {
  envelope: Envelope;
  opts: EmitOptions | undefined;
}

/** What delivery decided for one entry: one commit item, and how it counts. `emitted` only travels between handle and validate outputs (what ctx.emit collected, then what the handler returned). */
export type Outcome =
  | { kind: 'processed'; item: CommitItem }
  | { kind: 'duplicate'; item: CommitItem }
  | { kind: 'retry'; item: CommitItem; error: string }
  | { kind: 'dead-letter'; item: CommitItem; reason: DeadLetterReason; error: string }
  | { kind: 'emitted'; emissions: Emission[]; returned: readonly Envelope[] | undefined; trusted: TrustedEnvelopes };

/** Envelopes built by ctx.derive (valid by construction): their validation is skipped. */
export interface TrustedEnvelopes {
  has(envelope: Envelope): boolean;
}

/** What a step returns: the outcome, or a promise of it when the step had to wait. */
export type StepResult = Outcome | Promise<Outcome>;

/** The rest of the pipeline, as seen by a step. */
export type Next = (d: Delivery) => StepResult;

/** Whether a step result is still to come (a promise or any thenable). */
export const isPending = <T>(r: T | PromiseLike<T>): r is PromiseLike<T> => typeof (r as { then?: unknown } | null)?.then === 'function';

/** Everything steps use: the actor, the services, and batch-scoped state. */
export interface StepContext {
  def: ActorDefinition;
  keys: Keys;
  consumer: string;
  clock: Clock;
  logger: Logger;
  metrics: BoundActorMetrics;
  custom: CustomMetrics;
  persistence: ReadOnlyPersistence;
  /** Only for actors that declared `writes`: scoped to those tables. */
  writer?: WritablePersistence;
  /** What the handler gets as `ctx.services`. */
  services: object;
  random?: () => number;
  /** Whether an idempotency marker exists: known at once once the batch's markers were looked up (one round trip), else a promise. */
  markerExists: (marker: string) => boolean | Promise<boolean>;
  /** Markers taken by an earlier entry of this batch. */
  readonly claimed: Set<string>;
  /** Envelopes ctx.derive built in this batch (one Set per batch, dropped with it). */
  readonly trusted: Set<Envelope>;
  /** Runs `fn` in the lane of a partition key: in order within a key, up to `def.concurrency` at once. */
  lane: <T>(key: string, fn: () => T | Promise<T>) => T | Promise<T>;
  /** Told when a handler starts and ends (leases, stuck detection). */
  onHandler?: (e: InputEntry, phase: 'start' | 'end') => void;
  /** The batch's spans (null without an OpenTelemetry SDK: then no span work at all). */
  trace: BatchTracing | null;
  /** An entity actor's state hook (defineEntity): decide/evolve instead of `handle`, snapshot in the commit item. */
  entity?: EntityBatchHook;
  /** Loads the entity states of the batch's inputs; the loads of one batch go out as one call (absent once the batch loaded them up front). */
  entityPrepared?: ((env: Envelope) => Promise<void>) | undefined;
}

/** One delivery step: decide the entry's outcome, or pass it on with `next`; sync or async (return or await `next(d)`). */
export type DeliveryStep = (d: Delivery, ctx: StepContext, next: Next) => StepResult;

/** The last step: turns the delivery into an outcome without a `next`. */
export type TerminalStep = (d: Delivery, ctx: StepContext) => StepResult;

/** Thrown inside the runtime when a handler's output breaks the actor's contract. */
export class OutputContractError extends Error {
  override name = 'OutputContractError';
}

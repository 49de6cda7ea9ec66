/**
 * The producer: publishing envelopes from outside an actor (an HTTP handler, a cron job, an
 * import). It builds the envelope, checks a Topic's payload against its schema, routes it to its
 * partition (`partitionOf(partitionKey, P)`, the same function every producer and the runtime
 * use) and appends it; a batch goes out in one pipelined round trip (one per cluster slot), never
 * one per message. Delayed messages are parked in the topic's delayed set, moved onto the stream
 * by the runtime of an actor consuming that topic once due. The active OpenTelemetry span's trace
 * context (traceContextForPublish) is stamped on each envelope, so the actors continue the trace.
 */
import { encodeEnvelope } from '../envelope/codec.js';
import { createEnvelope } from '../envelope/envelope.js';
import { PayloadValidationError, topicName, type PayloadOf, type Topic } from '../envelope/topic.js';
import type { TraceContextFields } from '../envelope/trace-context.js';
import type { Envelope, EnvelopeMetadata, EnvelopeRecord } from '../envelope/types.js';
import type { Append, DelayedAppend, RuntimeStreamBackend } from '../streams/backend.js';
import { systemClock, type Clock } from '../clock.js';
import { createKeys, partitionOf, type Keys } from '../streams/keys.js';
import { traceContextForPublish } from './tracing/publish.js';

/** What createProducer needs; only the backend is required. */
export interface ProducerOptions {
  backend: RuntimeStreamBackend;
  /** Key layout (prefix); default prefix 'sa'. Must match the runtime's. */
  keys?: Keys;
  /** Partitions P of every topic; must match the runtime's (default 1). */
  partitions?: number;
  clock?: Clock;
  /** metadata.source of published envelopes when a message names none; default the type's first segment. */
  source?: string;
  /** The W3C trace context (traceparent, tracestate) to stamp on new envelopes; default: the active OpenTelemetry span's, if any. */
  traceContext?: () => TraceContextFields;
}

/** Per-message options of publish. */
export interface PublishOptions {
  /** Orders and routes: messages with one partitionKey land on one partition, handled in order. Default: the correlationId. */
  partitionKey?: string;
  /** Consumers skip a second envelope with the same key (while their markers live). Default: the envelope id (no deduplication). */
  idempotencyKey?: string;
  /** Joins an existing flow; default: a new flow (the envelope's id). */
  correlationId?: string;
  /** Deliver after this many milliseconds. */
  delayMs?: number;
  /** Deliver at this epoch millisecond. */
  at?: number;
  metadata?: Partial<EnvelopeMetadata>;
  records?: EnvelopeRecord[];
}

/** One message of publishMany. */
export interface PublishMessage<P = unknown> extends PublishOptions {
  type: string | Topic<string, P>;
  payload: P;
}

/** Where a published envelope went. */
export interface Published {
  envelope: Envelope;
  /** The topic stream it is (or, when delayed, will be) on. */
  stream: string;
  partition: number;
  /** Stream entry id, or null while it waits in the delayed set. */
  id: string | null;
  /** When a delayed message becomes visible (epoch ms). */
  dueMs?: number;
}

/** Publishes envelopes onto topic streams. */
export interface Producer {
  readonly keys: Keys;
  readonly partitions: number;
  /** Publishes one envelope; a Topic's payload is typed and checked (PayloadValidationError when it breaks the schema). */
  publish<T extends Topic<string, unknown>>(topic: T, payload: PayloadOf<T>, opts?: PublishOptions): Promise<Published>;
  publish(type: string, payload: unknown, opts?: PublishOptions): Promise<Published>;
  /** Publishes many in one round trip (per cluster slot); validates all before writing any. Results in order. */
  publishMany(messages: readonly PublishMessage[]): Promise<Published[]>;
}

/** A producer over a backend: `createProducer({ backend, keys, partitions })`. Connects on first use. */
export function createProducer(options: ProducerOptions): Producer {
  const { backend } = options;
  const keys = options.keys ?? createKeys();
  const partitions = options.partitions ?? 1;
  partitionOf('', partitions); // throws now for a bad P
  const clock = options.clock ?? systemClock;
  // The one place the producer reads trace context: the active span's, so consumers continue the caller's trace.
  const traceContextOf = options.traceContext ?? (() => traceContextForPublish());
  let connected: Promise<unknown> | null = null;

  const build = (m: PublishMessage, now: number, traceContext: TraceContextFields): { published: Published; fields: string[] } => {
    const type = topicName(m.type);
    if (typeof m.type !== 'string') {
      const r = m.type.validate(m.payload);
      if (!r.ok) throw new PayloadValidationError(type, r.issues);
    }
    const metadata = options.source !== undefined && m.metadata?.source === undefined ? { ...m.metadata, source: options.source } : m.metadata;
    const envelope = createEnvelope({
      type,
      payload: m.payload,
      now,
      ...(m.idempotencyKey !== undefined ? { idempotencyKey: m.idempotencyKey } : {}),
      ...(m.correlationId !== undefined ? { correlationId: m.correlationId } : {}),
      ...(m.partitionKey !== undefined ? { partitionKey: m.partitionKey } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
      ...(m.records !== undefined ? { records: m.records } : {}),
      ...traceContext,
    });
    const partition = partitionOf(envelope.partitionKey, partitions);
    const due = m.at ?? (m.delayMs !== undefined ? now + m.delayMs : undefined);
    const published: Published = { envelope, stream: keys.topic(type, partition), partition, id: null };
    if (due !== undefined && due > now) published.dueMs = due;
    return { published, fields: encodeEnvelope(envelope) };
  };

  const publishMany = async (messages: readonly PublishMessage[]): Promise<Published[]> => {
    if (messages.length === 0) return [];
    const now = clock.now();
    const traceContext = traceContextOf();
    // Everything is built and checked before anything is written: a bad message fails the batch whole.
    const built = messages.map((m) => build(m, now, traceContext));
    const appends: Append[] = [];
    const appended: Published[] = [];
    const delayed: DelayedAppend[] = [];
    for (const { published, fields } of built) {
      if (published.dueMs !== undefined)
        delayed.push({ delayedKey: keys.delayed(published.envelope.type, published.partition), dueMs: published.dueMs, uid: published.envelope.id, fields });
      else {
        appends.push({ stream: published.stream, fields });
        appended.push(published);
      }
    }
    // Connect once; a failed connect is retried by the next publish.
    connected ??= backend.connect().catch((err: unknown) => {
      connected = null;
      throw err;
    });
    await connected;
    const [ids] = await Promise.all([backend.appendMany(appends), backend.schedule(delayed)]);
    ids.forEach((id, i) => (appended[i]!.id = id));
    return built.map((b) => b.published);
  };

  return {
    keys,
    partitions,
    publish: async (type: string | Topic<string, unknown>, payload: unknown, opts: PublishOptions = {}) =>
      (await publishMany([{ ...opts, type, payload }]))[0]!,
    publishMany,
  };
}

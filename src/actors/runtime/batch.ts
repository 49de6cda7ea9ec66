import { decodeEntry, encodeEnvelope } from '../../envelope/codec.js';
import { deriveEnvelope, nextAttempt } from '../../envelope/envelope.js';
import type { Envelope } from '../../envelope/types.js';
import { formatIssues, validateEnvelope } from '../../envelope/validate.js';
import type { BoundActorMetrics } from '../../monitoring/metrics.js';
import type { CustomMetrics, Logger } from '../../monitoring/types.js';
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import type { CommitItem, StreamBackend } from '../../streams/backend.js';
import type { Clock } from '../../streams/clock.js';
import type { Keys } from '../../streams/keys.js';
import { isPermanentError } from '../errors.js';
import type { ActorContext, ActorDefinition, EmitOptions } from '../types.js';
import { backoffDelay } from './backoff.js';
import { deadLetterFields, type DeadLetter, type DeadLetterReason } from './dead-letter.js';

/** One entry to process: read with `>`, re-read from our own PEL, or claimed from another consumer. */
export interface InputEntry {
  stream: string;
  id: string;
  fields: string[];
  /** Delivery count, known for claimed entries. */
  deliveries?: number;
}

/** Everything a batch needs besides its entries. */
export interface BatchDeps {
  def: ActorDefinition;
  backend: StreamBackend;
  keys: Keys;
  consumer: string;
  clock: Clock;
  logger: Logger;
  metrics: BoundActorMetrics;
  custom: CustomMetrics;
  persistence: ReadOnlyPersistence;
  random?: () => number;
  /** Told when a handler starts and ends on an entry (the worker's leases and stuck detection). */
  onHandler?: (e: InputEntry, phase: 'start' | 'end') => void;
}

/** What processing a batch produced: the commit and counts for metrics. */
export interface BatchResult {
  items: CommitItem[];
  processed: number;
  /** Handler failures (each then retried or dead-lettered). */
  failed: number;
  retried: number;
  duplicates: number;
  deadLettered: Partial<Record<DeadLetterReason, number>>;
  /** The entries dead-lettered, by reason, for the log line (ids, not only a count). */
  deadLetteredIds: Partial<Record<DeadLetterReason, string[]>>;
}

interface Emission {
  envelope: Envelope;
  opts: EmitOptions | undefined;
}

/** Thrown inside the runtime when a handler's output breaks the actor's contract. */
class OutputContractError extends Error {
  override name = 'OutputContractError';
}

/** Turns a batch of entries into one atomic commit: outputs, retries, dead letters and acks. */
export async function processBatch(entries: InputEntry[], deps: BatchDeps): Promise<BatchResult> {
  const { def, keys } = deps;
  const result: BatchResult = { items: [], processed: 0, failed: 0, retried: 0, duplicates: 0, deadLettered: {}, deadLetteredIds: {} };
  const now = deps.clock.now();
  // A dead letter is committed like an output: the input acked, one DLQ entry written.
  const deadLetter = (e: InputEntry, partition: number, topic: string, d: Omit<DeadLetter, 'actor' | 'source' | 'sourceId' | 'failedAtMs'>): CommitItem => {
    result.deadLettered[d.reason] = (result.deadLettered[d.reason] ?? 0) + 1;
    (result.deadLetteredIds[d.reason] ??= []).push(`${e.stream} ${e.id}`);
    return {
      ack: { stream: e.stream, group: def.name, id: e.id },
      // A marker per dead letter: re-committing after an ambiguous failure cannot write it twice.
      markerKey: keys.deadLetterMarker(def.name, e.stream, e.id, partition),
      outputs: [{ stream: keys.dlq(topic, partition), fields: deadLetterFields({ ...d, actor: def.name, source: e.stream, sourceId: e.id, failedAtMs: now }, { redact: def.redactDeadLetters }) }],
    };
  };

  const candidates: { e: InputEntry; env: Envelope; partition: number; marker: string }[] = [];
  for (const e of entries) {
    const where = keys.parse(e.stream);
    const partition = where?.partition ?? 0;
    const streamTopic = where?.kind === 'topic' ? where.topic : undefined;
    const fallbackTopic = streamTopic ?? def.consumes[0]!;
    if (e.fields.length === 0) {
      // XAUTOCLAIM reported it deleted, or XREADGROUP 0 returned it without fields.
      result.items.push(deadLetter(e, partition, fallbackTopic, { reason: 'deleted-before-processing', error: 'entry was deleted from the stream while pending, before it was processed', attempts: 0 }));
      continue;
    }
    const decoded = decodeEntry(e.fields, { maxBytes: def.maxEntryBytes });
    if (!decoded.ok) {
      result.items.push(deadLetter(e, partition, fallbackTopic, { reason: decoded.reason, error: decoded.error, attempts: 0, raw: decoded.raw }));
      continue;
    }
    const env = decoded.envelope;
    if (streamTopic !== undefined && env.type !== streamTopic) {
      result.items.push(deadLetter(e, partition, fallbackTopic, { reason: 'invalid-envelope', error: `$.type: topic (envelope of type ${env.type} on stream of topic ${streamTopic})`, attempts: env.attempt, envelope: env }));
      continue;
    }
    if (e.deliveries !== undefined && e.deliveries > def.maxDeliveries) {
      result.items.push(deadLetter(e, partition, env.type, { reason: 'poison', error: `delivered ${e.deliveries} times without a commit (limit ${def.maxDeliveries}): the handler keeps crashing its consumer`, attempts: env.attempt, envelope: env }));
      continue;
    }
    candidates.push({ e, env, partition, marker: keys.idempotency(def.name, env.idempotencyKey, partition) });
  }

  // Skip inputs already committed (one round trip for the batch); the commit re-checks atomically.
  const seen = await deps.backend.markersExist(candidates.map((c) => c.marker));
  const inBatch = new Set<string>();
  const toRun: typeof candidates = [];
  candidates.forEach((c, i) => {
    if (seen[i] || inBatch.has(c.marker)) {
      result.duplicates += 1;
      result.items.push({ ack: { stream: c.e.stream, group: def.name, id: c.e.id }, outputs: [] });
    } else {
      inBatch.add(c.marker);
      toRun.push(c);
    }
  });

  // Same partitionKey: in order, one after another; different keys: up to `concurrency` at once.
  const lanes = new Map<string, typeof toRun>();
  for (const c of toRun) {
    const lane = lanes.get(c.env.partitionKey);
    if (lane) lane.push(c);
    else lanes.set(c.env.partitionKey, [c]);
  }
  const itemsByEntry = new Map<InputEntry, CommitItem>();
  const queue = [...lanes.values()];
  const runLane = async (): Promise<void> => {
    for (let lane = queue.shift(); lane; lane = queue.shift()) {
      for (const c of lane) itemsByEntry.set(c.e, await runOne(c.e, c.env, c.partition, c.marker));
    }
  };

  const runOne = async (e: InputEntry, env: Envelope, partition: number, marker: string): Promise<CommitItem> => {
    const emitted: Emission[] = [];
    const trusted = new WeakSet<Envelope>();
    const ctx: ActorContext = {
      actor: def.name,
      consumer: deps.consumer,
      logger: deps.logger,
      metrics: deps.custom,
      clock: deps.clock,
      persistence: deps.persistence,
      derive: (type, payload, opts) => {
        const child = deriveEnvelope(env, type, payload, { ...opts, now: deps.clock.now() });
        trusted.add(child);
        return child;
      },
      emit: (envelope, opts) => void emitted.push({ envelope, opts }),
    };
    const started = performance.now();
    deps.onHandler?.(e, 'start');
    try {
      const returned = await def.handle(env, ctx);
      if (Array.isArray(returned)) for (const r of returned) emitted.push({ envelope: r, opts: undefined });
      const item: CommitItem = { ack: { stream: e.stream, group: def.name, id: e.id }, markerKey: marker, outputs: [], delayed: [] };
      for (const { envelope: out, opts } of emitted) {
        if (!def.emits.includes(out.type)) throw new OutputContractError(`emitted type ${out.type} is not in emits [${def.emits.join(', ')}]`);
        if (!trusted.has(out)) {
          const v = validateEnvelope(out);
          if (!v.ok) throw new OutputContractError(`emitted an invalid envelope: ${formatIssues(v.errors)}`);
        }
        const fields = encodeEnvelope(out);
        const due = opts?.at ?? (opts?.delayMs !== undefined ? deps.clock.now() + opts.delayMs : undefined);
        if (due !== undefined && due > deps.clock.now()) item.delayed!.push({ delayedKey: keys.delayed(out.type, partition), dueMs: due, uid: out.id, fields });
        else item.outputs.push({ stream: keys.topic(out.type, partition), fields });
      }
      result.processed += 1;
      return item;
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      result.failed += 1;
      deps.logger.warn('handler failed', { actor: def.name, stream: e.stream, id: e.id, attempt: env.attempt, error: message });
      if (env.attempt < def.maxAttempts && !isPermanentError(err)) {
        result.retried += 1;
        const retry = nextAttempt(env);
        // Retries go to this actor's own retry stream (no other group sees them), after the backoff.
        return {
          ack: { stream: e.stream, group: def.name, id: e.id },
          outputs: [],
          delayed: [{ delayedKey: keys.retryDelayed(def.name, partition), dueMs: deps.clock.now() + backoffDelay(def.backoff, env.attempt, deps.random), uid: `${env.id}#${retry.attempt}`, fields: encodeEnvelope(retry) }],
        };
      }
      return deadLetter(e, partition, env.type, { reason: 'handler-error', error: message, attempts: env.attempt, envelope: env });
    } finally {
      deps.onHandler?.(e, 'end');
      deps.metrics.handlerDuration((performance.now() - started) / 1000);
    }
  };

  await Promise.all(Array.from({ length: Math.min(def.concurrency, queue.length) }, runLane));
  for (const c of toRun) result.items.push(itemsByEntry.get(c.e)!);
  return result;
}

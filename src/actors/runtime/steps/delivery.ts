/** The runtime's per-entry steps: trace, dedup, entity, order, retry / dead-letter. */
import { encodeEnvelope } from '../../../envelope/codec.js';
import { nextAttempt } from '../../../envelope/envelope.js';
import { PayloadValidationError } from '../../../envelope/topic.js';
import { isPermanentError } from '../../errors.js';
import { backoffDelay } from '../backoff.js';
import type { BatchTracing } from '../tracing.js';
import { isPending, type Delivery, type DeliveryStep, type Next, type Outcome, type StepContext, type StepResult } from './types.js';
import { deadLetterOutcome, duplicate } from './outcomes.js';

/** Trace: the envelope's `process` span (OpenTelemetry), around everything after it; duplicates, retries and dead letters become its events. */
export const traceStep: DeliveryStep = (d, ctx, next) => (ctx.trace ? traced(d, ctx, ctx.trace, next) : next(d));

// Synchronous when what follows is: no promise per entry (the span ends when the outcome is known).
function traced(d: Delivery, ctx: StepContext, trace: BatchTracing, next: Next): StepResult {
  const env = d.envelope!;
  const pt = (d.pt = trace.process(d.entry.stream, d.entry.id, env, env.type, d.partition));
  return pt.around(next, d, ctx.clock);
}

/** Dedup: an input already committed (its marker exists), or a copy earlier in this batch, is acked and skipped. The commit re-checks atomically. */
export const dedupStep: DeliveryStep = (d, ctx, next) => {
  const marker = d.marker!;
  // Taken synchronously, in entry order: the first copy in a batch wins.
  if (ctx.claimed.has(marker)) return duplicate(d, ctx);
  ctx.claimed.add(marker);
  const seen = ctx.markerExists(marker);
  if (typeof seen === 'boolean') return seen ? duplicate(d, ctx) : next(d);
  return seen.then((s) => (s ? duplicate(d, ctx) : next(d)));
};

/** Entity: an entity actor's states for the batch's inputs are loaded (one round trip for the batch) before any of its handlers runs. */
export const entityStep: DeliveryStep = (d, ctx, next) => (ctx.entityPrepared ? ctx.entityPrepared(d.envelope!).then(() => next(d)) : next(d));

/** Order: same partitionKey one after another, in entry order; different keys concurrently. */
export const orderStep: DeliveryStep = (d, ctx, next) => ctx.lane(d.envelope!.partitionKey, () => next(d));

/** Retry or dead-letter: an error from what follows (handler, user step, output contract) is retried with backoff up to maxAttempts, then dead-lettered. */
export const retryStep: DeliveryStep = (d, ctx, next) => {
  let out: StepResult;
  try {
    out = next(d);
  } catch (err) {
    return failed(d, ctx, err);
  }
  return isPending(out) ? Promise.resolve(out).then(undefined, (err: unknown) => failed(d, ctx, err)) : out;
};

function failed(d: Delivery, ctx: StepContext, err: unknown): Outcome {
  const env = d.envelope!;
  {
    const { def, keys } = ctx;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    ctx.logger.warn('handler failed', { actor: def.name, stream: d.entry.stream, id: d.entry.id, attempt: env.attempt, error: message });
    if (env.attempt < def.maxAttempts && !isPermanentError(err)) {
      const retry = nextAttempt(env);
      // Retries go to this actor's own retry stream (no other group sees them), after the backoff.
      return {
        kind: 'retry',
        error: message,
        item: {
          ack: { stream: d.entry.stream, group: def.name, id: d.entry.id },
          outputs: [],
          delayed: [
            {
              delayedKey: keys.retryDelayed(def.name, d.partition),
              dueMs: ctx.clock.now() + backoffDelay(def.backoff, env.attempt, ctx.random),
              uid: `${env.id}#${retry.attempt}`,
              fields: encodeEnvelope(retry),
            },
          ],
        },
      };
    }
    // The input's own payload broke its Topic's schema: its own reason, so operators can find and fix the producer.
    const reason = err instanceof PayloadValidationError && err.stage === 'consume' && err.topic === env.type ? 'invalid-payload' : 'handler-error';
    return deadLetterOutcome(d, ctx, env.type, { reason, error: message, attempts: env.attempt, envelope: env });
  }
}

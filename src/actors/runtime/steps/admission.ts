/** Admission: decode, topic check and poison, run as one synchronous pass over the batch. */
import { decodeEntry } from '../../../envelope/codec.js';
import { type DeliveryStep } from './types.js';
import { deadLetterOutcome, fallbackTopic } from './outcomes.js';

/** Decode: the bounded decoder and envelope validation; an entry deleted while pending or not an envelope is dead-lettered. */
export const decodeStep: DeliveryStep = (d, ctx, next) => {
  if (d.entry.fields.length === 0) {
    // XAUTOCLAIM reported it deleted, or XREADGROUP 0 returned it without fields.
    return deadLetterOutcome(d, ctx, fallbackTopic(d, ctx), {
      reason: 'deleted-before-processing',
      error: 'entry was deleted from the stream while pending, before it was processed',
      attempts: 0,
    });
  }
  const decoded = decodeEntry(d.entry.fields, { maxBytes: ctx.def.maxEntryBytes });
  if (!decoded.ok) return deadLetterOutcome(d, ctx, fallbackTopic(d, ctx), { reason: decoded.reason, error: decoded.error, attempts: 0, raw: decoded.raw });
  if (decoded.dropped)
    ctx.logger.warn('dropped invalid trace context', { actor: ctx.def.name, stream: d.entry.stream, id: d.entry.id, dropped: decoded.dropped });
  d.envelope = decoded.envelope;
  d.marker = ctx.keys.idempotency(ctx.def.name, decoded.envelope.idempotencyKey, d.partition);
  return next(d);
};

/** Topic check: an envelope on a topic stream must be of that topic's type. */
export const topicCheckStep: DeliveryStep = (d, ctx, next) => {
  const env = d.envelope!;
  if (d.streamTopic !== undefined && env.type !== d.streamTopic) {
    return deadLetterOutcome(d, ctx, fallbackTopic(d, ctx), {
      reason: 'invalid-envelope',
      error: `$.type: topic (envelope of type ${env.type} on stream of topic ${d.streamTopic})`,
      attempts: env.attempt,
      envelope: env,
    });
  }
  return next(d);
};

/** Poison: an entry delivered more than maxDeliveries times without a commit keeps crashing its consumer. */
export const poisonStep: DeliveryStep = (d, ctx, next) => {
  const { deliveries } = d.entry;
  const env = d.envelope!;
  if (deliveries !== undefined && deliveries > ctx.def.maxDeliveries) {
    return deadLetterOutcome(d, ctx, env.type, {
      reason: 'poison',
      error: `delivered ${deliveries} times without a commit (limit ${ctx.def.maxDeliveries}): the handler keeps crashing its consumer`,
      attempts: env.attempt,
      envelope: env,
    });
  }
  return next(d);
};

/**
 * delivery: `draft.persisted` -> `delivery.skipped` or `delivery.sent`. Disabled by default, as
 * in the seed: sending mail is a side effect a demo or a test must never cause by accident. It
 * sends only when built with `enabled: true`, through a DeliveryAdapter (a no-op one by default).
 * The external send is at-least-once (a crash after it and before the commit repeats it): an
 * adapter should deduplicate by the `idempotencyKey` it is given.
 */
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import { LEAD_ACTOR_NAMES, TOPICS } from './topics.js';
import type { DeliveryOutcome, DraftPersisted } from './types.js';

/** One message to send. */
export interface DeliveryRequest {
  draftId: string;
  to: string;
  subject: string;
  body: string;
  /** Stable per draft version: resending the same input yields the same key. */
  idempotencyKey: string;
}

/** The delivery seam: a mail provider, a queue, ... */
export interface DeliveryAdapter {
  readonly name: string;
  /** Sends one message; resolves with the provider's message id when it has one. */
  send(request: DeliveryRequest): Promise<{ providerMessageId?: string }>;
}

/** Sends nothing and says so; the default adapter. */
export class NoopDeliveryAdapter implements DeliveryAdapter {
  readonly name = 'noop';
  /** Does nothing. */
  async send(): Promise<{ providerMessageId?: string }> {
    return {};
  }
}

/** Options of the delivery actor. */
export interface DeliveryOptions {
  /** Off unless explicitly switched on. */
  enabled: boolean;
  adapter: DeliveryAdapter;
  actor?: Partial<ActorSpec>;
}

/** Defaults: disabled, no-op adapter. */
export const DEFAULT_DELIVERY_OPTIONS: Readonly<DeliveryOptions> = Object.freeze({ enabled: false, adapter: new NoopDeliveryAdapter() });

/** The delivery actor. */
export function deliveryActor(options: Partial<DeliveryOptions> = {}): ActorDefinition {
  const opts = { ...DEFAULT_DELIVERY_OPTIONS, ...options };
  return defineActor({
    ...opts.actor,
    name: LEAD_ACTOR_NAMES.delivery,
    consumes: [TOPICS.draftPersisted],
    emits: [TOPICS.deliverySkipped, TOPICS.deliverySent],
    handle: async (env, ctx) => {
      const d = env.payload as DraftPersisted | null;
      if (typeof d?.draftId !== 'string' || typeof d.to !== 'string') throw new PermanentError('invalid draft.persisted: $.draftId and $.to: required');
      const base = { draftId: d.draftId, leadId: d.leadId, campaignId: d.campaignId, adapter: opts.adapter.name };
      let outcome: DeliveryOutcome;
      let type: string;
      if (!opts.enabled || !d.changed) {
        // An unchanged draft was already handled by an earlier flow: never send it twice.
        outcome = { ...base, reason: opts.enabled ? 'unchanged' : 'delivery-disabled' };
        type = TOPICS.deliverySkipped;
      } else {
        const sent = await opts.adapter.send({ draftId: d.draftId, to: d.to, subject: d.subject, body: d.body, idempotencyKey: env.idempotencyKey });
        outcome = { ...base, ...(sent.providerMessageId ? { providerMessageId: sent.providerMessageId } : {}) };
        type = TOPICS.deliverySent;
      }
      ctx.metrics.increment('deliveries', { outcome: type === TOPICS.deliverySent ? 'sent' : 'skipped' });
      return [ctx.derive(type, outcome, { records: env.records, metadata: { source: `delivery:${opts.adapter.name}` } })];
    },
  });
}

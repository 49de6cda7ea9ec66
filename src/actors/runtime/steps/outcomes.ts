/** Outcomes more than one step decides: a dead letter, a plain ack, a duplicate. */
import type { CommitItem } from '../../../streams/backend.js';
import { deadLetterFields, type DeadLetter } from '../dead-letter.js';
import { type Delivery, type Outcome, type StepContext } from './types.js';

/** The dead letter of an entry, as its outcome: the input acked and one DLQ entry, under the entry's own marker. */
export function deadLetterOutcome(d: Delivery, ctx: StepContext, topic: string, dl: Omit<DeadLetter, 'actor' | 'source' | 'sourceId' | 'failedAtMs'>): Outcome {
  const { def, keys } = ctx;
  const e = d.entry;
  return {
    kind: 'dead-letter',
    reason: dl.reason,
    error: dl.error,
    item: {
      ack: { stream: e.stream, group: def.name, id: e.id },
      // A marker per dead letter: re-committing after an ambiguous failure cannot write it twice.
      markerKey: keys.deadLetterMarker(def.name, e.stream, e.id, d.partition),
      outputs: [
        {
          stream: keys.dlq(topic, d.partition),
          fields: deadLetterFields(
            { ...dl, actor: def.name, source: e.stream, sourceId: e.id, failedAtMs: ctx.clock.now() },
            { redact: def.redactDeadLetters },
          ),
        },
      ],
    },
  };
}

export const ack = (d: Delivery, ctx: StepContext): CommitItem => ({ ack: { stream: d.entry.stream, group: ctx.def.name, id: d.entry.id }, outputs: [] });
export const fallbackTopic = (d: Delivery, ctx: StepContext): string => d.streamTopic ?? ctx.def.consumes[0]!;

export const duplicate = (d: Delivery, ctx: StepContext): Outcome => ({ kind: 'duplicate', item: ack(d, ctx) });

/**
 * Putting a campaign on the schedule: one `campaign.scheduled` envelope, checked first, for the
 * campaign manager's scheduler to fire later or on an interval. For CLIs and operators.
 */
import { resolveSchedule } from '../scheduler.js';
import { TOPICS } from '../topics.js';
import type { CampaignSchedule } from '../types.js';
import { encodeEnvelope } from '../../../envelope/codec.js';
import { createEnvelope } from '../../../envelope/envelope.js';
import type { Envelope } from '../../../envelope/types.js';
import type { StreamBackend } from '../../../streams/backend.js';
import { systemClock, type Clock } from '../../../clock.js';
import { partitionOf, type Keys } from '../../../streams/keys.js';

/** Options of scheduleCampaign. */
export interface ScheduleOptions {
  /** Scheduling the same key twice runs the campaign once; default `schedule:<campaignId>:<startAt>`. */
  idempotencyKey?: string;
  /** Partitions P of the topics; the schedule goes to partitionOf(campaignId, P). */
  partitions: number;
  clock: Clock;
}

/** Validates a schedule (PermanentError naming the bad field) and appends it; returns the envelope written. */
export async function scheduleCampaign(
  backend: StreamBackend,
  keys: Keys,
  schedule: CampaignSchedule,
  options: Partial<ScheduleOptions> = {},
): Promise<Envelope<CampaignSchedule>> {
  const clock = options.clock ?? systemClock;
  const resolved = resolveSchedule(schedule, clock.now());
  // Fix the start now, so a schedule without one means "from when it was scheduled", not "from when it was read".
  const payload: CampaignSchedule = { ...schedule, startAt: resolved.startAtMs };
  const env = createEnvelope({
    type: TOPICS.campaignScheduled,
    payload,
    idempotencyKey: options.idempotencyKey ?? `schedule:${resolved.campaignId}:${resolved.startAtMs}`,
    partitionKey: resolved.campaignId,
    metadata: { source: 'scheduler' },
    now: clock.now(),
  });
  await backend.append(keys.topic(TOPICS.campaignScheduled, partitionOf(resolved.campaignId, options.partitions ?? 1)), encodeEnvelope(env));
  return env;
}

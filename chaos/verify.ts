/**
 * End-of-run checks of the chaos pipeline: is everything drained (nothing unread, pending or
 * waiting in a delayed set), and does the result hold the promise (one final output per good
 * input, nothing duplicated, the DLQ holding exactly the injected poison)?
 */
import { parseDeadLetter, type DeadLetterReason } from '../src/actors/runtime/dead-letter.js';
import { compareIds, fieldValue, type StreamBackend, type StreamEntry } from '../src/streams/backend.js';
import type { Keys } from '../src/streams/keys.js';
import { ENVELOPE_FIELD } from '../src/envelope/codec.js';
import type { Envelope } from '../src/envelope/types.js';
import { FINAL_TOPIC, STAGES, TOPICS, inputTopicOf } from './pipeline.js';

/** How far the pipeline is from drained. */
export interface DrainState {
  drained: boolean;
  /** Entries no group has read yet, over every stage stream. */
  unread: number;
  /** Entries read but not acknowledged (all PELs). */
  pending: number;
  /** Entries waiting in delayed and retry sets. */
  delayed: number;
  /** Stage groups that do not exist (yet). */
  missingGroups: number;
}

/** Reads every stage's streams (topic and retry) and delayed sets. */
export async function drainState(backend: StreamBackend, keys: Keys): Promise<DrainState> {
  const state: DrainState = { drained: false, unread: 0, pending: 0, delayed: 0, missingGroups: 0 };
  for (const stage of STAGES) {
    for (const stream of [keys.topic(inputTopicOf(stage)), keys.retry(stage)]) {
      const info = await backend.streamInfo(stream);
      const group = (await backend.groups(stream)).find((g) => g.name === stage);
      if (!group) {
        state.missingGroups += 1;
        continue;
      }
      state.pending += group.pending;
      // Compared by id, not by lag: lag is unknown on Redis < 7 and after deletions.
      if (info && compareIds(group.lastDeliveredId, info.lastGeneratedId) < 0) state.unread += Math.max(1, group.lag ?? 1);
    }
    state.delayed += await backend.delayedCount(keys.retryDelayed(stage));
    state.delayed += await backend.delayedCount(keys.delayed(inputTopicOf(stage)));
  }
  state.drained = state.unread === 0 && state.pending === 0 && state.delayed === 0 && state.missingGroups === 0;
  return state;
}

/** Every entry of a stream, read in pages (a large XRANGE reply would block Redis). */
export async function readAll(backend: StreamBackend, stream: string, page = 5_000): Promise<StreamEntry[]> {
  const out: StreamEntry[] = [];
  let start = '-';
  for (;;) {
    const batch = await backend.range(stream, start, '+', page);
    out.push(...batch);
    if (batch.length < page) return out;
    const [ms = '0', seq = '0'] = batch[batch.length - 1]!.id.split('-');
    start = `${ms}-${BigInt(seq) + 1n}`;
  }
}

/** What the external trims removed: inputs never delivered (a gap), and delivered ones still pending (their outcome is still owed). */
export interface TrimFault {
  /** Correlation ids of entries removed before their stage read them. */
  gapped: Set<string>;
  /** How many entries that was (copies of a re-sent input count apart, as the runtime counts them). */
  gappedEntries: number;
  /** `<topic> <entry id>` -> correlation id, of entries removed while pending. */
  trimmedPending: Map<string, string>;
  trims: number;
}

/** One injected poison input: where it must end up. */
export interface ExpectedDeadLetter {
  correlationId: string;
  /** Topic whose DLQ must hold it. */
  topic: string;
  reason: DeadLetterReason;
}

/** A DLQ entry as the verification sees it. */
export interface SeenDeadLetter {
  correlationId: string | null;
  /** Id of the failed entry on its source stream. */
  sourceId: string;
  topic: string;
  reason: DeadLetterReason;
  error: string;
}

/** What the run produced, compared with what it was fed. */
export interface ChaosOutcome {
  /** Entries on the final topic. */
  outputs: number;
  /** Good inputs without a final output. */
  lost: string[];
  /** Final outputs beyond the first per input. */
  duplicated: number;
  /** Inputs meant to be dead-lettered that produced a final output anyway. */
  poisonPassed: string[];
  /** DLQ entries over every stage topic. */
  deadLettered: number;
  /** Injected poison that is not in the DLQ (or with another reason or on another topic). */
  deadLetterMissing: ExpectedDeadLetter[];
  /** DLQ entries nobody asked for, or one stream entry dead-lettered twice. */
  deadLetterUnexpected: SeenDeadLetter[];
  /**
   * Further DLQ entries of an injected poison input, each from another stream entry: copies of the
   * input that a producer re-sent (a pipeline resent after Redis died before replying). The DLQ
   * keeps one entry per failed stream entry, and copies of a failing input fail too.
   */
  deadLetterInputCopies: number;
  /** Entries pending in any stage PEL at the end. */
  pending: number;
  /** External trims done, inputs trimmed before delivery (expected to be missing), and what the runtime reported as gaps. */
  trims: number;
  gapped: number;
  gapReported: number;
  /** Entries trimmed while pending, and how many of those were dead-lettered (deleted-before-processing) rather than committed. */
  trimmedPending: number;
  trimmedPendingDeadLettered: number;
}

/** Compares the final topic and the DLQs with the inputs fed (correlation ids) and the injected poison. */
export async function verifyOutcome(
  backend: StreamBackend,
  keys: Keys,
  inputs: readonly string[],
  allPoison: readonly ExpectedDeadLetter[],
  trim: TrimFault = { gapped: new Set(), gappedEntries: 0, trimmedPending: new Map(), trims: 0 },
): Promise<ChaosOutcome> {
  // An input trimmed away (before delivery, or while pending) owes no poison dead letter any more.
  const trimmed = new Set([...trim.gapped, ...trim.trimmedPending.values()]);
  const poison = allPoison.filter((p) => !trimmed.has(p.correlationId));
  const counts = new Map<string, number>();
  const finals = await readAll(backend, keys.topic(FINAL_TOPIC));
  for (const e of finals) {
    const env = JSON.parse(fieldValue(e.fields, ENVELOPE_FIELD) ?? 'null') as Envelope | null;
    const c = env?.correlationId ?? '?';
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const poisoned = new Set(poison.map((p) => p.correlationId));
  const lostCandidates = inputs.filter((c) => !poisoned.has(c) && !counts.has(c) && !trim.gapped.has(c) && !allPoison.some((p) => p.correlationId === c));
  const duplicated = [...counts.values()].reduce((n, k) => n + Math.max(0, k - 1), 0);
  const poisonPassed = [...poisoned].filter((c) => counts.has(c));

  const seen: SeenDeadLetter[] = [];
  for (const topic of TOPICS.slice(0, 3)) {
    for (const e of await readAll(backend, keys.dlq(topic))) {
      const d = parseDeadLetter(e.id, e.fields);
      seen.push({ correlationId: d.envelope?.correlationId ?? null, sourceId: d.sourceId, topic, reason: d.reason, error: d.error });
    }
  }
  // Entries trimmed while pending: their one outcome is a commit, or one dead letter deleted-before-processing (owner gone).
  const deadForTrim = new Set<string>();
  let trimmedPendingDeadLettered = 0;
  const unmatched = seen.filter((d) => {
    const c = trim.trimmedPending.get(`${d.topic} ${d.sourceId}`);
    if (c !== undefined && d.reason === 'deleted-before-processing') {
      deadForTrim.add(c);
      trimmedPendingDeadLettered += 1;
      return false;
    }
    // Dead letters of trimmed poison inputs (their poison stage may or may not have been reached).
    return !(d.correlationId !== null && trimmed.has(d.correlationId) && allPoison.some((p) => p.correlationId === d.correlationId));
  });
  const lost = lostCandidates.filter((c) => !deadForTrim.has(c));
  const deadLetterMissing: ExpectedDeadLetter[] = [];
  let deadLetterInputCopies = 0;
  for (const p of poison) {
    const same = (d: SeenDeadLetter): boolean => d.correlationId === p.correlationId && d.topic === p.topic && d.reason === p.reason;
    const i = unmatched.findIndex(same);
    if (i < 0) {
      deadLetterMissing.push(p);
      continue;
    }
    const [first] = unmatched.splice(i, 1);
    const sources = new Set([first!.sourceId]);
    // Another copy of the input is fine; the same stream entry dead-lettered twice stays unexpected.
    for (let j = 0; j < unmatched.length;) {
      const d = unmatched[j]!;
      if (same(d) && !sources.has(d.sourceId)) {
        sources.add(d.sourceId);
        unmatched.splice(j, 1);
        deadLetterInputCopies += 1;
      } else j += 1;
    }
  }

  let pending = 0;
  for (const stage of STAGES) {
    for (const stream of [keys.topic(inputTopicOf(stage)), keys.retry(stage)]) pending += (await backend.pendingSummary(stream, stage)).count;
  }
  let gapReported = 0;
  const gapKeys = await backend.scanKeys(`${keys.prefix}:chaos:gap:*`);
  for (const v of await backend.getMany(gapKeys)) gapReported += Number(v ?? 0);
  return {
    outputs: finals.length,
    lost,
    duplicated,
    poisonPassed,
    deadLettered: seen.length,
    deadLetterMissing,
    deadLetterUnexpected: unmatched,
    deadLetterInputCopies,
    pending,
    trims: trim.trims,
    gapped: trim.gappedEntries,
    gapReported,
    trimmedPending: trim.trimmedPending.size,
    trimmedPendingDeadLettered,
  };
}

/** True when the outcome keeps every promise. */
export function outcomeOk(o: ChaosOutcome): boolean {
  return (
    o.lost.length === 0 &&
    o.duplicated === 0 &&
    o.poisonPassed.length === 0 &&
    o.deadLetterMissing.length === 0 &&
    o.deadLetterUnexpected.length === 0 &&
    o.pending === 0 &&
    o.gapReported === o.gapped
  );
}

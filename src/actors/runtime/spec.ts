/**
 * Handler specifications without a backend, in the spirit of Emmett's decider specifications:
 *
 *   await given(envelope).when(actor).then({ outputs: [{ type: 'lead.job', payload: {...} }] });
 *   await given(badMail).when(actor).then({ deadLetter: 'handler-error', error: /invalid email/ });
 *   await given(flaky).when(actor).then('retry');
 *
 * The input runs through the same delivery steps as in the runtime (decode, topic check, poison,
 * dedup, order, retry / dead-letter, the actor's steps, output validation, the handler), with no
 * Redis: what the runtime would commit is turned back into envelopes. Milliseconds per case.
 * `then` throws an AssertionError (node:assert) on mismatch, so it works under any test runner;
 * `given(e).when(a).run()` gives the SpecResult for checks of your own.
 */
import { AssertionError, deepStrictEqual } from 'node:assert';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { ENVELOPE_FIELD, encodeEnvelope } from '../../envelope/codec.js';
import type { Envelope } from '../../envelope/types.js';
import { createLogger } from '../../monitoring/logger.js';
import { createActorMetrics } from '../../monitoring/metrics.js';
import type { Logger } from '../../monitoring/types.js';
import type { ReadOnlyPersistence } from '../../persistence/types.js';
import type { WritablePersistence } from '../../persistence/writer.js';
import { fieldValue, type CommitItem } from '../../streams/backend.js';
import { systemClock, type Clock } from '../../clock.js';
import { createKeys } from '../../streams/keys.js';
import { defineActor } from '../define.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import { batchContext, pipelineFor } from './batch.js';
import { parseDeadLetter, type DeadLetterReason } from './dead-letter.js';
import { provisioner, type ServicesOption } from './services.js';
import type { DeliveryStep } from './steps/index.js';

/** The world a specification runs in; everything has a default. `S`: the services the handler gets. */
export interface SpecOptions<S extends object = object> {
  /** Read surface the handler sees (default: no rows); a WritablePersistence also gives an actor that declares `writes` its scoped `ctx.writer`. */
  persistence?: ReadOnlyPersistence | WritablePersistence;
  /** The handler's `ctx.services` (fakes, usually), as RuntimeDeps.services: an object or a per-actor factory. */
  services?: ServicesOption<S>;
  clock?: Clock;
  /** Backoff jitter source (default: none, 0.5). */
  random?: () => number;
  logger?: Logger;
  /** Idempotency keys this actor already committed: such an input is a duplicate. */
  committed?: string[];
  /** Deliveries of the entry so far (a re-read or a claim): past maxDeliveries it is poison. */
  deliveries?: number;
  /** Runtime-wide steps (RuntimeDeps.steps), run before the actor's own. */
  steps?: readonly DeliveryStep[];
  /** Read from the actor's retry stream instead of the topic stream. */
  fromRetryStream?: boolean;
}

/** What the runtime would commit for the input. */
export interface SpecResult {
  kind: 'processed' | 'duplicate' | 'retry' | 'dead-letter';
  /** Outputs written at once, in order. */
  outputs: Envelope[];
  /** Outputs emitted for later (delayMs / at). */
  delayed: { envelope: Envelope; dueMs: number }[];
  /** The next attempt, parked for its backoff. */
  retry?: { envelope: Envelope; dueMs: number };
  deadLetter?: { reason: DeadLetterReason; error: string };
}

/** An output as expected: its type, and its payload when given (deep equality). */
export interface ExpectedOutput {
  type: string;
  payload?: unknown;
}

/** What `then` accepts. */
export type Expected =
  | 'duplicate'
  | 'retry'
  | { outputs: ExpectedOutput[]; delayed?: ExpectedOutput[] }
  | { retry: true }
  | { deadLetter: DeadLetterReason; error?: RegExp | string };

const silent = (): Logger =>
  createLogger({
    level: 'error',
    stream: new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }),
  });

const envelopeOf = (fields: string[]): Envelope => JSON.parse(fieldValue(fields, ENVELOPE_FIELD) ?? 'null') as Envelope;

/** Runs one input through an actor's delivery steps with no backend. */
export async function runSpec<S extends object = object>(
  input: Envelope | { fields: string[]; type?: string },
  actor: ActorSpec<S> | ActorDefinition<S>,
  opts: SpecOptions<S> = {},
): Promise<SpecResult> {
  const def = defineActor(actor as ActorSpec<S>);
  const { persistence, writer, services } = provisioner<S>(opts)(def);
  const keys = createKeys('spec');
  const fields = 'fields' in input ? input.fields : encodeEnvelope(input);
  const topic = ('type' in input && typeof input.type === 'string' ? input.type : undefined) ?? def.consumes[0]!;
  const stream = opts.fromRetryStream ? keys.retry(def.name) : keys.topic(topic);
  const metrics = createActorMetrics(new Registry());
  const committed = new Set((opts.committed ?? []).map((k) => keys.idempotency(def.name, k)));
  const deps = {
    def,
    backend: null as never,
    keys,
    consumer: 'spec-0',
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? silent(),
    metrics: metrics.forActor(def.name),
    custom: metrics.custom(def.name),
    persistence,
    ...(writer ? { writer } : {}),
    services,
    random: opts.random ?? (() => 0.5),
    ...(opts.steps ? { steps: opts.steps } : {}),
  };
  const ctx = batchContext(deps, async (markers) => markers.map((m) => committed.has(m)));
  const where = keys.parse(stream);
  const out = await pipelineFor(deps).run(
    {
      entry: { stream, id: '1-0', fields, ...(opts.deliveries !== undefined ? { deliveries: opts.deliveries } : {}) },
      partition: 0,
      streamTopic: where?.kind === 'topic' ? where.topic : undefined,
    },
    ctx,
  );
  if (out.kind === 'emitted') throw new Error('delivery pipeline ended without validating outputs');
  return resultOf(out.kind, out.item);
}

function resultOf(kind: SpecResult['kind'], item: CommitItem): SpecResult {
  const result: SpecResult = { kind, outputs: [], delayed: [] };
  if (kind === 'dead-letter') {
    const d = parseDeadLetter('0-0', item.outputs[0]?.fields ?? []);
    result.deadLetter = { reason: d.reason, error: d.error };
    return result;
  }
  if (kind === 'retry') {
    const r = item.delayed?.[0];
    if (r) result.retry = { envelope: envelopeOf(r.fields), dueMs: r.dueMs };
    return result;
  }
  result.outputs = item.outputs.map((o) => envelopeOf(o.fields));
  result.delayed = (item.delayed ?? []).map((d) => ({ envelope: envelopeOf(d.fields), dueMs: d.dueMs }));
  return result;
}

const shape = (envs: Envelope[], like: ExpectedOutput[]): ExpectedOutput[] =>
  envs.map((e, i) => ('payload' in (like[i] ?? {}) ? { type: e.type, payload: e.payload } : { type: e.type }));

/** Asserts a result against what was expected; throws AssertionError naming the difference. */
export function assertOutcome(r: SpecResult, expected: Expected): void {
  const fail = (message: string): never => {
    throw new AssertionError({ message, actual: r, expected });
  };
  if (expected === 'duplicate' || expected === 'retry') {
    if (r.kind !== expected) fail(`expected ${expected}, got ${r.kind}${r.deadLetter ? ` (${r.deadLetter.reason}: ${r.deadLetter.error})` : ''}`);
    return;
  }
  if ('retry' in expected) return assertOutcome(r, 'retry');
  if ('deadLetter' in expected) {
    if (r.kind !== 'dead-letter') fail(`expected a dead letter (${expected.deadLetter}), got ${r.kind}`);
    if (r.deadLetter!.reason !== expected.deadLetter)
      fail(`expected dead letter reason ${expected.deadLetter}, got ${r.deadLetter!.reason}: ${r.deadLetter!.error}`);
    const e = expected.error;
    if (e !== undefined && !(typeof e === 'string' ? r.deadLetter!.error.includes(e) : e.test(r.deadLetter!.error)))
      fail(`dead letter error ${JSON.stringify(r.deadLetter!.error)} does not match ${String(e)}`);
    return;
  }
  if (r.kind !== 'processed') fail(`expected outputs, got ${r.kind}${r.deadLetter ? ` (${r.deadLetter.reason}: ${r.deadLetter.error})` : ''}`);
  deepStrictEqual(
    shape(r.outputs, expected.outputs),
    expected.outputs.map((o) => ({ ...o })),
    'outputs',
  );
  if (expected.delayed)
    deepStrictEqual(
      shape(
        r.delayed.map((d) => d.envelope),
        expected.delayed,
      ),
      expected.delayed.map((o) => ({ ...o })),
      'delayed outputs',
    );
}

/** Specification of one actor on one input. */
export interface Specification {
  /** Runs the input through the actor and asserts the outcome; resolves with the result. */
  then(expected: Expected): Promise<SpecResult>;
  /** Runs it without asserting, for checks of your own. */
  run(): Promise<SpecResult>;
}

/** given(input).when(actor).then(expected): a handler specification with no backend. */
export function given<S extends object = object>(
  input: Envelope | { fields: string[]; type?: string },
  opts: SpecOptions<S> = {},
): { when(actor: ActorSpec<S> | ActorDefinition<S>): Specification } {
  return {
    when(actor) {
      const run = (): Promise<SpecResult> => runSpec(input, actor, opts);
      const then = (expected: Expected | ((r: SpecResult) => unknown), onRejected?: (err: unknown) => unknown): Promise<SpecResult> => {
        // Awaited by mistake (the promise protocol calls then(resolve, reject)): resolve with the result.
        if (typeof expected === 'function') return run().then(expected, onRejected) as Promise<SpecResult>;
        return run().then((r) => {
          assertOutcome(r, expected);
          return r;
        });
      };
      return { then, run } as Specification;
    },
  };
}

/** The last two steps: validate the handler's outputs into a commit item, and call the handler. */
import { encodeEnvelope } from '../../../envelope/codec.js';
import { deriveEnvelope } from '../../../envelope/envelope.js';
import type { TraceContextFields } from '../../../envelope/trace-context.js';
import type { Envelope } from '../../../envelope/types.js';
import { formatIssues, validateEnvelope } from '../../../envelope/validate.js';
import type { CommitItem } from '../../../streams/backend.js';
import type { ActorContext, ActorDefinition, DeriveOptions, EmitOptions } from '../../types.js';
import { withTraceContext, type ProcessTracing } from '../tracing.js';
import {
  isPending,
  OutputContractError,
  type Delivery,
  type DeliveryStep,
  type Emission,
  type Outcome,
  type StepContext,
  type TerminalStep,
  type TrustedEnvelopes,
} from './types.js';

/** Validate outputs: every emission must be of a type in `emits` and a valid envelope (derived ones are trusted); then it becomes the commit item. */
export const validateOutputsStep: DeliveryStep = (d, ctx, next) => {
  const out = next(d);
  return isPending(out) ? Promise.resolve(out).then((o) => validated(d, ctx, o)) : validated(d, ctx, out);
};

function validated(d: Delivery, ctx: StepContext, out: Outcome): Outcome {
  if (out.kind !== 'emitted') return out;
  const item: CommitItem = { ack: { stream: d.entry.stream, group: ctx.def.name, id: d.entry.id }, markerKey: d.marker!, outputs: [], delayed: [] };
  // What ctx.emit collected first, then what the handler returned (no wrapper object per returned envelope).
  for (const { envelope, opts } of out.emissions) addOutput(d, ctx, out.trusted, item, envelope, opts);
  const returned = out.returned;
  if (returned !== undefined) for (let i = 0; i < returned.length; i++) addOutput(d, ctx, out.trusted, item, returned[i]!, undefined);
  ctx.entity?.attach(d.envelope!, item);
  return { kind: 'processed', item };
}

/** One output into the commit item: checked against the contract, encoded, due now (a stream) or later (the delayed set). */
function addOutput(d: Delivery, ctx: StepContext, trusted: TrustedEnvelopes, item: CommitItem, envelope: Envelope, opts: EmitOptions | undefined): void {
  const { def, keys, clock } = ctx;
  if (!def.emits.includes(envelope.type)) throw new OutputContractError(`emitted type ${envelope.type} is not in emits [${def.emits.join(', ')}]`);
  if (!trusted.has(envelope)) {
    const v = validateEnvelope(envelope);
    if (!v.ok) throw new OutputContractError(`emitted an invalid envelope: ${formatIssues(v.errors)}`);
  }
  const fields = encodeEnvelope(withTraceContext(envelope, d.envelope!, d.pt ?? null));
  const due = opts?.at ?? (opts?.delayMs !== undefined ? clock.now() + opts.delayMs : undefined);
  if (due !== undefined && due > clock.now())
    item.delayed!.push({ delayedKey: keys.delayed(envelope.type, d.partition), dueMs: due, uid: envelope.id, fields });
  else item.outputs.push({ stream: keys.topic(envelope.type, d.partition), fields });
}

/** Handle: calls the actor's handler with its context; what it returns or emits travels on as emissions. */
export const handleStep: TerminalStep = (d, ctx) => {
  const env = d.envelope!;
  const emissions: Emission[] = [];
  const pt = d.pt ?? null;
  // Hot path: plain fields and two closures per entry (made by factories: no per-entry naming under tsx), no spread.
  const actx: { -readonly [K in keyof ActorContext]: ActorContext[K] } = {
    actor: ctx.def.name,
    consumer: ctx.consumer,
    logger: ctx.logger,
    metrics: ctx.custom,
    clock: ctx.clock,
    persistence: ctx.persistence,
    services: ctx.services,
    derive: deriveFor(env, pt, ctx),
    emit: emitInto(emissions),
  };
  if (ctx.writer) actx.writer = ctx.writer;
  const started = performance.now();
  let returned: ReturnType<ActorDefinition['handle']>;
  try {
    returned = pt ? pt.run(callHandler(env, actx, ctx)) : ctx.entity ? ctx.entity.handle(env, actx) : ctx.def.handle(env, actx);
  } catch (err) {
    handlerEnded(d, ctx, started, false);
    throw err;
  }
  if (!isPending(returned)) {
    handlerEnded(d, ctx, started, false);
    return emitted(returned, emissions, ctx);
  }
  // Only a handler that awaits is told to the leases: one that returned at once never let their timer run.
  ctx.onHandler?.(d.entry, 'start');
  return Promise.resolve(returned).then(
    (r) => {
      handlerEnded(d, ctx, started, true);
      return emitted(r, emissions, ctx);
    },
    (err: unknown) => {
      handlerEnded(d, ctx, started, true);
      throw err;
    },
  );
};

function callHandler(env: Envelope, actx: ActorContext, ctx: StepContext): () => ReturnType<ActorDefinition['handle']> {
  return () => (ctx.entity ? ctx.entity.handle(env, actx) : ctx.def.handle(env, actx));
}

function handlerEnded(d: Delivery, ctx: StepContext, started: number, leased: boolean): void {
  if (leased) ctx.onHandler?.(d.entry, 'end');
  ctx.metrics.handlerDuration((performance.now() - started) / 1000);
}

function emitted(returned: Awaited<ReturnType<ActorDefinition['handle']>>, emissions: Emission[], ctx: StepContext): Outcome {
  return { kind: 'emitted', emissions, returned: Array.isArray(returned) ? returned : undefined, trusted: ctx.trusted };
}

function deriveFor(env: Envelope, pt: ProcessTracing | null, ctx: StepContext): ActorContext['derive'] {
  return (typeOrTopic, payload, opts) => {
    const type = typeof typeOrTopic === 'string' ? typeOrTopic : typeOrTopic.type;
    const child = pt
      ? pt.create(type, makeChild(env, type, payload, opts, ctx))
      : (deriveEnvelope(env, type, payload, opts ? { ...opts, now: ctx.clock.now() } : { now: ctx.clock.now() }) as Envelope);
    ctx.trusted.add(child);
    return child as never;
  };
}

function makeChild(
  env: Envelope,
  type: string,
  payload: unknown,
  opts: DeriveOptions | undefined,
  ctx: StepContext,
): (traceContext?: TraceContextFields) => Envelope {
  return (traceContext) => deriveEnvelope(env, type, payload, { ...opts, now: ctx.clock.now(), traceContext }) as Envelope;
}

function emitInto(emissions: Emission[]): ActorContext['emit'] {
  return (envelope, opts) => void emissions.push({ envelope, opts });
}

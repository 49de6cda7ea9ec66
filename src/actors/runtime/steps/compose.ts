/** The steps in order, and how they are composed into an actor's pipeline. */
import { isPending, type Delivery, type DeliveryStep, type Next, type Outcome, type StepContext, type StepResult, type TerminalStep } from './types.js';
import { decodeStep, poisonStep, topicCheckStep } from './admission.js';
import { dedupStep, entityStep, orderStep, retryStep, traceStep } from './delivery.js';
import { handleStep, validateOutputsStep } from './handle.js';

/** Admission: decode, topic check, poison. Synchronous; run as one pass over the batch before its markers are looked up. */
export const ADMISSION_STEPS: readonly DeliveryStep[] = Object.freeze([decodeStep, topicCheckStep, poisonStep]);

/** The runtime's per-entry steps after admission and before the user's, in order. */
export const DELIVERY_STEPS: readonly DeliveryStep[] = Object.freeze([traceStep, dedupStep, entityStep, orderStep, retryStep]);

/** An actor's composed steps: `admit` (the batch pass) then `deliver` (per entry); `run` is both, for one entry. */
export interface Pipeline {
  /** Admission of one entry: its outcome when admission decides it (a dead letter), undefined when it passes. */
  admit(d: Delivery, ctx: StepContext): StepResult | undefined;
  /** The rest: trace, dedup, entity, order, retry / dead-letter, user steps, validate outputs, handle. */
  deliver: TerminalStep;
  /** Admission and the rest for one entry (specifications, tests). */
  run: TerminalStep;
}

// Admission's terminal: "passed", a marker object no step returns.
const PASSED = Object.freeze({ kind: 'passed' }) as unknown as Outcome;
const passed: TerminalStep = () => PASSED;

/** The whole pipeline of an actor: admission, then the runtime's steps, user steps (runtime-wide first, then the actor's), output validation and the handler. */
export function deliveryPipeline(userSteps: readonly DeliveryStep[] = []): Pipeline {
  const admission = composeSteps(ADMISSION_STEPS, passed);
  const deliver = composeSteps([...DELIVERY_STEPS, ...userSteps, validateOutputsStep], handleStep);
  const admit = (d: Delivery, ctx: StepContext): StepResult | undefined => {
    const out = admission(d, ctx);
    if (isPending(out)) return Promise.resolve(out).then((o) => (o === PASSED ? deliver(d, ctx) : o));
    return out === PASSED ? undefined : out;
  };
  return {
    admit,
    deliver,
    run: (d, ctx) => admit(d, ctx) ?? deliver(d, ctx),
  };
}

/** Composes steps around a terminal: the first step runs first and wraps all the others. */
export function composeSteps(steps: readonly DeliveryStep[], terminal: TerminalStep): TerminalStep {
  // Hot path: the chain of `next` closures is built once per batch context, not once per entry and step.
  let builtFor: StepContext | null = null;
  let chain: Next = (d) => terminal(d, builtFor!);
  return (d, ctx) => {
    if (ctx !== builtFor) {
      builtFor = ctx;
      chain = steps.reduceRight<Next>(
        (next, step) => (dd) => step(dd, ctx, next),
        (dd) => terminal(dd, ctx),
      );
    }
    return chain(d);
  };
}

/** The actor runtime's public surface. */
export * from './types.js';
export * from './define.js';
export * from './errors.js';
export { ActorRuntime, consumerName, type RuntimeDeps, type RuntimeDepsFor, type ShutdownHook } from './runtime/runtime.js';
export type { ServicesOption } from './runtime/services.js';
export { DEFAULT_ACTOR_OPTIONS, DEFAULT_BACKOFF, DEFAULT_RUNTIME_OPTIONS, type RuntimeOptions } from './runtime/options.js';
export { deadLetterFields, parseDeadLetter, type DeadLetter, type DeadLetterEntry, type DeadLetterReason } from './runtime/dead-letter.js';
export { given, runSpec, assertOutcome, type Expected, type ExpectedOutput, type SpecOptions, type SpecResult, type Specification } from './runtime/spec.js';
export {
  ADMISSION_STEPS,
  composeSteps,
  decodeStep,
  dedupStep,
  deliveryPipeline,
  handleStep,
  orderStep,
  poisonStep,
  retryStep,
  topicCheckStep,
  validateOutputsStep,
  OutputContractError,
  type Delivery,
  type DeliveryStep,
  type InputEntry,
  type Outcome,
  type StepContext,
  type TerminalStep,
} from './runtime/steps/index.js';
export {
  DEFAULT_DRAIN_OPTIONS,
  DrainTimeoutError,
  drainSnapshot,
  isDrainTimeoutError,
  waitUntilDrained,
  type DrainOptions,
  type DrainResult,
  type DrainSnapshot,
} from './runtime/drain.js';
export { createProducer, type Producer, type ProducerOptions, type PublishMessage, type PublishOptions, type Published } from './producer.js';
export * from './entity/index.js';

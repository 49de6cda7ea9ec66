/** The actor runtime's public surface. */
export * from './types.js';
export * from './define.js';
export * from './errors.js';
export { ActorRuntime, consumerName, type RuntimeDeps } from './runtime/runtime.js';
export { DEFAULT_ACTOR_OPTIONS, DEFAULT_BACKOFF, DEFAULT_RUNTIME_OPTIONS, type RuntimeOptions } from './runtime/options.js';
export { deadLetterFields, parseDeadLetter, type DeadLetter, type DeadLetterEntry, type DeadLetterReason } from './runtime/dead-letter.js';
export * from './entity/index.js';

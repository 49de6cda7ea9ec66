/**
 * stream-actors: event-sourced actors on Redis Streams. The root is the runtime and its seam:
 * envelopes and typed topics, the StreamBackend (Redis, memory shim), keys, the producer, actors
 * and their runtime, logging and metrics. The lead pipeline is `stream-actors/lead`, the operator
 * API `stream-actors/admin`, the command implementations `stream-actors/cli`.
 */
export * from './envelope/index.js';
export * from './streams/index.js';
export * from './clock.js';
export * from './actors/index.js';
export * from './monitoring/index.js';
export { ConfigError, DEFAULT_STREAMS_CONFIG, STREAMS_ENV, isConfigError, resolveStreamsConfig, type StreamsConfig } from './config.js';
// What ctx.persistence is: the read-only surface a handler sees (implementations live in stream-actors/lead).
export type { AdapterCapabilities, Filter, QueryOptions, QueryResult, ReadOnlyPersistence, Row } from './persistence/types.js';
export { PersistencePermissionError, isPersistencePermissionError } from './persistence/errors.js';

/** stream-actors: event-sourced actors on Redis Streams. */
export * from './envelope/index.js';
export * from './streams/index.js';
export * from './actors/index.js';
export * from './monitoring/index.js';
export * from './persistence/index.js';
export * from './config.js';

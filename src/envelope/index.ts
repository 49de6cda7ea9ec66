// Public surface of the envelope layer (imports nothing else of ours).
export * from './types.js';
export * from './schema.js';
export * from './validate.js';
export * from './envelope.js';
export * from './provenance.js';
export * from './hash.js';
export * from './codec.js';
export * from './topic.js';
export * from './trace-context.js';

// Public surface of the monitoring layer: redaction, logger, metrics and the /metrics + /healthz server.
export type { Logger, CustomMetrics } from './types.js';
export * from './redact.js';
export * from './logger.js';
export * from './metrics.js';
export * from './server.js';

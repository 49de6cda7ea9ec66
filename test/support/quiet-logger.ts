import { Writable } from 'node:stream';
import { createLogger } from '../../src/monitoring/logger.js';
import type { Logger } from '../../src/monitoring/types.js';

/** A real (redacting) logger whose JSON lines are kept in memory for assertions. */
export function capturingLogger(level = 'info'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: level as 'info', stream });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

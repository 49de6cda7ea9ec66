/** Stable codes of errors a handler may throw to steer the runtime. */
export type ActorErrorCode = 'ACTOR_PERMANENT';

/** Thrown by a handler when retrying cannot help (bad business input): the runtime dead-letters at once. */
export class PermanentError extends Error {
  readonly code: ActorErrorCode = 'ACTOR_PERMANENT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** True when err asks the runtime not to retry. */
export function isPermanentError(err: unknown): err is PermanentError {
  return err instanceof PermanentError || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ACTOR_PERMANENT');
}

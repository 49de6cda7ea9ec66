/** How the Redis backend reports failures: every ioredis or server error becomes a StreamBackendError with a stable code. */
import { StreamBackendError } from './backend.js';

/** Maps ioredis/Redis errors to StreamBackendError with a stable code. */
export function wrap(err: unknown, stream?: string): StreamBackendError {
  if (err instanceof StreamBackendError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = message.startsWith('NOGROUP')
    ? 'NOGROUP'
    : /Connection is closed|aborted due to connection close|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|max retries|Stream isn't writeable/i.test(message)
      ? 'CONNECTION'
      : 'SERVER';
  return new StreamBackendError(code, message, stream, { cause: err });
}

/** Awaits a command and turns its failure into a StreamBackendError. */
export async function guard<T>(call: () => Promise<T>, stream?: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw wrap(err, stream);
  }
}

/**
 * Blocking reads for the memory shim: a reader waits on the backend's own event emitter for an
 * append to one of its streams (no timer polling), a timeout, an abort signal or close().
 */
import type { EventEmitter } from 'node:events';

/** Emitted (with no key) when the backend closes: every waiter gives up with []. */
export const CLOSED_EVENT = Symbol('memory-backend-closed');

/** How a blocked read is woken and retried. */
export interface BlockedRead<T> {
  emitter: EventEmitter;
  /** Keys whose appends (or deletion) may satisfy the read. */
  keys: readonly string[];
  blockMs: number;
  signal: AbortSignal | undefined;
  /** Retries the read; an empty array keeps waiting, a throw ends the wait with that error. */
  attempt(): T[];
}

/** Waits until attempt() returns something, or resolves [] on timeout, abort or close. */
export function waitForData<T>(read: BlockedRead<T>): Promise<T[]> {
  const { emitter, signal } = read;
  const keys = [...new Set(read.keys)];
  return new Promise<T[]>((resolve, reject) => {
    let done = false;
    const finish = (settle: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const k of keys) emitter.off(k, onWake);
      emitter.off(CLOSED_EVENT, onEnd);
      signal?.removeEventListener('abort', onEnd);
      settle();
    };
    // Runs inside the appender's call, so the first blocked reader is served first, as in Redis.
    const onWake = (): void => {
      // emit() calls the listeners it had when it started: one may fire after this read finished.
      if (done) return;
      let got: T[];
      try {
        got = read.attempt();
      } catch (err) {
        finish(() => reject(err));
        return;
      }
      if (got.length > 0) finish(() => resolve(got));
    };
    const onEnd = (): void => finish(() => resolve([]));
    const timer = setTimeout(onEnd, read.blockMs);
    for (const k of keys) emitter.on(k, onWake);
    emitter.on(CLOSED_EVENT, onEnd);
    signal?.addEventListener('abort', onEnd, { once: true });
  });
}

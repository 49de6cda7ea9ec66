/** Ordering lanes of one batch: per partition key in order, bounded concurrency. */
import { isPending, type StepContext } from './types.js';

/** Batch-scoped lanes: per key in order, at most `concurrency` handlers at once. A run that finishes synchronously costs no promise. */
export function createLanes(concurrency: number): StepContext['lane'] {
  const tails = new Map<string, Promise<unknown>>();
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    if (active < concurrency) {
      active += 1;
      return;
    }
    await new Promise<void>((r) => waiting.push(r));
  };
  const release = (): void => {
    const wake = waiting.shift();
    if (wake) wake();
    else active -= 1;
  };
  const settle = (): undefined => undefined;
  return <T>(key: string, fn: () => T | Promise<T>): T | Promise<T> => {
    const tail = tails.get(key);
    if (tail === undefined && active < concurrency) {
      // Fast path (most entries): a new key (or one whose last run is done) and a free slot run at once.
      active += 1;
      let out: T | Promise<T>;
      try {
        out = fn();
      } catch (err) {
        release();
        throw err;
      }
      if (!isPending(out)) {
        release();
        return out;
      }
      const run = Promise.resolve(out);
      run.then(release, release);
      const t = run.then(settle, settle);
      tails.set(key, t);
      // Done: a later entry of this key runs at once again.
      void t.then(() => tails.get(key) === t && tails.delete(key));
      return run;
    }
    const run = (tail ?? Promise.resolve()).then(async () => {
      await acquire();
      try {
        return await fn();
      } finally {
        release();
      }
    });
    tails.set(key, run.then(settle, settle));
    return run;
  };
}

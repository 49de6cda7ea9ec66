/** Ordering lanes of one batch: per partition key in order, bounded concurrency. */
import { isPending, type StepContext } from './types.js';

/** A batch's lane state: what runs, and the tail of each key with a run still pending (made only once one is). */
interface LaneState {
  readonly concurrency: number;
  active: number;
  tails: Map<string, Promise<unknown>> | null;
  waiting: (() => void)[] | null;
}

/**
 * Batch-scoped lanes: per key in order, at most `concurrency` handlers at once. A run that
 * finishes synchronously costs no promise. Hot path (a lane per batch, one run per entry): one
 * state object and one closure per batch; the map of tails and the wait queue only once a run goes async.
 */
export function createLanes(concurrency: number): StepContext['lane'] {
  const st: LaneState = { concurrency, active: 0, tails: null, waiting: null };
  return (key, fn) => runInLane(st, key, fn);
}

function runInLane<T>(st: LaneState, key: string, fn: () => T | Promise<T>): T | Promise<T> {
  const tail = st.tails?.get(key);
  if (tail === undefined && st.active < st.concurrency) {
    // Fast path (most entries): a new key (or one whose last run is done) and a free slot run at once.
    st.active += 1;
    let out: T | Promise<T>;
    try {
      out = fn();
    } catch (err) {
      release(st);
      throw err;
    }
    if (!isPending(out)) {
      release(st);
      return out;
    }
    const run = Promise.resolve(out);
    const done = (): void => release(st);
    run.then(done, done);
    const t = run.then(settle, settle);
    const tails = (st.tails ??= new Map());
    tails.set(key, t);
    // Done: a later entry of this key runs at once again.
    void t.then(() => tails.get(key) === t && tails.delete(key));
    return run;
  }
  const run = (tail ?? Promise.resolve()).then(async () => {
    await acquire(st);
    try {
      return await fn();
    } finally {
      release(st);
    }
  });
  (st.tails ??= new Map()).set(key, run.then(settle, settle));
  return run;
}

async function acquire(st: LaneState): Promise<void> {
  if (st.active < st.concurrency) {
    st.active += 1;
    return;
  }
  await new Promise<void>((r) => (st.waiting ??= []).push(r));
}

function release(st: LaneState): void {
  const wake = st.waiting?.shift();
  if (wake) wake();
  else st.active -= 1;
}

const settle = (): undefined => undefined;

/** Per-batch gathering: lookups asked by many entries in one turn go out as one call. */
import type { Envelope } from '../../../envelope/types.js';
import type { EntityBatchHook } from '../../types.js';
import { type StepContext } from './types.js';

/** Marker lookups of one batch gathered into one call (asked in the same turn of the event loop). */
export function batchedMarkerLookup(lookup: (markers: string[]) => Promise<boolean[]>): StepContext['markerExists'] {
  let queue: { marker: string; resolve: (v: boolean) => void; reject: (e: unknown) => void }[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    lookup(batch.map((q) => q.marker)).then(
      (seen) => batch.forEach((q, i) => q.resolve(seen[i] === true)),
      (err: unknown) => batch.forEach((q) => q.reject(err)),
    );
  };
  return (marker) =>
    new Promise<boolean>((resolve, reject) => {
      if (queue.length === 0) queueMicrotask(flush);
      queue.push({ marker, resolve, reject });
    });
}

/** Entity state loads of one batch gathered into one `prepare` call (asked in the same turn of the event loop). */
export function batchedPrepare(hook: EntityBatchHook): (env: Envelope) => Promise<void> {
  let queue: { env: Envelope; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    hook.prepare(batch.map((q) => q.env)).then(
      () => batch.forEach((q) => q.resolve()),
      (err: unknown) => batch.forEach((q) => q.reject(err)),
    );
  };
  return (env) =>
    new Promise<void>((resolve, reject) => {
      if (queue.length === 0) queueMicrotask(flush);
      queue.push({ env, resolve, reject });
    });
}

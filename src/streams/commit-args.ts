import { StreamBackendError, type CommitBatch, type DelayedAppend } from './backend.js';

/** Sorted-set member of a delayed entry: JSON [uid, field, value, ...], decoded by promote_due. */
export function delayedMember(e: DelayedAppend): string {
  return JSON.stringify([e.uid, ...e.fields]);
}

/** Encodes a batch into the commit script's KEYS and ARGV (see scripts/commit.ts for the layout). */
export function encodeCommit(batch: CommitBatch): { keys: string[]; args: (string | number)[] } {
  const keys: string[] = [];
  const index = new Map<string, number>();
  // Keys are declared once each; ARGV refers to them by 1-based position.
  const ref = (key: string): number => {
    let i = index.get(key);
    if (i === undefined) {
      keys.push(key);
      i = keys.length;
      index.set(key, i);
    }
    return i;
  };
  const args: (string | number)[] = [Math.max(1, Math.round(batch.markerTtlMs)), batch.items.length];
  for (const item of batch.items) {
    args.push(item.markerKey ? ref(item.markerKey) : 0, item.ack ? ref(item.ack.stream) : 0, item.ack?.group ?? '', item.ack?.id ?? '');
    args.push(item.outputs.length);
    for (const o of item.outputs) {
      // Checked here because Redis would fail such an XADD half way through the script, after earlier writes.
      if (o.fields.length === 0 || o.fields.length % 2 !== 0) throw new StreamBackendError('BAD_ARGUMENT', `commit output to ${o.stream} needs field/value pairs, got ${o.fields.length} strings`, o.stream);
      args.push(ref(o.stream), o.fields.length);
      for (const f of o.fields) args.push(f);
    }
    const delayed = item.delayed ?? [];
    args.push(delayed.length);
    for (const d of delayed) args.push(ref(d.delayedKey), d.dueMs, delayedMember(d));
  }
  return { keys, args };
}

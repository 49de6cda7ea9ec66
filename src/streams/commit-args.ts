import { StreamBackendError, type CommitBatch, type DelayedAppend, type SnapshotWrite } from './backend.js';

/** Rejects a snapshot write Redis could not apply cleanly (checked before the script runs, as for outputs); shared by both backends. */
export function assertSnapshot(s: SnapshotWrite, outputs: number): void {
  const bad = (what: string): never => {
    throw new StreamBackendError('BAD_ARGUMENT', `snapshot ${s.key}: ${what}`, s.key);
  };
  if (!Number.isSafeInteger(s.version) || s.version < 0) bad(`version must be an integer >= 0, got ${s.version}`);
  const token = /^[^\s]+$/;
  if (s.expectedRevision !== null && !token.test(s.expectedRevision)) bad('expectedRevision must be null or a non-empty token without spaces');
  if (!token.test(s.revision)) bad('revision must be a non-empty token without spaces');
  if (s.lastEventOutput !== undefined && (!Number.isInteger(s.lastEventOutput) || s.lastEventOutput < 0 || s.lastEventOutput >= outputs)) bad(`lastEventOutput ${s.lastEventOutput} is not one of the item's ${outputs} outputs`);
  if (s.lastEventId !== undefined && /\s/.test(s.lastEventId)) bad('lastEventId must not contain spaces');
}

/** Sorted-set member of a delayed entry: JSON [uid, field, value, ...], decoded by promote_due. */
export function delayedMember(e: DelayedAppend): string {
  return JSON.stringify([e.uid, ...e.fields]);
}

/**
 * Encodes a batch into the commit script's KEYS and ARGV (see scripts/commit.ts for the layout).
 * Packed: every number of the batch (key and group references, counts) goes into one header
 * (a JSON array), so ARGV holds only the strings Redis must store (ids, fields, delayed scores and
 * members): about a third of the arguments of one-argument-per-number, which is what ioredis
 * spends its time encoding and Redis parsing.
 */
export function encodeCommit(batch: CommitBatch): { keys: string[]; args: string[] } {
  const keys: string[] = [];
  const index = new Map<string, number>();
  // Keys are declared once each; the header refers to them by 1-based position.
  const ref = (key: string): number => {
    let i = index.get(key);
    if (i === undefined) {
      keys.push(key);
      i = keys.length;
      index.set(key, i);
    }
    return i;
  };
  const groups: string[] = [];
  const groupIndex = new Map<string, number>();
  const groupRef = (group: string): number => {
    let i = groupIndex.get(group);
    if (i === undefined) {
      groups.push(group);
      i = groups.length;
      groupIndex.set(group, i);
    }
    return i;
  };
  const header: number[] = [];
  const strings: string[] = [];
  for (const item of batch.items) {
    const ack = item.ack;
    header.push(item.markerKey ? ref(item.markerKey) : 0, ack ? ref(ack.stream) : 0, ack ? groupRef(ack.group) : 0, item.outputs.length);
    strings.push(ack ? ack.id : '');
    for (const o of item.outputs) {
      // Checked here because Redis would fail such an XADD half way through the script, after earlier writes.
      if (o.fields.length === 0 || o.fields.length % 2 !== 0) throw new StreamBackendError('BAD_ARGUMENT', `commit output to ${o.stream} needs field/value pairs, got ${o.fields.length} strings`, o.stream);
      header.push(ref(o.stream), o.fields.length);
      for (const f of o.fields) strings.push(f);
    }
    const delayed = item.delayed ?? [];
    header.push(delayed.length);
    for (const d of delayed) {
      header.push(ref(d.delayedKey));
      strings.push(String(d.dueMs), delayedMember(d));
    }
    const snap = item.snapshot;
    if (snap) {
      assertSnapshot(snap, item.outputs.length);
      header.push(ref(snap.key), snap.version, snap.lastEventOutput === undefined ? 0 : snap.lastEventOutput + 1);
      // '' = no snapshot may be stored.
      strings.push(snap.expectedRevision ?? '', snap.revision, snap.lastEventId ?? '-', snap.value);
    } else header.push(0);
  }
  const head = `[${batch.items.length},${groups.length},${header.join(',')}]`;
  return { keys, args: [String(Math.max(1, Math.round(batch.markerTtlMs))), head, ...groups, ...strings] };
}

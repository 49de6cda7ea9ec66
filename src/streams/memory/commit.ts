/**
 * The memory shim's commit: the same all-or-nothing step as the Redis backend's commit script.
 * Everything is checked before the first write (types, field lists, groups of the acks), then per
 * item, in order: the idempotency marker is tested and set, outputs appended and delayed entries
 * parked only when it was new, and the input acked in every case. An item with a snapshot whose
 * stored revision is not the expected one is a conflict: nothing of it is written or acked.
 */
import { assertSnapshot, delayedMember } from '../commit-rules.js';
import { formatSnapshot, parseSnapshot } from '../snapshot.js';
import type { CommitBatch, CommitResult, DelayedAppend } from '../backend.js';
import type { ConsumerGroup } from './group.js';
import { parseId } from './ids.js';
import type { Keyspace } from './keyspace.js';
import { assertFieldPairs } from './stream.js';

/** Finds the group an ack targets, throwing NOGROUP when it is missing. */
export type GroupLookup = (stream: string, group: string) => ConsumerGroup;

/** ZADD with the Redis backend's member, so the same entries dedupe and tie-break the same way. */
export function parkDelayed(keyspace: Keyspace, entries: readonly DelayedAppend[]): void {
  for (const e of entries) keyspace.zsetOrCreate(e.delayedKey).add({ member: delayedMember(e), score: e.dueMs, fields: e.fields.slice() });
}

/** Applies a batch; returns the result and the streams that got entries (to wake their readers). */
export function applyCommit(keyspace: Keyspace, batch: CommitBatch, nowMs: number, lookup: GroupLookup): { result: CommitResult; appended: Set<string> } {
  const acks = batch.items.map((item) => {
    if (item.snapshot) {
      assertSnapshot(item.snapshot, item.outputs.length);
      keyspace.assertType(item.snapshot.key, 'string');
    }
    for (const o of item.outputs) {
      keyspace.assertType(o.stream, 'stream');
      assertFieldPairs(o.fields, o.stream);
    }
    for (const d of item.delayed ?? []) keyspace.assertType(d.delayedKey, 'zset');
    return item.ack ? { group: lookup(item.ack.stream, item.ack.group), key: parseId(item.ack.id) } : null;
  });
  const ttl = Math.max(1, Math.round(batch.markerTtlMs));
  const appended = new Set<string>();
  const items = batch.items.map((item, i): CommitResult['items'][number] => {
    // Tested here, inside the atomic step: a later item with the same key is a duplicate.
    const fresh = !item.markerKey || !keyspace.exists(item.markerKey);
    const snap = item.snapshot;
    // The version guard, after the marker as in the script: a conflict writes nothing and leaves the input pending.
    if (fresh && snap && (parseSnapshot(keyspace.getString(snap.key))?.revision ?? (keyspace.exists(snap.key) ? '?' : '')) !== (snap.expectedRevision ?? ''))
      return { status: 'conflict', outputIds: [] };
    if (item.markerKey && fresh) keyspace.setString(item.markerKey, item.ack?.id || '1', ttl);
    const outputIds: string[] = [];
    if (fresh) {
      for (const o of item.outputs) {
        outputIds.push(keyspace.streamOrCreate(o.stream).append(o.fields, nowMs).id);
        appended.add(o.stream);
      }
      parkDelayed(keyspace, item.delayed ?? []);
      if (snap)
        keyspace.setString(
          snap.key,
          formatSnapshot(
            snap.version,
            snap.revision,
            snap.lastEventOutput === undefined ? (snap.lastEventId ?? '-') : outputIds[snap.lastEventOutput]!,
            snap.value,
          ),
          null,
        );
    }
    acks[i]?.group.ack([acks[i]!.key]);
    return { status: fresh ? 'committed' : 'duplicate', outputIds };
  });
  return { result: { items }, appended };
}

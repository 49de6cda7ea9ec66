/**
 * Every script's arguments, built in one place, and its reply decoded: the Lua bodies live in the
 * `.lua` files of this folder (loaded by ./index.ts), what goes into their KEYS and ARGV here.
 */
import { StreamBackendError, type ClaimResult, type CommitBatch, type CommitResult, type EntryMove, type TrimResult } from '../backend.js';
import { assertSnapshot, delayedMember } from '../commit-rules.js';
import type { RawEntry } from '../redis-replies.js';
import { SCRIPTS, type ScriptCall } from './index.js';

/** The stream field of an encoded envelope (ENVELOPE_FIELD of src/envelope/codec.ts; the commit script implies it). */
const ENVELOPE_FIELD = 'envelope';

/**
 * Encodes a batch into the commit script's KEYS and ARGV (see commit-N.lua for the layout).
 * Packed: every number of the batch (key and group references, counts) goes into one header
 * (a JSON array), so ARGV holds only the strings Redis must store (ids, fields, delayed scores and
 * members): about a third of the arguments of one-argument-per-number, which is what ioredis
 * spends its time encoding and Redis parsing.
 */
export function encodeCommit(batch: CommitBatch): { keys: string[]; args: string[] } {
  // Hot path (once per batch): lookups inline, no closure per call.
  const keys: string[] = [];
  // Keys are declared once each; the header refers to them by 1-based position.
  const index = new Map<string, number>();
  const groups: string[] = [];
  const header: number[] = [];
  const strings: string[] = [];
  for (const item of batch.items) {
    const ack = item.ack;
    // A marker key is declared without the lookup: one per item, and a key declared twice is still one key.
    const marker = item.markerKey ? keys.push(item.markerKey) : 0;
    let ackKey = 0;
    let group = 0;
    if (ack) {
      ackKey = index.get(ack.stream) ?? 0;
      if (ackKey === 0) index.set(ack.stream, (ackKey = keys.push(ack.stream)));
      // Groups are few (one, usually): a scan beats a map.
      group = groups.indexOf(ack.group) + 1;
      if (group === 0) group = groups.push(ack.group);
    }
    header.push(marker, ackKey, group, item.outputs.length);
    strings.push(ack ? ack.id : '');
    for (const o of item.outputs) {
      // Checked here because Redis would fail such an XADD half way through the script, after earlier writes.
      if (o.fields.length === 0 || o.fields.length % 2 !== 0)
        throw new StreamBackendError('BAD_ARGUMENT', `commit output to ${o.stream} needs field/value pairs, got ${o.fields.length} strings`, o.stream);
      let k = index.get(o.stream) ?? 0;
      if (k === 0) index.set(o.stream, (k = keys.push(o.stream)));
      // One envelope (every runtime output): its field name is implied, one argument fewer per output.
      if (o.fields.length === 2 && o.fields[0] === ENVELOPE_FIELD) {
        header.push(k, 0);
        strings.push(o.fields[1]!);
      } else {
        header.push(k, o.fields.length);
        for (const f of o.fields) strings.push(f);
      }
    }
    const delayed = item.delayed;
    const nd = delayed ? delayed.length : 0;
    header.push(nd);
    for (let j = 0; j < nd; j++) {
      const d = delayed![j]!;
      let k = index.get(d.delayedKey) ?? 0;
      if (k === 0) index.set(d.delayedKey, (k = keys.push(d.delayedKey)));
      header.push(k);
      strings.push(String(d.dueMs), delayedMember(d));
    }
    const snap = item.snapshot;
    if (snap) {
      assertSnapshot(snap, item.outputs.length);
      let k = index.get(snap.key) ?? 0;
      if (k === 0) index.set(snap.key, (k = keys.push(snap.key)));
      header.push(k, snap.version, snap.lastEventOutput === undefined ? 0 : snap.lastEventOutput + 1);
      // '' = no snapshot may be stored.
      strings.push(snap.expectedRevision ?? '', snap.revision, snap.lastEventId ?? '-', snap.value);
    } else header.push(0);
  }
  const wantIds = batch.outputIds === false ? 0 : 1;
  const args = [String(Math.max(1, Math.round(batch.markerTtlMs))), `[${batch.items.length},${groups.length},${wantIds},${header.join(',')}]`];
  for (const g of groups) args.push(g);
  for (const s of strings) args.push(s);
  return { keys, args };
}

/** The commit of a batch (commit-N.lua). */
export function commitCall(batch: CommitBatch): ScriptCall {
  const { keys, args } = encodeCommit(batch);
  return { script: SCRIPTS.commit, keys, args };
}

const NO_IDS: string[] = Object.freeze([]) as unknown as string[];

/** The commit's reply `{ statuses, ids... }` (one status character per item, then the committed items' output ids unless not asked for), per item of `batch`. */
export function decodeCommit(reply: string[], batch: CommitBatch): CommitResult {
  const statuses = reply[0] ?? '';
  const n = batch.items.length;
  if (statuses.length !== n) throw new StreamBackendError('SERVER', `commit replied ${statuses.length} statuses for ${n} items`);
  const items: CommitResult['items'] = new Array<CommitResult['items'][number]>(n);
  const withIds = batch.outputIds !== false;
  let next = 1;
  for (let i = 0; i < n; i++) {
    const code = statuses.charCodeAt(i);
    if (code === 49 /* '1' */) {
      const count = withIds ? batch.items[i]!.outputs.length : 0;
      items[i] = { status: 'committed', outputIds: count === 0 ? NO_IDS : reply.slice(next, next + count) };
      next += count;
    } else items[i] = { status: code === 50 /* '2' */ ? 'conflict' : 'duplicate', outputIds: NO_IDS };
  }
  return { items };
}

/** One claim pass (claim-idle-1.lua). */
export function claimIdleCall(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): ScriptCall {
  return { script: SCRIPTS.claimIdle, keys: [stream], args: [group, consumer, minIdleMs, start, count] };
}

/** claim-idle's reply: { next, live entries, deleted ids, delivery counts, deleted ids' owners }. */
export type ClaimIdleReply = [string, RawEntry[], string[], number[], string[]];

/** Decodes claim-idle's reply. */
export function decodeClaimIdle([next, live, deleted, counts, owners]: ClaimIdleReply): ClaimResult {
  return {
    next,
    entries: live.map((e, i) => ({ id: e[0], fields: e[1] ?? [], deliveries: Number(counts[i] ?? 1) })),
    deletedIds: deleted,
    deletedOwners: owners,
  };
}

/** A consumer's lease on its own in-flight ids (lease-1.lua); the reply is the ids leased. */
export function leaseCall(stream: string, group: string, consumer: string, ids: string[]): ScriptCall {
  return { script: SCRIPTS.lease, keys: [stream], args: [group, consumer, ...ids] };
}

/** Moving due delayed entries onto their stream (promote-due-2.lua). */
export function promoteDueCall(delayedKey: string, stream: string, nowMs: number, limit: number): ScriptCall {
  return { script: SCRIPTS.promoteDue, keys: [delayedKey, stream], args: [nowMs, limit] };
}

/** The safe trim (safe-trim-1.lua): `retainFloor` is the id below which entries may go ('' = no retention window), `cap` 0 for none. */
export function safeTrimCall(stream: string, retainFloor: string, cap: number): ScriptCall {
  return { script: SCRIPTS.safeTrim, keys: [stream], args: [retainFloor, cap] };
}

/** Decodes safe-trim's reply { removed, removedUnacked }. */
export function decodeSafeTrim([removed, removedUnacked]: [number, number]): TrimResult {
  return { removed: Number(removed), removedUnacked: Number(removedUnacked) };
}

/** One entry's move (move-entry-2.lua). */
export function moveEntryCall(move: EntryMove): ScriptCall {
  return { script: SCRIPTS.moveEntry, keys: [move.from, move.to], args: [move.id, ...move.fields] };
}

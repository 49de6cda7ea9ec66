/**
 * The safe trim of the memory shim, the same rule as the Redis backend's safe_trim script: only
 * below what every group has acknowledged, lowered further by the retention window; an operator
 * cap may then cut past it, and what it cuts at or above the acknowledged floor is counted.
 */
import type { TrimOptions, TrimResult } from '../backend.js';
import { cmpId, nextId, ZERO_ID, type Id } from './ids.js';
import type { MemoryStream } from './stream.js';

/**
 * The lowest id some group still needs: over all groups, the smaller of its oldest pending id and
 * the id after its last-delivered one (a group moved back with SETID still needs what it will
 * re-read, even while it has entries pending). Null without groups: nothing is acknowledged.
 */
export function acknowledgedFloor(s: MemoryStream): Id | null {
  let acked: Id | null = null;
  for (const g of s.groups.values()) {
    const oldestPending = g.pelOrder.first()?.key;
    let floor = nextId(g.lastDelivered);
    if (oldestPending && cmpId(oldestPending, floor) < 0) floor = oldestPending;
    if (acked === null || cmpId(floor, acked) < 0) acked = floor;
  }
  return acked;
}

/** Trims `s` (see TrimOptions); nowMs anchors the retention window. */
export function safeTrim(s: MemoryStream, nowMs: number, opts: TrimOptions): TrimResult {
  const acked = acknowledgedFloor(s);
  let removed = 0;
  if (acked !== null) {
    let floor = acked;
    if (opts.retainMs && opts.retainMs > 0) {
      const retainFloor: Id = { ms: Math.max(0, nowMs - opts.retainMs), seq: 0 };
      if (cmpId(retainFloor, floor) < 0) floor = retainFloor;
    }
    removed = s.trimBelow(floor).length;
  }
  let removedUnacked = 0;
  if (opts.maxLenCap && opts.maxLenCap > 0) {
    const lowest = acked ?? ZERO_ID;
    const dropped = s.trimToLength(opts.maxLenCap);
    removed += dropped.length;
    removedUnacked = dropped.filter((e) => cmpId(e.key, lowest) >= 0).length;
  }
  return { removed, removedUnacked };
}

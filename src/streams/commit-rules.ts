/**
 * What both backends' commits agree on: which snapshot writes are refused before anything is
 * written, and how a delayed entry is stored as a sorted-set member (promote-due-2.lua decodes it).
 */
import { StreamBackendError, type DelayedAppend, type SnapshotWrite } from './backend.js';

/** Rejects a snapshot write Redis could not apply cleanly (checked before the script runs, as for outputs); shared by both backends. */
export function assertSnapshot(s: SnapshotWrite, outputs: number): void {
  const bad = (what: string): never => {
    throw new StreamBackendError('BAD_ARGUMENT', `snapshot ${s.key}: ${what}`, s.key);
  };
  if (!Number.isSafeInteger(s.version) || s.version < 0) bad(`version must be an integer >= 0, got ${s.version}`);
  const token = /^[^\s]+$/;
  if (s.expectedRevision !== null && !token.test(s.expectedRevision)) bad('expectedRevision must be null or a non-empty token without spaces');
  if (!token.test(s.revision)) bad('revision must be a non-empty token without spaces');
  if (s.lastEventOutput !== undefined && (!Number.isInteger(s.lastEventOutput) || s.lastEventOutput < 0 || s.lastEventOutput >= outputs))
    bad(`lastEventOutput ${s.lastEventOutput} is not one of the item's ${outputs} outputs`);
  if (s.lastEventId !== undefined && /\s/.test(s.lastEventId)) bad('lastEventId must not contain spaces');
}

/** Sorted-set member of a delayed entry: JSON [uid, field, value, ...], decoded by promote_due. */
export function delayedMember(e: DelayedAppend): string {
  return JSON.stringify([e.uid, ...e.fields]);
}

/**
 * The stored form of an entity snapshot: `<version> <revision> <lastEventId> <value>`. The
 * revision is unique per write: the commit's guard compares it (a version number alone could repeat
 * along two different histories: a stale state advanced once has the same version as the fresh
 * one). The value is the entity's own text (its state version and state).
 */
import { randomBytes } from 'node:crypto';

/** A snapshot as read back. */
export interface StoredSnapshot {
  version: number;
  /** Unique per write; what the next write of this entity must expect. */
  revision: string;
  /** Id of the last event folded into it ('-' when none). */
  lastEventId: string;
  value: string;
}

/** A fresh revision token (no spaces). */
export function newRevision(): string {
  return randomBytes(9).toString('base64url');
}

/** Text stored for a snapshot (what the commit script writes, byte for byte). */
export function formatSnapshot(version: number, revision: string, lastEventId: string, value: string): string {
  return `${version} ${revision} ${lastEventId} ${value}`;
}

/** Parses a stored snapshot; null when missing or not in our format. */
export function parseSnapshot(text: string | null): StoredSnapshot | null {
  if (text === null) return null;
  const a = text.indexOf(' ');
  const b = a < 0 ? -1 : text.indexOf(' ', a + 1);
  const c = b < 0 ? -1 : text.indexOf(' ', b + 1);
  if (c < 0) return null;
  const version = Number(text.slice(0, a));
  if (!Number.isSafeInteger(version) || version < 0 || b === a + 1) return null;
  return { version, revision: text.slice(a + 1, b), lastEventId: text.slice(b + 1, c), value: text.slice(c + 1) };
}

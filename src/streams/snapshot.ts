/**
 * The stored form of an entity snapshot: `<version> <lastEventId> <value>`. The version comes
 * first so the commit script checks it with a prefix match (no JSON decoding in Lua); the value is
 * the entity's own text (its state version and state).
 */

/** A snapshot as read back. */
export interface StoredSnapshot {
  version: number;
  /** Id of the last event folded into it ('-' when none). */
  lastEventId: string;
  value: string;
}

/** Text stored for a snapshot (what the commit script writes, byte for byte). */
export function formatSnapshot(version: number, lastEventId: string, value: string): string {
  return `${version} ${lastEventId} ${value}`;
}

/** Parses a stored snapshot; null when missing or not in our format. */
export function parseSnapshot(text: string | null): StoredSnapshot | null {
  if (text === null) return null;
  const a = text.indexOf(' ');
  const b = a < 0 ? -1 : text.indexOf(' ', a + 1);
  if (b < 0) return null;
  const version = Number(text.slice(0, a));
  if (!Number.isSafeInteger(version) || version < 0) return null;
  return { version, lastEventId: text.slice(a + 1, b), value: text.slice(b + 1) };
}

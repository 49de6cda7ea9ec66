import type { ConsumerInfo, GroupInfo, PendingEntry, PendingSummary, StreamEntry, StreamInfo } from './backend.js';

/** Raw RESP2 entry: [id, [field, value, ...]] (fields nil for an entry deleted while pending). */
export type RawEntry = [string, string[] | null];

/** Flat [k, v, k, v] reply to a map. */
function toMap(flat: unknown[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (let i = 0; i + 1 < flat.length; i += 2) m.set(String(flat[i]), flat[i + 1]);
  return m;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

/** Entries as the backend returns them. */
export function toEntries(raw: RawEntry[] | null | undefined): StreamEntry[] {
  if (!raw) return [];
  const out: StreamEntry[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const e = raw[i]!;
    out[i] = { id: e[0], fields: e[1] ?? [] };
  }
  return out;
}

/** XINFO STREAM reply. */
export function parseStreamInfo(raw: unknown[]): StreamInfo {
  const m = toMap(raw);
  const first = m.get('first-entry') as RawEntry | null;
  const last = m.get('last-entry') as RawEntry | null;
  return {
    length: num(m.get('length')),
    firstId: first ? first[0] : null,
    lastId: last ? last[0] : null,
    lastGeneratedId: String(m.get('last-generated-id')),
    groups: num(m.get('groups')),
    entriesAdded: m.has('entries-added') ? num(m.get('entries-added')) : null,
  };
}

/** XINFO GROUPS reply. */
export function parseGroups(raw: unknown[][]): GroupInfo[] {
  return raw.map((g) => {
    const m = toMap(g);
    return {
      name: String(m.get('name')),
      consumers: num(m.get('consumers')),
      pending: num(m.get('pending')),
      lastDeliveredId: String(m.get('last-delivered-id')),
      entriesRead: numOrNull(m.get('entries-read')),
      lag: numOrNull(m.get('lag')),
    };
  });
}

/** XINFO CONSUMERS reply. */
export function parseConsumers(raw: unknown[][]): ConsumerInfo[] {
  return raw.map((c) => {
    const m = toMap(c);
    return { name: String(m.get('name')), pending: num(m.get('pending')), idleMs: num(m.get('idle')), inactiveMs: numOrNull(m.get('inactive')) };
  });
}

/** XPENDING summary reply. */
export function parsePendingSummary(raw: unknown[]): PendingSummary {
  const consumers = ((raw[3] as [string, string][] | null) ?? []).map(([name, n]) => ({ name, pending: num(n) }));
  return { count: num(raw[0]), minId: (raw[1] as string | null) ?? null, maxId: (raw[2] as string | null) ?? null, consumers };
}

/** XPENDING extended reply. */
export function parsePendingEntries(raw: [string, string, number, number][]): PendingEntry[] {
  return raw.map(([id, consumer, idle, deliveries]) => ({ id, consumer, idleMs: num(idle), deliveries: num(deliveries) }));
}

/** Parses "7.0.15" into comparable numbers. */
export function parseVersion(v: string): [number, number, number] {
  const [a = 0, b = 0, c = 0] = v.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return [a, b, c];
}

/** True when version >= major.minor. */
export function atLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = parseVersion(version);
  return a > major || (a === major && b >= minor);
}

/**
 * The health computation of streams-health, over the StreamBackend seam only (so it runs on the
 * memory shim in tests): every stream of a prefix with its groups and consumers, consumers alive or
 * dead by their heartbeat keys, DLQ depth per topic, stale groups, and the threshold checks.
 */
import { compareIds, type ConsumerInfo, type GroupInfo, type StreamBackend } from '../../streams/backend.js';
import { trimmedGap, type TrimGap } from '../../streams/gap.js';
import type { KeyKind, Keys } from '../../streams/keys.js';

/** Thresholds and windows of a health check; null disables a threshold. */
export interface HealthOptions {
  /** Unhealthy when a group's lag (entries not yet delivered to it) exceeds this. */
  maxLag: number | null;
  /** Unhealthy when a group's pending entries (delivered, not acknowledged) exceed this. */
  maxPending: number | null;
  /** Unhealthy when a topic's DLQ holds more entries than this (summed over partitions). */
  maxDlq: number | null;
  /** Unhealthy when a consumer without a heartbeat still holds pending entries. */
  failOnDeadConsumers: boolean;
  /** Unhealthy when a group is stale (see staleAfterMs). */
  failOnStale: boolean;
  /** A group with work (pending or lag) whose consumers are all dead and idle at least this long is stale: it holds trimming. */
  staleAfterMs: number;
}

/** Defaults of HealthOptions: no thresholds, stale after one hour (the default retention window). */
export const DEFAULT_HEALTH_OPTIONS: Readonly<HealthOptions> = Object.freeze({
  maxLag: null,
  maxPending: null,
  maxDlq: null,
  failOnDeadConsumers: false,
  failOnStale: false,
  staleAfterMs: 3_600_000,
});

/** One consumer of a group. */
export interface ConsumerHealth {
  name: string;
  pending: number;
  idleMs: number;
  /** Time since its last successful read (Redis >= 7.2), else null. */
  inactiveMs: number | null;
  /** Its heartbeat key exists: the process that owns it is running. */
  alive: boolean;
}

/** One consumer group of a stream. */
export interface GroupHealth {
  name: string;
  /** Entries not yet delivered to the group; null when the server cannot tell (Redis < 7, or after deletions). */
  lag: number | null;
  pending: number;
  lastDeliveredId: string;
  entriesRead: number | null;
  consumers: ConsumerHealth[];
  /** Has work, but every consumer is dead and idle past the staleness window (or it has none). */
  stale: boolean;
  /** Entries removed from the stream before this group read them (always a problem: they are lost to it). */
  gap: TrimGap | null;
}

/** One stream of the prefix. */
export interface StreamHealth {
  key: string;
  /** What the key layout says it is; 'other' for a stream under the prefix that is not ours. */
  kind: KeyKind | 'other';
  /** Topic (for retry streams: the actor/group name), or null for 'other'. */
  topic: string | null;
  partition: number | null;
  length: number;
  firstId: string | null;
  lastId: string | null;
  /** MEMORY USAGE in bytes; null where unknown (the shim). */
  memoryBytes: number | null;
  groups: GroupHealth[];
}

/** Dead letters of one topic, over all its partitions. */
export interface DlqDepth {
  topic: string;
  depth: number;
  streams: string[];
}

/** Which check a problem or warning comes from. */
export type HealthCheck = 'max-lag' | 'max-pending' | 'max-dlq' | 'dead-consumer' | 'stale-group' | 'lag-unknown' | 'trim-gap';

/** One breached threshold (a problem) or a notable state whose check is off (a warning). */
export interface HealthFinding {
  check: HealthCheck;
  message: string;
  stream?: string;
  group?: string;
  consumer?: string;
  topic?: string;
  value?: number;
  limit?: number;
}

/** Everything streams-health reports; `healthy` is false exactly when `problems` is not empty. */
export interface HealthReport {
  healthy: boolean;
  checkedAt: string;
  prefix: string;
  problems: HealthFinding[];
  warnings: HealthFinding[];
  streams: StreamHealth[];
  dlq: DlqDepth[];
}

/** What collectHealth reads from besides the backend. */
export interface HealthSources {
  backend: StreamBackend;
  keys: Keys;
  /** MEMORY USAGE per key (one round trip); absent on the shim. */
  memoryUsage?: (keys: string[]) => Promise<(number | null)[]>;
  now?: () => number;
}

function heartbeatKey(keys: Keys, group: string, consumer: string): string | null {
  try {
    return keys.heartbeat(group, consumer);
  } catch {
    return null; // a name our runtime would never use: no heartbeat can exist for it
  }
}

function hasUnread(g: GroupInfo, lastId: string | null): boolean {
  return g.lag !== null ? g.lag > 0 : lastId !== null && compareIds(g.lastDeliveredId, lastId) < 0;
}

/**
 * Stale means work has waited past the window with nobody alive to do it. A graceful stop
 * removes the group's consumers (their PELs are empty), so "no consumer" alone says nothing: then
 * the work's own age decides, i.e. how long the oldest undelivered entry has been waiting
 * (`waitingMs`, null when nothing is unread).
 */
function isStale(g: GroupInfo, consumers: ConsumerHealth[], lastId: string | null, staleAfterMs: number, waitingMs: number | null): boolean {
  if (g.pending === 0 && !hasUnread(g, lastId)) return false;
  if (consumers.length === 0) return waitingMs !== null && waitingMs >= staleAfterMs;
  return consumers.every((c) => !c.alive && c.idleMs >= staleAfterMs);
}

/** How long the first entry after the group's last-delivered id has waited, from its id's time. */
async function waitingMsOf(backend: StreamBackend, key: string, g: GroupInfo, now: number): Promise<number | null> {
  const start = g.lastDeliveredId === '0-0' ? '-' : `(${g.lastDeliveredId}`;
  const [first] = await backend.range(key, start, '+', 1);
  if (!first) return null;
  const ms = Number(first.id.split('-')[0]);
  return Number.isFinite(ms) ? Math.max(0, now - ms) : null;
}

async function collectStream(src: HealthSources, key: string, staleAfterMs: number): Promise<Omit<StreamHealth, 'memoryBytes'> | null> {
  const { backend, keys } = src;
  const now = (src.now ?? Date.now)();
  const info = await backend.streamInfo(key);
  if (!info) return null; // deleted since the scan
  const groups: GroupHealth[] = [];
  for (const g of await backend.groups(key)) {
    const infos: ConsumerInfo[] = await backend.consumers(key, g.name);
    const beatKeys = infos.map((c) => heartbeatKey(keys, g.name, c.name));
    const present = await backend.getMany(beatKeys.filter((k): k is string => k !== null));
    let next = 0;
    const consumers = infos.map((c, i): ConsumerHealth => {
      const alive = beatKeys[i] !== null && present[next++] !== null;
      return { name: c.name, pending: c.pending, idleMs: c.idleMs, inactiveMs: c.inactiveMs, alive };
    });
    groups.push({
      name: g.name,
      lag: g.lag,
      pending: g.pending,
      lastDeliveredId: g.lastDeliveredId,
      entriesRead: g.entriesRead,
      consumers,
      stale: isStale(
        g,
        consumers,
        info.lastId,
        staleAfterMs,
        consumers.length === 0 && hasUnread(g, info.lastId) ? await waitingMsOf(backend, key, g, now) : null,
      ),
      gap: trimmedGap(info, g),
    });
  }
  const where = keys.parse(key);
  return {
    key,
    kind: where?.kind ?? 'other',
    topic: where?.topic ?? null,
    partition: where?.partition ?? null,
    length: info.length,
    firstId: info.firstId,
    lastId: info.lastId,
    groups,
  };
}

function findings(streams: StreamHealth[], dlq: DlqDepth[], o: HealthOptions): { problems: HealthFinding[]; warnings: HealthFinding[] } {
  const problems: HealthFinding[] = [];
  const warnings: HealthFinding[] = [];
  for (const s of streams) {
    for (const g of s.groups) {
      const at = { stream: s.key, group: g.name };
      if (g.gap)
        problems.push({
          check: 'trim-gap',
          ...at,
          value: g.gap.entries,
          message: `group ${g.name} on ${s.key}: ${g.gap.entries} entries ${g.gap.range} were removed before it read them (trimmed or deleted outside the runtime)`,
        });
      if (o.maxLag !== null && g.lag !== null && g.lag > o.maxLag)
        problems.push({ check: 'max-lag', ...at, value: g.lag, limit: o.maxLag, message: `group ${g.name} on ${s.key}: lag ${g.lag} > ${o.maxLag}` });
      if (o.maxLag !== null && g.lag === null)
        warnings.push({
          check: 'lag-unknown',
          ...at,
          message: `group ${g.name} on ${s.key}: the server does not report lag (Redis < 7 or entries deleted), --max-lag not checked`,
        });
      if (o.maxPending !== null && g.pending > o.maxPending)
        problems.push({
          check: 'max-pending',
          ...at,
          value: g.pending,
          limit: o.maxPending,
          message: `group ${g.name} on ${s.key}: pending ${g.pending} > ${o.maxPending}`,
        });
      for (const c of g.consumers) {
        if (c.alive || c.pending === 0) continue;
        const f: HealthFinding = {
          check: 'dead-consumer',
          ...at,
          consumer: c.name,
          value: c.pending,
          message: `consumer ${c.name} of group ${g.name} on ${s.key} has no heartbeat and holds ${c.pending} pending`,
        };
        (o.failOnDeadConsumers ? problems : warnings).push(f);
      }
      if (g.stale) {
        const f: HealthFinding = {
          check: 'stale-group',
          ...at,
          message: `group ${g.name} on ${s.key} is stale: its work has waited ${Math.round(o.staleAfterMs / 1000)}s or more with no live consumer; it holds trimming`,
        };
        (o.failOnStale ? problems : warnings).push(f);
      }
    }
  }
  for (const d of dlq) {
    if (o.maxDlq !== null && d.depth > o.maxDlq)
      problems.push({ check: 'max-dlq', topic: d.topic, value: d.depth, limit: o.maxDlq, message: `DLQ of ${d.topic}: ${d.depth} entries > ${o.maxDlq}` });
  }
  return { problems, warnings };
}

/** Collects the health of every stream under the prefix and applies the thresholds. */
export async function collectHealth(src: HealthSources, options: Partial<HealthOptions> = {}): Promise<HealthReport> {
  const o: HealthOptions = { ...DEFAULT_HEALTH_OPTIONS, ...options };
  const now = src.now ?? Date.now;
  const keysFound = await src.backend.listStreams(`${src.keys.prefix}:*`);
  const collected = (await Promise.all(keysFound.map((k) => collectStream(src, k, o.staleAfterMs)))).filter((s) => s !== null);
  const memory = src.memoryUsage ? await src.memoryUsage(collected.map((s) => s.key)) : [];
  const streams: StreamHealth[] = collected.map((s, i) => ({ ...s, memoryBytes: memory[i] ?? null }));

  const byTopic = new Map<string, DlqDepth>();
  for (const s of streams) {
    if (s.kind !== 'dlq' || s.topic === null) continue;
    const d = byTopic.get(s.topic) ?? { topic: s.topic, depth: 0, streams: [] };
    d.depth += s.length;
    d.streams.push(s.key);
    byTopic.set(s.topic, d);
  }
  const dlq = [...byTopic.values()].sort((a, b) => a.topic.localeCompare(b.topic));
  const { problems, warnings } = findings(streams, dlq, o);
  return { healthy: problems.length === 0, checkedAt: new Date(now()).toISOString(), prefix: src.keys.prefix, problems, warnings, streams, dlq };
}

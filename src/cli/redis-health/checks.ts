/**
 * Whether a Redis server suits stream-actors, from what INFO and CONFIG GET say: version (>= 6.2
 * required, 7.0 for lag, 8.2 for XTRIM ACKED), eviction policy, memory headroom, persistence and
 * role. Pure: the command gathers the facts, this judges them.
 */
import { formatBytes } from '../format.js';

/** What the command read from the server. */
export interface RedisFacts {
  pingMs: number;
  version: string;
  /** standalone, cluster or sentinel. */
  mode: string;
  /** master or slave (replica). */
  role: string;
  usedMemoryBytes: number;
  /** 0 when unlimited. */
  maxMemoryBytes: number;
  maxMemoryPolicy: string;
  aofEnabled: boolean;
  /** CONFIG GET appendfsync, or null where CONFIG is not allowed. */
  appendfsync: string | null;
  /** CONFIG GET save ('' when RDB snapshots are off), or null where CONFIG is not allowed. */
  rdbSave: string | null;
  /** Status of the last RDB save and AOF write ('ok' or 'err'). */
  rdbLastSaveStatus: string | null;
  aofLastWriteStatus: string | null;
  connectedClients: number;
}

/** A check's verdict: FAIL makes redis-health exit 1. */
export type CheckStatus = 'OK' | 'WARN' | 'FAIL';

/** One judged aspect. */
export interface RedisCheck {
  name: 'version' | 'eviction' | 'memory' | 'persistence' | 'role';
  status: CheckStatus;
  detail: string;
}

/** Server features stream-actors detects (the same rules as RedisStreamBackend.connect). */
export interface RedisFeatureSupport {
  supported: boolean;
  groupLag: boolean;
  claimReportsDeleted: boolean;
  trimAcked: boolean;
}

/** Memory use at or above this share of maxmemory is a warning. */
export const MEMORY_WARN_RATIO = 0.9;

/** Parses INFO output into a field map. */
export function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  return a > major || (a === major && b >= minor);
}

/** What the server version allows. */
export function featureSupport(version: string): RedisFeatureSupport {
  return {
    supported: versionAtLeast(version, 6, 2),
    groupLag: versionAtLeast(version, 7, 0),
    claimReportsDeleted: versionAtLeast(version, 7, 0),
    trimAcked: versionAtLeast(version, 8, 2),
  };
}

function versionCheck(f: RedisFacts): RedisCheck {
  const s = featureSupport(f.version);
  if (!s.supported) return { name: 'version', status: 'FAIL', detail: `Redis ${f.version}: stream-actors needs >= 6.2 (XAUTOCLAIM)` };
  const trim = s.trimAcked ? 'XTRIM ACKED available' : 'no XTRIM ACKED (8.2)';
  if (!s.groupLag)
    return {
      name: 'version',
      status: 'WARN',
      detail: `Redis ${f.version}: no group lag in XINFO and XAUTOCLAIM does not report deleted entries (7.0); ${trim}`,
    };
  return { name: 'version', status: 'OK', detail: `Redis ${f.version}: group lag and deleted-entry reporting available; ${trim}` };
}

function evictionCheck(f: RedisFacts): RedisCheck {
  const p = f.maxMemoryPolicy;
  if (p === 'unknown') return { name: 'eviction', status: 'WARN', detail: 'the server did not report maxmemory_policy: check it is noeviction' };
  if (p === 'noeviction') return { name: 'eviction', status: 'OK', detail: 'noeviction: nothing is evicted; writes fail when memory is full' };
  if (p.startsWith('volatile-')) {
    return {
      name: 'eviction',
      status: 'WARN',
      detail: `${p}: streams have no TTL and are never evicted, but idempotency markers and heartbeats (with TTL) may be, so duplicates can slip through and live consumers look dead; prefer noeviction`,
    };
  }
  return {
    name: 'eviction',
    status: 'FAIL',
    detail: `${p}: Redis may evict stream keys (events, pending lists, DLQs) under memory pressure; set maxmemory-policy noeviction`,
  };
}

function memoryCheck(f: RedisFacts): RedisCheck {
  if (f.maxMemoryBytes <= 0) return { name: 'memory', status: 'OK', detail: `${formatBytes(f.usedMemoryBytes)} used, no maxmemory limit` };
  const ratio = f.usedMemoryBytes / f.maxMemoryBytes;
  const detail = `${formatBytes(f.usedMemoryBytes)} of ${formatBytes(f.maxMemoryBytes)} used (${Math.round(ratio * 100)}%)`;
  return ratio >= MEMORY_WARN_RATIO ? { name: 'memory', status: 'WARN', detail: `${detail}: close to maxmemory` } : { name: 'memory', status: 'OK', detail };
}

function persistenceCheck(f: RedisFacts): RedisCheck {
  if (f.rdbLastSaveStatus === 'err' || f.aofLastWriteStatus === 'err') {
    return {
      name: 'persistence',
      status: 'FAIL',
      detail: `the last ${f.aofLastWriteStatus === 'err' ? 'AOF write' : 'RDB save'} failed: Redis may refuse writes`,
    };
  }
  const rdb = f.rdbSave === null ? 'RDB config unknown' : f.rdbSave === '' ? 'RDB off' : `RDB save "${f.rdbSave}"`;
  if (f.aofEnabled) {
    const fsync = f.appendfsync ?? 'unknown';
    if (fsync === 'no')
      return {
        name: 'persistence',
        status: 'WARN',
        detail: `AOF on with appendfsync no (the OS decides when to flush: a crash can lose tens of seconds); ${rdb}`,
      };
    return { name: 'persistence', status: 'OK', detail: `AOF on, appendfsync ${fsync}; ${rdb}` };
  }
  if (f.rdbSave === '') return { name: 'persistence', status: 'WARN', detail: 'no persistence (AOF and RDB off): a restart loses every stream, group and DLQ' };
  return { name: 'persistence', status: 'WARN', detail: `AOF off, ${rdb}: a crash loses what was written since the last snapshot` };
}

function roleCheck(f: RedisFacts): RedisCheck {
  if (f.role === 'master') return { name: 'role', status: 'OK', detail: `master (${f.mode})` };
  return { name: 'role', status: 'WARN', detail: `${f.role === 'slave' ? 'replica' : f.role} (${f.mode}): read-only, actors cannot commit here` };
}

/** Judges the facts; the server suits streams when no check is FAIL. */
export function assessRedis(f: RedisFacts): RedisCheck[] {
  return [versionCheck(f), evictionCheck(f), memoryCheck(f), persistenceCheck(f), roleCheck(f)];
}

/** Reads the facts out of INFO (all sections) and CONFIG GET answers. */
export function factsFromInfo(info: Map<string, string>, config: { appendfsync: string | null; save: string | null }, pingMs: number): RedisFacts {
  const num = (k: string): number => Number(info.get(k) ?? 0) || 0;
  return {
    pingMs,
    version: info.get('redis_version') ?? 'unknown',
    mode: info.get('redis_mode') ?? 'standalone',
    role: info.get('role') ?? 'unknown',
    usedMemoryBytes: num('used_memory'),
    maxMemoryBytes: num('maxmemory'),
    maxMemoryPolicy: info.get('maxmemory_policy') ?? 'unknown',
    aofEnabled: info.get('aof_enabled') === '1',
    appendfsync: config.appendfsync,
    rdbSave: config.save,
    rdbLastSaveStatus: info.get('rdb_last_bgsave_status') ?? null,
    aofLastWriteStatus: info.get('aof_last_write_status') ?? null,
    connectedClients: num('connected_clients'),
  };
}

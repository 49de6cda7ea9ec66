/**
 * The admin surface of the memory shim (AdminStreamBackend): inspection (XINFO, XPENDING summary,
 * ranges, scans, TTLs), group and entry management, trims and DLQ moves, on the same key space as
 * the runtime surface in memory-backend.ts. Each operation runs synchronously inside its call, so
 * it is atomic, like a Redis command or script.
 */
import type { EventEmitter } from 'node:events';
import {
  StreamBackendError,
  type AdminStreamBackend,
  type ConsumerInfo,
  type EntryMove,
  type EntryMoveResult,
  type GroupInfo,
  type PendingSummary,
  type StreamEntry,
  type StreamInfo,
  type TrimOptions,
  type TrimResult,
} from './backend.js';
import type { Clock } from '../clock.js';
import { byName } from './memory/group.js';
import { formatId, parseEnd, parseId, parseStart } from './memory/ids.js';
import type { Keyspace } from './memory/keyspace.js';
import { entryOut, groupOf, requireGroup, requireStream } from './memory/lookup.js';
import { UNKNOWN_READS } from './memory/stream.js';
import { safeTrim } from './memory/trim.js';

/** What the admin operations share with the runtime surface: the key space, the clock, the readers' wake-ups and the open check. */
export interface MemoryAdminState {
  keyspace: Keyspace;
  clock: Clock;
  /** Wake-ups for blocked readers: event name = stream key. */
  events: EventEmitter;
  /** Throws once the backend is closed. */
  assertOpen(): void;
}

/** AdminStreamBackend of the memory shim. */
export class MemoryAdmin implements AdminStreamBackend {
  private readonly keyspace: Keyspace;
  private readonly clock: Clock;
  private readonly events: EventEmitter;
  private readonly assertOpen: () => void;

  constructor(state: MemoryAdminState) {
    this.keyspace = state.keyspace;
    this.clock = state.clock;
    this.events = state.events;
    this.assertOpen = state.assertOpen;
  }

  async setGroupId(stream: string, group: string, id: string): Promise<void> {
    this.assertOpen();
    const s = requireStream(this.keyspace, stream);
    const g = requireGroup(stream, s, group);
    g.lastDelivered = id === '$' ? s.lastId : parseId(id);
    g.entriesRead = UNKNOWN_READS;
  }

  async destroyGroup(stream: string, group: string): Promise<boolean> {
    this.assertOpen();
    const removed = this.keyspace.stream(stream)?.groups.delete(group) ?? false;
    // Readers blocked on that group wake up and fail with NOGROUP, as on Redis 7.
    if (removed) this.events.emit(stream);
    return removed;
  }

  async pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    this.assertOpen();
    return groupOf(this.keyspace, stream, group).group.summary();
  }

  async streamInfo(stream: string): Promise<StreamInfo | null> {
    this.assertOpen();
    const s = this.keyspace.stream(stream);
    if (!s) return null;
    const first = s.entries[0];
    const last = s.entries[s.entries.length - 1];
    return {
      length: s.length,
      firstId: first?.id ?? null,
      lastId: last?.id ?? null,
      lastGeneratedId: formatId(s.lastId),
      groups: s.groups.size,
      entriesAdded: s.entriesAdded,
    };
  }

  async groups(stream: string): Promise<GroupInfo[]> {
    this.assertOpen();
    const s = this.keyspace.stream(stream);
    return s ? [...s.groups.values()].sort(byName).map((g) => g.info(s)) : [];
  }

  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    this.assertOpen();
    const s = this.keyspace.stream(stream);
    if (!s) throw new StreamBackendError('SERVER', 'ERR no such key', stream);
    return requireGroup(stream, s, group).consumerInfos(this.clock.now());
  }

  async range(stream: string, start: string, end: string, count?: number): Promise<StreamEntry[]> {
    this.assertOpen();
    const from = parseStart(start);
    const to = parseEnd(end);
    const s = this.keyspace.stream(stream);
    if (!s || (count !== undefined && count <= 0)) return [];
    return s.range(from, to, count).map(entryOut);
  }

  async revRange(stream: string, end: string, start: string, count?: number): Promise<StreamEntry[]> {
    this.assertOpen();
    const to = parseEnd(end);
    const from = parseStart(start);
    const s = this.keyspace.stream(stream);
    if (!s || (count !== undefined && count <= 0)) return [];
    return s.revRange(to, from, count).map(entryOut);
  }

  async deleteEntries(stream: string, ids: string[]): Promise<number> {
    this.assertOpen();
    const keys = ids.map((id) => parseId(id));
    return this.keyspace.stream(stream)?.delete(keys) ?? 0;
  }

  async listStreams(pattern: string): Promise<string[]> {
    this.assertOpen();
    return this.keyspace.keys(pattern, 'stream');
  }

  async trim(stream: string, opts: TrimOptions = {}): Promise<TrimResult> {
    this.assertOpen();
    const s = this.keyspace.stream(stream);
    return s ? safeTrim(s, this.clock.now(), opts) : { removed: 0, removedUnacked: 0 };
  }

  async trimRetention(stream: string, opts: { minTimeMs?: number; maxLen?: number }): Promise<{ byAge: number; byCount: number }> {
    this.assertOpen();
    const s = this.keyspace.stream(stream);
    if (!s) return { byAge: 0, byCount: 0 };
    const byAge = opts.minTimeMs !== undefined && opts.minTimeMs > 0 ? s.trimBelow({ ms: Math.floor(opts.minTimeMs), seq: 0 }).length : 0;
    const byCount = opts.maxLen !== undefined && opts.maxLen > 0 ? s.trimToLength(Math.floor(opts.maxLen)).length : 0;
    return { byAge, byCount };
  }

  async moveEntries(moves: EntryMove[]): Promise<EntryMoveResult[]> {
    this.assertOpen();
    // Each move runs synchronously, so it is atomic as move-entry-2.lua is on Redis: the target's
    // type is checked before anything changes; one move's failure is its outcome, the others stand.
    const out: EntryMoveResult[] = [];
    for (const move of moves) {
      try {
        const source = this.keyspace.stream(move.from);
        const key = parseId(move.id);
        const entry = source?.get(key);
        if (!source || !entry) {
          out.push({ move, newId: null });
          continue;
        }
        this.keyspace.assertType(move.to, 'stream');
        const newId = this.keyspace.streamOrCreate(move.to).append(move.fields, this.clock.now()).id;
        source.delete([key]);
        this.events.emit(move.to);
        out.push({ move, newId });
      } catch (err) {
        out.push({ move, newId: null, error: (err as Error).message });
      }
    }
    return out;
  }

  async deleteConsumer(stream: string, group: string, consumer: string): Promise<number> {
    this.assertOpen();
    const s = requireStream(this.keyspace, stream);
    return requireGroup(stream, s, group).deleteConsumer(consumer);
  }

  async delayedCount(delayedKey: string): Promise<number> {
    this.assertOpen();
    return this.keyspace.zset(delayedKey)?.size ?? 0;
  }

  async ttlMs(key: string): Promise<number> {
    this.assertOpen();
    return this.keyspace.pttl(key);
  }

  async scanKeys(pattern: string): Promise<string[]> {
    this.assertOpen();
    return this.keyspace.keys(pattern);
  }
}

/**
 * The admin surface (AdminStreamBackend) of a backend, passed to the backend's admin object: one
 * list of delegating methods for both backends, so a new admin operation is added here once.
 */
import type {
  AdminStreamBackend,
  ConsumerInfo,
  EntryMove,
  EntryMoveResult,
  GroupInfo,
  PendingSummary,
  StreamEntry,
  StreamInfo,
  TrimOptions,
  TrimResult,
} from './backend.js';

/** Base of RedisStreamBackend and MemoryStreamBackend: every admin call goes to `admin` (RedisAdmin, MemoryAdmin). */
export abstract class AdminDelegate implements AdminStreamBackend {
  /** The backend's admin object, on the backend's own connection or key space. */
  protected abstract readonly admin: AdminStreamBackend;

  streamInfo(stream: string): Promise<StreamInfo | null> {
    return this.admin.streamInfo(stream);
  }

  groups(stream: string): Promise<GroupInfo[]> {
    return this.admin.groups(stream);
  }

  consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    return this.admin.consumers(stream, group);
  }

  pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return this.admin.pendingSummary(stream, group);
  }

  delayedCount(delayedKey: string): Promise<number> {
    return this.admin.delayedCount(delayedKey);
  }

  range(stream: string, start: string, end: string, count?: number): Promise<StreamEntry[]> {
    return this.admin.range(stream, start, end, count);
  }

  revRange(stream: string, end: string, start: string, count?: number): Promise<StreamEntry[]> {
    return this.admin.revRange(stream, end, start, count);
  }

  listStreams(pattern: string): Promise<string[]> {
    return this.admin.listStreams(pattern);
  }

  scanKeys(pattern: string): Promise<string[]> {
    return this.admin.scanKeys(pattern);
  }

  ttlMs(key: string): Promise<number> {
    return this.admin.ttlMs(key);
  }

  setGroupId(stream: string, group: string, id: string): Promise<void> {
    return this.admin.setGroupId(stream, group, id);
  }

  destroyGroup(stream: string, group: string): Promise<boolean> {
    return this.admin.destroyGroup(stream, group);
  }

  deleteConsumer(stream: string, group: string, consumer: string): Promise<number> {
    return this.admin.deleteConsumer(stream, group, consumer);
  }

  deleteEntries(stream: string, ids: string[]): Promise<number> {
    return this.admin.deleteEntries(stream, ids);
  }

  trim(stream: string, opts: TrimOptions = {}): Promise<TrimResult> {
    return this.admin.trim(stream, opts);
  }

  trimRetention(stream: string, opts: { minTimeMs?: number; maxLen?: number }): Promise<{ byAge: number; byCount: number }> {
    return this.admin.trimRetention(stream, opts);
  }

  moveEntries(moves: EntryMove[]): Promise<EntryMoveResult[]> {
    return this.admin.moveEntries(moves);
  }
}

/**
 * The StreamBackend seam: every stream operation the runtime and the tools need, with one
 * implementation on Redis (ioredis) and one in memory (the offline shim). Split by who needs it:
 * RuntimeStreamBackend (an actor's loop, a producer) and AdminStreamBackend (inspection, group
 * maintenance, trims, DLQ moves); StreamBackend is both. Both backends pass the same contract
 * suite (test/contract/stream-backend.contract.ts), whose sections follow that split.
 *
 * Fields are flat `[name, value, name, value, ...]` arrays, as Redis returns them, so the hot
 * path never converts to objects and back.
 */

/** One stream entry: its id and flat field/value pairs. */
export interface StreamEntry {
  id: string;
  fields: string[];
}

/** An entry read through a consumer group, with the stream it came from. */
export interface GroupEntry extends StreamEntry {
  stream: string;
}

/** An entry taken over from another consumer, with its delivery count after the claim. */
export interface ClaimedEntry extends StreamEntry {
  deliveries: number;
}

/** What one claim pass found (XAUTOCLAIM semantics). */
export interface ClaimResult {
  /** Cursor for the next pass; '0-0' when the scan wrapped around. */
  next: string;
  entries: ClaimedEntry[];
  /**
   * Ids pending (idle at least minIdleMs) whose entries were deleted. They stay pending: the caller
   * decides their one outcome (their owner, `deletedOwners[i]`, may still be committing them; if
   * not, one dead letter whose commit acks them).
   */
  deletedIds: string[];
  /** The consumer owning each of deletedIds. */
  deletedOwners: string[];
}

/** One pending entry (XPENDING extended form). */
export interface PendingEntry {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

/** Summary of a group's pending entries list (XPENDING summary form). */
export interface PendingSummary {
  count: number;
  minId: string | null;
  maxId: string | null;
  consumers: { name: string; pending: number }[];
}

/** XINFO STREAM essentials. */
export interface StreamInfo {
  length: number;
  firstId: string | null;
  lastId: string | null;
  lastGeneratedId: string;
  groups: number;
  /** Entries ever added (Redis >= 7), null when the server does not say. */
  entriesAdded: number | null;
}

/** XINFO GROUPS essentials; `lag` is null when the server cannot tell (Redis < 7 or after deletions). */
export interface GroupInfo {
  name: string;
  consumers: number;
  pending: number;
  lastDeliveredId: string;
  entriesRead: number | null;
  lag: number | null;
}

/** XINFO CONSUMERS essentials; `inactiveMs` is null before Redis 7.2. */
export interface ConsumerInfo {
  name: string;
  pending: number;
  idleMs: number;
  inactiveMs: number | null;
}

/** A blocking group read over one or more streams. */
export interface ReadGroupRequest {
  group: string;
  consumer: string;
  streams: string[];
  /** Most entries per stream (Redis applies COUNT to each stream, not to the total). */
  count: number;
  /** Block up to this long when nothing is new; 0 or undefined returns at once. */
  blockMs?: number;
  /** Ends a blocking read early (shutdown); the read then resolves with what it has, usually []. */
  signal?: AbortSignal;
}

/** An entry to append. */
export interface Append {
  stream: string;
  fields: string[];
}

/** An entry parked for later: moved onto `stream` by promoteDue once `dueMs` has passed. */
export interface DelayedAppend {
  /** Sorted-set key that holds the entry until due (keys.delayed(topic)). */
  delayedKey: string;
  dueMs: number;
  /** Unique per delayed entry (e.g. the envelope id): the sorted-set member depends on it. */
  uid: string;
  fields: string[];
}

/**
 * An entity's snapshot, written by the commit with a guard on the stored one. Stored as one string,
 * `<version> <revision> <lastEventId> <value>` (see src/streams/snapshot.ts), so the script reads the
 * revision with a prefix match and loads read it with one GET per key, pipelined.
 */
export interface SnapshotWrite {
  /** Snapshot key (keys.snapshot): in the same partition as the item's other keys. */
  key: string;
  /** The revision the stored snapshot must have (the one the state was decided on), or null when none may exist. Anything else: the whole item is a 'conflict' and nothing of it is applied. */
  expectedRevision: string | null;
  /** This write's revision: unique (newRevision()), so a state advanced along another history never matches. */
  revision: string;
  /** The new snapshot's version (events folded so far). */
  version: number;
  /** Index in `outputs` of the entry whose new id becomes the last event id (the entity log append). */
  lastEventOutput?: number;
  /** The last event id when no output of this item carries it (a rebuild). */
  lastEventId?: string;
  /** Opaque text stored after the version and last event id (the entity's state version and state). */
  value: string;
}

/** One unit of a commit: the outputs of one input, its ack and its idempotency marker. */
export interface CommitItem {
  /** The input entry to acknowledge (absent for producer-side writes). */
  ack?: { stream: string; group: string; id: string };
  /** Idempotency marker key (keys.idempotency); if it already exists, outputs are skipped and the input is still acked. */
  markerKey?: string;
  outputs: Append[];
  delayed?: DelayedAppend[];
  /** An entity's snapshot: written with the outputs only when the stored revision is the expected one. */
  snapshot?: SnapshotWrite;
}

/** A whole batch, committed atomically in one round trip. */
export interface CommitBatch {
  items: CommitItem[];
  /** How long idempotency markers live. */
  markerTtlMs: number;
  /** false: the result's outputIds may be left empty (a caller that never reads them saves building and parsing them); default true. */
  outputIds?: boolean;
}

/** How one item ended: written; a duplicate (marker already set: acked, nothing written); a conflict (snapshot moved: nothing written, input not acked, so it is read and decided again). */
export type CommitStatus = 'committed' | 'duplicate' | 'conflict';

/** Per item: its status and the ids of the outputs written. */
export interface CommitResult {
  items: { status: CommitStatus; outputIds: string[] }[];
}

/** Options for the safe trim. */
export interface TrimOptions {
  /** Keep entries younger than this even when every group has acknowledged them (replay window). */
  retainMs?: number;
  /** Operator cap: keep at most this many entries even if a group has not read them (off by default). Dropped unread entries are counted. */
  maxLenCap?: number;
}

/** What a trim removed. */
export interface TrimResult {
  removed: number;
  /** Entries removed that some group had not yet acknowledged (only when maxLenCap forced it): those at or above the acknowledged floor; on a stream without groups, every entry the cap removed. */
  removedUnacked: number;
}

/** What a backend can and cannot do; the contract suite uses flags instead of silent skips. */
export interface BackendFeatures {
  /** XINFO GROUPS reports entries-read and lag (Redis >= 7). */
  groupLag: boolean;
  /** XAUTOCLAIM reports deleted ids (Redis >= 7). */
  claimReportsDeleted: boolean;
  /** XTRIM ... ACKED exists (Redis >= 8.2). */
  trimAcked: boolean;
  /** Server version string, or 'memory'. */
  version: string;
}

/** One entry to move: delete `id` from `from`, append `fields` to `to`. */
export interface EntryMove {
  from: string;
  id: string;
  to: string;
  fields: string[];
}

/**
 * What happened to one move: the new id, or null when the source entry was already gone or the
 * move failed (`error`: the source entry is then untouched, e.g. WRONGTYPE when the target is not a stream).
 */
export interface EntryMoveResult {
  move: EntryMove;
  newId: string | null;
  error?: string;
}

/** Options of pendingEntries (XPENDING extended form). */
export interface PendingEntriesOptions {
  start?: string;
  end?: string;
  count?: number;
  consumer?: string;
  minIdleMs?: number;
}

/**
 * What an actor's loop and a producer need: append, read through a group, claim, commit, delayed
 * entries, and the few keys the loop keeps (heartbeats, snapshots). Hot paths; each one round trip.
 */
export interface RuntimeStreamBackend {
  readonly kind: 'redis' | 'memory';
  /** Resolves once connected and features are detected. */
  connect(): Promise<BackendFeatures>;
  readonly features: BackendFeatures;
  /** Closes what the backend opened (never a connection the caller handed in). */
  close(): Promise<void>;

  /** Appends one entry (XADD *), returns its id. */
  append(stream: string, fields: string[]): Promise<string>;
  /** Appends many entries in one round trip, returns ids in order. */
  appendMany(entries: Append[]): Promise<string[]>;

  /** Creates the group at `startId` ('$' for new entries only, the default; '0' for all) with MKSTREAM; no error if it exists. */
  ensureGroup(stream: string, group: string, startId?: string): Promise<void>;
  /** XREADGROUP ... > over the streams; blocks up to blockMs, wakes on new data. */
  readGroup(req: ReadGroupRequest): Promise<GroupEntry[]>;
  /** Re-reads this consumer's own pending entries (XREADGROUP with id 0), e.g. after a restart. */
  readOwnPending(stream: string, group: string, consumer: string, count: number): Promise<StreamEntry[]>;
  /** XPENDING extended form, optionally for one consumer and only entries idle at least minIdleMs. */
  pendingEntries(stream: string, group: string, opts?: PendingEntriesOptions): Promise<PendingEntry[]>;
  /** Acknowledges ids; returns how many were pending (0, not an error, when the stream or group is missing, as XACK). */
  ack(stream: string, group: string, ids: string[]): Promise<number>;
  /**
   * Re-claims this consumer's own in-flight ids (XCLAIM JUSTID: idle reset, delivery count
   * unchanged) so no peer claims them; only ids still pending for it and still in the stream.
   * One round trip per stream; returns the ids leased.
   */
  lease(stream: string, group: string, consumer: string, ids: string[]): Promise<string[]>;
  /** Claims entries idle for at least minIdleMs (scanning the PEL from `start`), with their delivery counts. */
  claimIdle(stream: string, group: string, consumer: string, minIdleMs: number, start: string, count: number): Promise<ClaimResult>;

  /** Appends outputs, acks inputs and sets idempotency markers for a whole batch, atomically, in one round trip. */
  commit(batch: CommitBatch): Promise<CommitResult>;
  /** Which of these idempotency markers exist (one round trip). */
  markersExist(keys: string[]): Promise<boolean[]>;

  /** Parks entries until due (ZADD). */
  schedule(entries: DelayedAppend[]): Promise<void>;
  /** Atomically moves up to `limit` due entries from delayedKey onto stream; returns how many moved. */
  promoteDue(delayedKey: string, stream: string, nowMs: number, limit: number): Promise<number>;

  /** SET key value PX ttl (heartbeats). */
  setWithTtl(key: string, value: string, ttlMs: number): Promise<void>;
  /** GET for many keys in one round trip; null where missing or expired. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  /** DEL. */
  deleteKeys(keys: string[]): Promise<number>;
}

/**
 * What operators and tools need (streams-health, streams-dlq, streams-group-reset, the runtime's
 * housekeeping and drain checks): inspection, group maintenance, trimming and DLQ moves.
 */
export interface AdminStreamBackend {
  /** XINFO STREAM, or null when the stream does not exist. */
  streamInfo(stream: string): Promise<StreamInfo | null>;
  /** XINFO GROUPS, [] when the stream does not exist. */
  groups(stream: string): Promise<GroupInfo[]>;
  /** XINFO CONSUMERS. */
  consumers(stream: string, group: string): Promise<ConsumerInfo[]>;
  /** XPENDING summary. */
  pendingSummary(stream: string, group: string): Promise<PendingSummary>;
  /** How many entries wait in delayedKey. */
  delayedCount(delayedKey: string): Promise<number>;

  /** XRANGE start..end. */
  range(stream: string, start: string, end: string, count?: number): Promise<StreamEntry[]>;
  /** XREVRANGE end..start. */
  revRange(stream: string, end: string, start: string, count?: number): Promise<StreamEntry[]>;
  /** Streams whose key matches a glob pattern (SCAN ... TYPE stream). */
  listStreams(pattern: string): Promise<string[]>;
  /** Keys (any type) matching a glob pattern (SCAN). */
  scanKeys(pattern: string): Promise<string[]>;
  /** Remaining TTL in ms, -2 when missing, -1 without TTL (PTTL). */
  ttlMs(key: string): Promise<number>;

  /** Moves a group's last-delivered id (XGROUP SETID). */
  setGroupId(stream: string, group: string, id: string): Promise<void>;
  /** Removes a group. */
  destroyGroup(stream: string, group: string): Promise<boolean>;
  /** Deletes a consumer (XGROUP DELCONSUMER); returns the pending count it had. */
  deleteConsumer(stream: string, group: string, consumer: string): Promise<number>;

  /** XDEL. */
  deleteEntries(stream: string, ids: string[]): Promise<number>;
  /** Trims only entries every group has acknowledged (and older than retainMs); never an unread entry unless maxLenCap forces it. A stream without groups has nothing acknowledged: only the cap trims it. */
  trim(stream: string, opts?: TrimOptions): Promise<TrimResult>;
  /**
   * Plain, exact XTRIM for streams no group reads (the DLQs' retention): first entries older than
   * `minTimeMs` (MINID), then all but the newest `maxLen` (MAXLEN); one round trip. Returns how
   * many each removed. Never use it on a stream a group reads: it does not look at the groups.
   */
  trimRetention(stream: string, opts: { minTimeMs?: number; maxLen?: number }): Promise<{ byAge: number; byCount: number }>;
  /**
   * Moves entries between streams (the DLQ replay): each move appends `fields` to its target and
   * deletes the source entry as one atomic step, so an entry is never both moved and left, nor
   * lost between the two; a source entry already gone moves nothing (newId null). One entry's
   * failure is its `error` (its source entry untouched; the other moves stand); a lost connection
   * rejects. One round trip on Redis (one per slot on a cluster, where a move's source and target
   * must share a slot).
   */
  moveEntries(moves: EntryMove[]): Promise<EntryMoveResult[]>;
}

/** The seam every stream user talks to: both surfaces, implemented by the Redis and the memory backend. */
export interface StreamBackend extends RuntimeStreamBackend, AdminStreamBackend {}

/** Stable error codes for StreamBackendError. */
export type StreamBackendErrorCode = 'NOGROUP' | 'CONNECTION' | 'UNSUPPORTED' | 'BAD_ARGUMENT' | 'SERVER';

/** A backend failure with what a caller needs to act on it. */
export class StreamBackendError extends Error {
  readonly code: StreamBackendErrorCode;
  readonly stream: string | undefined;
  constructor(code: StreamBackendErrorCode, message: string, stream?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StreamBackendError';
    this.code = code;
    this.stream = stream;
  }
}

/** True when err is a StreamBackendError (optionally with this code). */
export function isStreamBackendError(err: unknown, code?: StreamBackendErrorCode): err is StreamBackendError {
  return err instanceof StreamBackendError && (code === undefined || err.code === code);
}

/** Reads one field's value from a flat field array. */
export function fieldValue(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** Compares two stream ids ('ms-seq') numerically: negative, zero or positive. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const s = BigInt(as) - BigInt(bs);
  return s === 0n ? 0 : s < 0n ? -1 : 1;
}

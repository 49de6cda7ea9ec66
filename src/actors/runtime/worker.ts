import type { BoundActorMetrics } from '../../monitoring/metrics.js';
import type { Logger } from '../../monitoring/types.js';
import { isStreamBackendError, type StreamBackend } from '../../streams/backend.js';
import type { ActorDefinition } from '../types.js';
import { pipelineFor, processBatch, type BatchDeps, type BatchResult, type InputEntry } from './batch.js';
import { Leases } from './leases.js';
import type { RuntimeOptions } from './options.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rounds of deciding again after version conflicts before the inputs are left to the re-read. */
const MAX_CONFLICT_ROUNDS = 16;

/**
 * One actor's consume loop on one partition in one process: read a batch, handle it, commit it
 * atomically. The next batch is read while this one is handled, and handling overlaps the commit
 * of the previous batch; at most one commit is in flight, so commits stay in order. Before
 * reading new entries it re-reads its own pending ones (a previous life of this consumer, or a
 * commit that failed), and every `claimIdleMs / 2` it claims entries left idle by dead consumers.
 */
export class ActorWorker {
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private abort = new AbortController();
  private recover = true;
  private nextClaimAt = 0;
  private readonly claimCursor = new Map<string, string>();
  private readonly backend: StreamBackend;
  private readonly logger: Logger;
  private readonly metrics: BoundActorMetrics;
  private readonly leases: Leases;
  private readonly batchDeps: BatchDeps;

  /** Streams this actor reads: its topics and its own retry stream. */
  readonly streams: string[];

  constructor(
    readonly def: ActorDefinition,
    private deps: BatchDeps,
    private readonly options: RuntimeOptions,
    /** The partition this worker reads: all its streams share that partition's hash tag (one cluster slot). */
    readonly partition = 0,
  ) {
    if (def.entity) this.deps = { ...deps, entity: def.entity({ backend: deps.backend, keys: deps.keys, partition, logger: deps.logger }) };
    this.backend = deps.backend;
    this.logger = deps.logger;
    this.metrics = deps.metrics;
    this.streams = [...def.consumes.map((t) => deps.keys.topic(t, partition)), deps.keys.retry(def.name, partition)];
    this.leases = new Leases({
      backend: deps.backend,
      actor: def.name,
      group: def.name,
      consumer: deps.consumer,
      clock: deps.clock,
      logger: deps.logger,
      metrics: deps.metrics,
      claimIdleMs: def.claimIdleMs,
      maxHandlerMs: def.maxHandlerMs,
    });
    // The delivery steps are composed once per worker, not per batch.
    this.batchDeps = { ...this.deps, onHandler: this.leases.onHandler, pipeline: pipelineFor(this.deps) };
  }

  /** Creates the groups (idempotent) and starts the loop. */
  async start(): Promise<void> {
    await this.ensureGroups();
    this.running = true;
    this.abort = new AbortController();
    this.leases.start();
    this.loopDone = this.loop();
  }

  private async ensureGroups(): Promise<void> {
    for (const s of this.streams) await this.backend.ensureGroup(s, this.def.name, this.def.startId);
  }

  /** Stops reading, lets in-flight work finish and commit, then resolves. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loopDone;
    await this.leases.stop();
  }

  private async loop(): Promise<void> {
    let inflight: Promise<void> = Promise.resolve();
    // The next batch is read while this one is handled and committed, so Redis and the handlers
    // work at the same time. Prefetched entries are already ours: after stop they are handled too.
    let prefetch: Promise<InputEntry[]> | null = null;
    let errorDelay = this.options.errorBackoffMs;
    while (this.running || prefetch) {
      try {
        let entries: InputEntry[] = [];
        if (this.recover) {
          // Our own PEL holds the prefetched entries and those of the commit in flight: settle both first.
          if (prefetch) await prefetch.catch(() => []);
          prefetch = null;
          await inflight;
          entries = await this.readOwnPending();
          if (entries.length === 0) this.recover = false;
        } else if (this.running && this.deps.clock.now() >= this.nextClaimAt) {
          entries = await this.claimIdle();
          // Claimed entries come one at a time: while a pass finds one, claim again at once.
          this.nextClaimAt = entries.length > 0 ? 0 : this.deps.clock.now() + Math.max(this.options.claimIntervalMinMs, Math.floor(this.def.claimIdleMs / 2));
        }
        if (entries.length === 0 && !this.recover) {
          const pending = prefetch;
          prefetch = null;
          entries = pending ? await pending : this.running ? await this.readNew() : [];
        }
        if (entries.length === 0) continue;
        // Entries from a claim or our own PEL can arrive while a prefetch is still out: keep that one.
        if (this.running && !this.recover && !prefetch) {
          prefetch = this.readNew();
          prefetch.catch(() => undefined);
        }
        this.metrics.batchSize(entries.length);
        const batch = await processBatch(entries, this.batchDeps);
        await inflight;
        inflight = this.commit(batch, entries);
        errorDelay = this.options.errorBackoffMs;
      } catch (err) {
        this.recover = true;
        if (!this.running) break;
        // The group vanished (destroyed, or a Redis restarted without persistence): create it again.
        if (isStreamBackendError(err, 'NOGROUP')) await this.ensureGroups().catch(() => undefined);
        this.logger.warn('actor loop error; retrying', { actor: this.def.name, error: (err as Error).message, retryInMs: errorDelay });
        await sleep(errorDelay);
        errorDelay = Math.min(errorDelay * 2, this.options.errorBackoffMaxMs);
      }
    }
    await inflight;
  }

  private async readNew(): Promise<InputEntry[]> {
    const entries = await this.backend.readGroup({
      group: this.def.name,
      consumer: this.deps.consumer,
      streams: this.streams,
      count: this.def.batchSize,
      blockMs: this.options.blockMs,
      signal: this.abort.signal,
    });
    // Read ahead or not, they are ours from now on: leased until committed.
    this.leases.hold(entries);
    return entries;
  }

  /**
   * Commits one batch; on failure the entries stay pending and are re-read (markers make that safe).
   * An entity's inputs that lost a version race (conflict) are decided again at once on fresh state,
   * still pending and without a new delivery (which would count towards poison), a few rounds at most.
   */
  private async commit(batch: BatchResult, entries: InputEntry[], round = 0): Promise<void> {
    const started = performance.now();
    try {
      // Only an entity reads the ids of the outputs written (its last event id).
      const toCommit = { items: batch.items, markerTtlMs: this.def.idempotencyTtlMs, outputIds: this.deps.entity !== undefined };
      const res = await (batch.trace
        ? batch.trace.settle(
            batch.items.length,
            () => this.backend.commit(toCommit),
            (r) => r.items.filter((i) => i.status === 'duplicate').length,
          )
        : this.backend.commit(toCommit));
      this.metrics.commitDuration((performance.now() - started) / 1000);
      // An entity item whose snapshot moved meanwhile was not applied: re-read it and decide on fresh state.
      const conflicts = this.deps.entity?.committed(batch.items, res) ?? 0;
      if (conflicts > 0) {
        const lost = new Set(batch.items.flatMap((it, i) => (res.items[i]?.status === 'conflict' && it.ack ? [`${it.ack.stream} ${it.ack.id}`] : [])));
        const again = entries.filter((e) => lost.has(`${e.stream} ${e.id}`));
        this.logger.debug('entity version conflict; deciding again on fresh state', { actor: this.def.name, conflicts, round });
        if (round < MAX_CONFLICT_ROUNDS && again.length > 0) await this.commit(await processBatch(again, this.batchDeps), again, round + 1);
        else this.recover = true;
      }
      this.leases.release(entries);
      if (batch.processed) this.metrics.processed(batch.processed);
      if (batch.failed) this.metrics.failed('handler-error', batch.failed);
      if (batch.retried) this.metrics.retried(batch.retried);
      if (batch.duplicates) this.metrics.duplicate(batch.duplicates);
      for (const reason in batch.deadLettered) {
        const n = batch.deadLettered[reason as keyof typeof batch.deadLettered] ?? 0;
        this.metrics.deadLettered(reason, n);
        // The entries, not only a count: an operator finds each one (streams-dlq list, the source stream).
        const ids = batch.deadLetteredIds[reason as keyof typeof batch.deadLetteredIds] ?? [];
        this.logger.warn('dead-lettered', {
          actor: this.def.name,
          reason,
          count: n,
          entries: ids.slice(0, 100),
          ...(ids.length > 100 ? { more: ids.length - 100 } : {}),
        });
      }
    } catch (err) {
      this.recover = true;
      this.deps.entity?.committed(batch.items, null);
      this.metrics.failed('commit-error', batch.items.length);
      this.logger.warn('commit failed; entries stay pending and will be re-read', {
        actor: this.def.name,
        error: (err as Error).message,
        items: batch.items.length,
      });
    }
  }

  /**
   * Our own pending entries were delivered before without a commit (a crash, a kill, a failed
   * commit): any of them may be the one that crashes us. Each is read and committed alone, with its
   * delivery count, so a crash is charged to the entry that caused it (not to a whole batch), and
   * poison is caught even when this consumer comes back before claimIdleMs.
   */
  private async readOwnPending(): Promise<InputEntry[]> {
    for (const stream of this.streams) {
      const [e] = await this.backend.readOwnPending(stream, this.def.name, this.deps.consumer, 1);
      if (!e) continue;
      const [p] = await this.backend.pendingEntries(stream, this.def.name, { start: e.id, end: e.id, count: 1, consumer: this.deps.consumer });
      const entry: InputEntry = { stream, id: e.id, fields: e.fields, ...(p ? { deliveries: p.deliveries } : {}) };
      this.leases.hold([entry]);
      return [entry];
    }
    return [];
  }

  /** Claims idle entries of dead consumers one at a time (like our own pending ones, each may be poison). */
  private async claimIdle(): Promise<InputEntry[]> {
    const out: InputEntry[] = [];
    for (const stream of this.streams) {
      const res = await this.backend.claimIdle(stream, this.def.name, this.deps.consumer, this.def.claimIdleMs, this.claimCursor.get(stream) ?? '0-0', 1);
      this.claimCursor.set(stream, res.next);
      for (const e of res.entries) out.push({ stream, id: e.id, fields: e.fields, deliveries: e.deliveries });
      this.leases.hold(out);
      // Entries deleted while pending: recorded in the DLQ, never silently dropped, unless their
      // owner will still commit them (one outcome per entry).
      for (const id of await this.orphanedDeletes(stream, res.deletedIds, res.deletedOwners)) out.push({ stream, id, fields: [] });
      if (out.length) break;
    }
    if (out.length) {
      this.metrics.reclaimed(out.length);
      this.logger.info('claimed idle entries', { actor: this.def.name, count: out.length });
    }
    return out;
  }

  /**
   * Of the deleted ids a claim pass reported, those nobody will commit: ours when this worker does
   * not hold them (a previous life's), a peer's when its heartbeat is gone. A live owner (this
   * worker holding the id, or a peer with a heartbeat) commits its own and its ack ends them.
   */
  private async orphanedDeletes(stream: string, ids: string[], owners: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const { keys, consumer } = this.deps;
    const heartbeatOf = (owner: string): string | null => {
      try {
        return keys.heartbeat(this.def.name, owner);
      } catch {
        return null; // Not a name our runtime gives: nobody we know will commit it.
      }
    };
    const peers = [...new Set(owners.filter((o) => o !== consumer))];
    const beats = await this.backend.getMany(peers.map((p) => heartbeatOf(p)).filter((k): k is string => k !== null));
    const alive = new Set(peers.filter((p) => heartbeatOf(p) !== null).filter((_, i) => beats[i] !== null));
    return ids.filter((id, i) => {
      const owner = owners[i] ?? '';
      return owner === consumer ? !this.leases.holds(stream, id) : !alive.has(owner);
    });
  }
}

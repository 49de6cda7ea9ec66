import { hostname } from 'node:os';
import type { ActorMetrics } from '../../monitoring/metrics.js';
import type { Logger } from '../../monitoring/types.js';
import type { GroupInfo, StreamBackend } from '../../streams/backend.js';
import type { Clock } from '../../clock.js';
import type { Keys } from '../../streams/keys.js';
import { trimmedGap, unreadPresent, type TrimGap } from '../../streams/gap.js';

/** Unread entries counted with one XRANGE to tell a gap while a group is behind; above this, wait until it catches up. */
const GAP_COUNT_LIMIT = 1_000;
import type { RuntimeOptions } from './options.js';
import type { ActorWorker } from './worker.js';

/** What the periodic tasks need. */
export interface HousekeepingDeps {
  backend: StreamBackend;
  keys: Keys;
  consumer: string;
  clock: Clock;
  logger: Logger;
  metrics: ActorMetrics;
  options: RuntimeOptions;
}

/** A repeating task that never overlaps itself and never throws out of its timer. */
class Periodic {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  constructor(
    private readonly everyMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}
  start(immediately = false): void {
    const tick = (): void => {
      this.running = this.task()
        .catch(this.onError)
        .finally(() => {
          this.running = null;
          if (this.timer) this.timer = setTimeout(tick, this.everyMs);
        });
    };
    this.timer = setTimeout(tick, immediately ? 0 : this.everyMs);
  }
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}

/**
 * The runtime's background duties besides consuming: promoting due delayed entries, heartbeats
 * with lag/pending gauges and removal of dead consumers, and the safe trim.
 */
export class Housekeeping {
  private readonly tasks: Periodic[] = [];
  /** Entries already reported lost to a gap, by stream and group: each is logged and counted once per process. */
  private readonly gapsReported = new Map<string, number>();

  constructor(
    private readonly workers: ActorWorker[],
    private readonly deps: HousekeepingDeps,
  ) {}

  /** Starts every periodic task. */
  start(): void {
    const { options, logger } = this.deps;
    const onError = (what: string) => (err: unknown) => logger.warn(`${what} failed; will retry`, { error: (err as Error).message });
    this.tasks.push(new Periodic(options.promoteIntervalMs, () => this.promote(), onError('promoting delayed entries')));
    const heartbeatMs = Math.min(...this.workers.map((w) => w.def.heartbeatMs));
    this.tasks.push(new Periodic(heartbeatMs, () => this.heartbeat(), onError('heartbeat')));
    if (options.trimIntervalMs > 0) this.tasks.push(new Periodic(options.trimIntervalMs, () => this.trim(), onError('trim')));
    for (const t of this.tasks) t.start(true);
  }

  /** Stops the tasks, removes this process's heartbeats and its consumers that hold nothing pending. */
  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.stop()));
    const { backend, keys, consumer } = this.deps;
    await backend.deleteKeys([...new Set(this.workers.map((w) => keys.heartbeat(w.def.name, consumer)))]);
    for (const w of this.workers) {
      for (const s of w.streams) {
        const mine = (await backend.consumers(s, w.def.name)).find((c) => c.name === consumer);
        if (mine && mine.pending === 0) await backend.deleteConsumer(s, w.def.name, consumer);
      }
    }
  }

  /** Moves due delayed entries of every consumed topic and every actor's retries onto their streams. */
  async promote(): Promise<void> {
    const { backend, keys, clock, options } = this.deps;
    const pairs = new Map<string, string>();
    for (const w of this.workers) {
      for (const t of w.def.consumes) pairs.set(keys.delayed(t, w.partition), keys.topic(t, w.partition));
      pairs.set(keys.retryDelayed(w.def.name, w.partition), keys.retry(w.def.name, w.partition));
    }
    for (const [delayed, stream] of pairs) {
      // Loop while full batches move, so a backlog drains without waiting a tick per batch.
      while ((await backend.promoteDue(delayed, stream, clock.now(), options.promoteBatchSize)) === options.promoteBatchSize);
    }
  }

  /** Refreshes heartbeats, updates lag/pending gauges and deletes dead consumers with an empty PEL. */
  async heartbeat(): Promise<void> {
    const { backend, keys, consumer, clock, metrics, logger, options } = this.deps;
    const value = JSON.stringify({ host: hostname(), pid: process.pid, at: new Date(clock.now()).toISOString() });
    const beaten = new Set<string>();
    for (const w of this.workers) {
      // One heartbeat per actor and process, however many partitions it reads.
      if (!beaten.has(w.def.name)) await backend.setWithTtl(keys.heartbeat(w.def.name, consumer), value, w.def.heartbeatMs * options.heartbeatTtlBeats);
      beaten.add(w.def.name);
      const bound = metrics.forActor(w.def.name);
      for (const s of w.streams) {
        const group = (await backend.groups(s)).find((g) => g.name === w.def.name);
        if (!group) continue;
        // Entries trimmed before this group read them: never silent (log with the range, metric).
        const gap = await this.gapOf(s, group);
        const gapKey = `${s} ${w.def.name}`;
        const reported = this.gapsReported.get(gapKey) ?? 0;
        if (gap && gap.entries > reported) {
          this.gapsReported.set(gapKey, gap.entries);
          bound.gap(s, gap.entries - reported);
          logger.error('gap', {
            actor: w.def.name,
            stream: s,
            range: gap.range,
            entries: gap.entries - reported,
            missingTotal: gap.entries,
            why: 'entries were removed from the stream before this group read them (a trim or XDEL outside the runtime); they cannot be delivered',
          });
        }
        // Redis keeps counting trimmed-unread entries as lag; what can still be delivered is the rest.
        if (group.lag !== null) bound.setLag(s, Math.max(0, group.lag - (gap?.entries ?? 0)));
        bound.setPending(s, group.pending);
        const consumers = await backend.consumers(s, w.def.name);
        const dead = consumers.filter((c) => c.name !== consumer && c.pending === 0 && c.idleMs > w.def.claimIdleMs);
        if (dead.length === 0) continue;
        const beats = await backend.getMany(dead.map((c) => keys.heartbeat(w.def.name, c.name)));
        for (const [i, c] of dead.entries()) {
          if (beats[i] !== null) continue;
          await backend.deleteConsumer(s, w.def.name, c.name);
          logger.info('removed dead consumer with an empty PEL', { actor: w.def.name, stream: s, consumer: c.name });
        }
      }
    }
  }

  /** The trimmed-before-delivery gap of a group; the unread entries still there are counted only when few (one bounded XRANGE). */
  private async gapOf(stream: string, group: GroupInfo): Promise<TrimGap | null> {
    const info = await this.deps.backend.streamInfo(stream);
    if (!info) return null;
    let present = unreadPresent(info, group);
    if (present === null && group.lag !== null && group.lag <= GAP_COUNT_LIMIT)
      present = (await this.deps.backend.range(stream, `(${group.lastDeliveredId}`, '+', GAP_COUNT_LIMIT + 1)).length;
    return trimmedGap(info, group, present);
  }

  /** Trims each consumed stream below what every group has acknowledged, keeping the retention window; then the DLQ retention. */
  async trim(): Promise<void> {
    const { backend, options, logger } = this.deps;
    const streams = new Set(this.workers.flatMap((w) => w.streams));
    for (const s of streams) {
      const r = await backend.trim(s, { retainMs: options.retentionMs, maxLenCap: options.maxLenCap });
      if (r.removedUnacked > 0) logger.warn('operator cap dropped unacknowledged entries', { stream: s, dropped: r.removedUnacked, cap: options.maxLenCap });
    }
    await this.expireDeadLetters();
  }

  /**
   * The DLQ retention policy, on the DLQs of the topics this runtime consumes (the ones its actors
   * write to): dead letters older than dlqRetentionMs, then beyond the operator cap dlqMaxLen, are
   * removed. Never silent: each removal is counted (stream_actor_dead_letters_expired_total) and logged.
   */
  async expireDeadLetters(): Promise<void> {
    const { backend, keys, clock, options, logger, metrics } = this.deps;
    if (options.dlqRetentionMs <= 0 && options.dlqMaxLen <= 0) return;
    const dlqs = new Set(this.workers.flatMap((w) => w.def.consumes.map((t) => keys.dlq(t, w.partition))));
    for (const dlq of dlqs) {
      const r = await backend.trimRetention(dlq, {
        ...(options.dlqRetentionMs > 0 ? { minTimeMs: clock.now() - options.dlqRetentionMs } : {}),
        ...(options.dlqMaxLen > 0 ? { maxLen: options.dlqMaxLen } : {}),
      });
      if (r.byAge + r.byCount === 0) continue;
      metrics.deadLettersExpired(dlq, 'age', r.byAge);
      metrics.deadLettersExpired(dlq, 'count', r.byCount);
      logger.warn('dead letters expired by the DLQ retention policy', {
        stream: dlq,
        byAge: r.byAge,
        byCount: r.byCount,
        retentionMs: options.dlqRetentionMs,
        maxLen: options.dlqMaxLen,
      });
    }
  }
}

import type { BoundActorMetrics } from '../../monitoring/metrics.js';
import type { Logger } from '../../monitoring/types.js';
import type { StreamBackend } from '../../streams/backend.js';
import type { Clock } from '../../clock.js';
import type { InputEntry } from './batch.js';

/** What the leases need. */
export interface LeaseDeps {
  backend: StreamBackend;
  actor: string;
  group: string;
  consumer: string;
  clock: Clock;
  logger: Logger;
  metrics: BoundActorMetrics;
  /** Peers claim entries idle this long; leases are refreshed every third of it. */
  claimIdleMs: number;
  /** A handler running longer than this is stuck: its entry is no longer leased. */
  maxHandlerMs: number;
}

const key = (stream: string, id: string): string => `${stream} ${id}`;

/**
 * The entries one worker holds (read ahead, being handled, being committed) and their leases:
 * every claimIdleMs / 3 one `lease` call per stream re-claims them to this consumer (XCLAIM
 * JUSTID: idle reset, delivery count unchanged), so a peer never claims live work and a slow
 * handler runs once. A handler past maxHandlerMs is stuck: its entry is dropped from the lease
 * (a peer may take it over; the idempotency marker keeps outputs single), counted and logged once.
 * The held set also answers "is this deleted id still ours to commit?" for the claim pass.
 */
export class Leases {
  private readonly held = new Map<string, Set<string>>();
  // Keyed by the entry object itself: no key string built per entry on the hot path.
  private readonly handling = new Map<InputEntry, number>();
  private readonly stuck = new Set<InputEntry>();
  private readonly stuckIds = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(private readonly deps: LeaseDeps) {}

  /** Starts the refresh timer. */
  start(): void {
    const every = Math.max(10, Math.floor(this.deps.claimIdleMs / 3));
    const tick = (): void => {
      this.ticking = this.refresh()
        .catch((err: unknown): void => {
          this.deps.logger.warn('lease refresh failed; will retry', { actor: this.deps.actor, error: (err as Error).message });
        })
        .finally(() => {
          this.ticking = null;
          if (this.timer) this.timer = setTimeout(tick, every).unref();
        });
    };
    // Unref'd: leases never keep a process alive on their own (a stop that timed out leaves no timer holding it).
    this.timer = setTimeout(tick, every).unref();
  }

  /** Stops refreshing (after the last commit) and forgets everything held. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    this.held.clear();
    this.handling.clear();
    this.stuck.clear();
    this.stuckIds.clear();
  }

  /** These entries are ours until released (read, re-read or claimed). */
  hold(entries: readonly InputEntry[]): void {
    let stream: string | undefined;
    let ids: Set<string> | undefined;
    for (const e of entries) {
      // A batch's entries come stream by stream: one lookup per run of the same stream.
      if (e.stream !== stream) {
        stream = e.stream;
        ids = this.held.get(stream);
        if (!ids) this.held.set(stream, (ids = new Set()));
      }
      ids!.add(e.id);
    }
  }

  /** Committed: no longer ours to lease. */
  release(entries: readonly InputEntry[]): void {
    // Hot path (every input): the maps keyed by entry object are touched only when they hold something (an async handler, a stuck one).
    const handling = this.handling.size > 0;
    const stuck = this.stuck.size > 0;
    for (const e of entries) {
      this.held.get(e.stream)?.delete(e.id);
      if (handling) this.handling.delete(e);
      if (stuck && this.stuck.delete(e)) this.stuckIds.delete(key(e.stream, e.id));
    }
  }

  /** True while this worker holds the entry (it will commit it, whatever happened to it in the stream). */
  holds(stream: string, id: string): boolean {
    return this.held.get(stream)?.has(id) === true;
  }

  /** A handler started or ended on an entry (BatchDeps.onHandler). */
  readonly onHandler = (e: InputEntry, phase: 'start' | 'end'): void => {
    if (phase === 'start') this.handling.set(e, this.deps.clock.now());
    else this.handling.delete(e);
  };

  /** One refresh: marks handlers past maxHandlerMs stuck, then leases the rest, one call per stream. */
  async refresh(): Promise<void> {
    const { backend, group, consumer, clock, maxHandlerMs } = this.deps;
    const now = clock.now();
    for (const [e, since] of this.handling) {
      if (now - since <= maxHandlerMs || this.stuck.has(e)) continue;
      this.stuck.add(e);
      this.stuckIds.add(key(e.stream, e.id));
      const { stream, id } = e;
      this.deps.metrics.stuck();
      this.deps.logger.warn('handler stuck past maxHandlerMs; its entry is no longer leased', {
        actor: this.deps.actor,
        stream,
        id,
        runningMs: now - since,
        maxHandlerMs,
      });
    }
    for (const [stream, ids] of this.held) {
      const live = this.stuckIds.size === 0 ? [...ids] : [...ids].filter((id) => !this.stuckIds.has(key(stream, id)));
      if (live.length > 0) await backend.lease(stream, group, consumer, live);
    }
  }
}

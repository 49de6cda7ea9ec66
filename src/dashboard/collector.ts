/**
 * The one collector every open page shares: it reads the whole prefix with streams-health's
 * collectHealth (SCAN, never KEYS; the per-stream XINFO calls go out together on one connection,
 * so they are pipelined on the wire), at most once per poll interval whatever the number of
 * viewers, only while someone is looking, and derives rates, history and the topology from
 * successive collections.
 */
import { parseDeadLetter } from '../actors/runtime/dead-letter.js';
import { collectHealth, type GroupHealth, type HealthFinding, type HealthSources, type StreamHealth } from '../cli/health/collect.js';
import type { DlqDepth } from '../cli/health/collect.js';
import { buildTopology, type ActorShape, type Topology } from './topology.js';
import type { DashboardMetrics } from './metrics.js';
import type { DashboardOptions } from './options.js';

/** A group row with its delivery rate. */
export interface GroupRow extends GroupHealth {
  /** Entries delivered to the group per second over the last interval. */
  rate: number;
  /** Idle time of the oldest pending entry (ms), from the consumers' idle times; null without pending. */
  oldestPendingIdleMs: number | null;
}

/** A stream row with its append rate. */
export interface StreamRow extends Omit<StreamHealth, 'groups'> {
  /** Entries appended per second over the last interval. */
  rate: number;
  groups: GroupRow[];
}

/** Totals over the prefix, one point of the charts. */
export interface TotalsPoint {
  at: number;
  appendRate: number;
  deliverRate: number;
  lag: number;
  pending: number;
  dlq: number;
}

/** What every page receives: one collection. */
export interface Snapshot {
  at: number;
  prefix: string;
  collectMs: number;
  /** Redis commands the dashboard sent since it started. */
  redisCommands: number;
  healthy: boolean;
  problems: HealthFinding[];
  warnings: HealthFinding[];
  streams: StreamRow[];
  dlq: DlqDepth[];
  topology: Topology;
  totals: TotalsPoint;
  /** Totals over the last minutes, oldest first. */
  history: TotalsPoint[];
}

/** One stream's chart series. */
export interface StreamSeries {
  at: number[];
  length: number[];
  rate: number[];
  lag: number[];
  pending: number[];
}

/** What the collector reads from. */
export interface CollectorSources extends HealthSources {
  definitions: readonly ActorShape[];
}

/** Dead letters read per DLQ stream and collection to count them per actor. */
const DLQ_TAIL_COUNT = 1_000;

/** Entries ever appended to a stream as far as the groups can tell (entries-read + lag), else its length. */
function appendedCount(s: StreamHealth): number {
  let best = -1;
  for (const g of s.groups) if (g.entriesRead !== null && g.lag !== null) best = Math.max(best, g.entriesRead + g.lag);
  return best >= 0 ? best : s.length;
}

/** Shared, rate-bounded collector of the prefix. */
export class Collector {
  private snapshot: Snapshot | null = null;
  private inFlight: Promise<Snapshot> | null = null;
  private lastDemand = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly listeners = new Set<(s: Snapshot) => void>();
  private readonly prevAppended = new Map<string, number>();
  private readonly prevRead = new Map<string, number>();
  private readonly dlqCursor = new Map<string, string>();
  private readonly history: TotalsPoint[] = [];
  private readonly series = new Map<string, StreamSeries>();
  private nextAllowedAt = 0;

  constructor(
    private readonly src: CollectorSources,
    private readonly opts: Pick<DashboardOptions, 'pollIntervalMs' | 'pollBackoffFactor' | 'idleAfterMs' | 'historyMs'>,
    private readonly metrics: DashboardMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** A page asked for data: keep polling for idleAfterMs more. */
  demand(): void {
    this.lastDemand = this.now();
    if (!this.timer && !this.inFlight && !this.stopped) this.schedule(Math.max(0, this.nextAllowedAt - this.now()));
  }

  /** The latest collection; collects first when there is none yet. */
  async latest(): Promise<Snapshot> {
    this.demand();
    if (this.snapshot) return this.snapshot;
    return await this.collectOnce();
  }

  /** Calls fn with every new collection until the returned function is called. */
  subscribe(fn: (s: Snapshot) => void): () => void {
    this.listeners.add(fn);
    this.metrics.viewers.set(this.listeners.size);
    this.demand();
    return () => {
      this.listeners.delete(fn);
      this.metrics.viewers.set(this.listeners.size);
    };
  }

  /** The chart series of one stream (empty when unknown). */
  streamSeries(key: string): StreamSeries {
    return this.series.get(key) ?? { at: [], length: [], rate: [], lag: [], pending: [] };
  }

  /** Stops polling. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      const wanted = this.listeners.size > 0 || this.now() - this.lastDemand < this.opts.idleAfterMs;
      if (!wanted || this.stopped) return; // idle: the next demand() restarts the loop
      this.collectOnce().catch(() => undefined);
    }, ms);
    this.timer.unref();
  }

  /** One collection; concurrent callers share it, and the next one waits out the bounded interval. */
  private collectOnce(): Promise<Snapshot> {
    if (this.inFlight) return this.inFlight;
    const started = this.now();
    this.inFlight = this.collect(started)
      .then((snap) => {
        this.snapshot = snap;
        for (const fn of this.listeners) fn(snap);
        return snap;
      })
      .finally(() => {
        const took = this.now() - started;
        this.inFlight = null;
        const wait = Math.max(this.opts.pollIntervalMs, took * this.opts.pollBackoffFactor);
        this.nextAllowedAt = started + wait;
        if (!this.stopped && !this.timer) this.schedule(Math.max(0, this.nextAllowedAt - this.now()));
      });
    return this.inFlight;
  }

  private async collect(started: number): Promise<Snapshot> {
    const end = this.metrics.collections.startTimer();
    const report = await collectHealth(this.src, {});
    const at = this.now();
    const prevAt = this.snapshot?.at ?? null;
    const dt = prevAt === null ? 0 : (at - prevAt) / 1000;
    const rate = (map: Map<string, number>, key: string, value: number): number => {
      const before = map.get(key);
      map.set(key, value);
      return dt > 0 && before !== undefined ? Math.max(0, value - before) / dt : 0;
    };
    const streams: StreamRow[] = report.streams.map((s) => ({
      ...s,
      rate: rate(this.prevAppended, s.key, appendedCount(s)),
      groups: s.groups.map((g) => ({
        ...g,
        rate: g.entriesRead === null ? 0 : rate(this.prevRead, `${s.key}\n${g.name}`, g.entriesRead),
        oldestPendingIdleMs: g.pending === 0 ? null : Math.max(0, ...g.consumers.filter((c) => c.pending > 0).map((c) => c.idleMs)),
      })),
    }));
    const deadLetterRates = await this.deadLetterRates(streams, dt);
    const totals: TotalsPoint = { at, appendRate: 0, deliverRate: 0, lag: 0, pending: 0, dlq: 0 };
    for (const s of streams) {
      if (s.kind === 'dlq') totals.dlq += s.length;
      else totals.appendRate += s.rate;
      for (const g of s.groups) {
        totals.deliverRate += g.rate;
        totals.lag += g.lag ?? 0;
        totals.pending += g.pending;
      }
    }
    this.remember(totals, streams);
    this.metrics.streams.set(streams.length);
    end();
    return {
      at,
      prefix: report.prefix,
      collectMs: at - started,
      redisCommands: this.metrics.commandTotal(),
      healthy: report.healthy,
      problems: report.problems,
      warnings: report.warnings,
      streams,
      dlq: report.dlq,
      topology: buildTopology(streams, this.src.definitions, deadLetterRates),
      totals,
      history: [...this.history],
    };
  }

  /** Dead letters per actor per second: reads only the DLQ entries added since the last collection (bounded). */
  private async deadLetterRates(streams: StreamRow[], dt: number): Promise<Map<string, number>> {
    const perActor = new Map<string, number>();
    await Promise.all(
      streams
        .filter((s) => s.kind === 'dlq' && s.lastId !== null)
        .map(async (s) => {
          const cursor = this.dlqCursor.get(s.key);
          this.dlqCursor.set(s.key, s.lastId!);
          if (cursor === undefined || cursor === s.lastId) return; // first sight: history is not a rate
          const fresh = await this.src.backend.range(s.key, `(${cursor}`, '+', DLQ_TAIL_COUNT);
          for (const e of fresh) {
            const actor = parseDeadLetter(e.id, e.fields).actor || '(ingest)';
            perActor.set(actor, (perActor.get(actor) ?? 0) + 1);
          }
        }),
    );
    if (dt > 0) for (const [k, v] of perActor) perActor.set(k, v / dt);
    return perActor;
  }

  private remember(totals: TotalsPoint, streams: StreamRow[]): void {
    const cutoff = totals.at - this.opts.historyMs;
    this.history.push(totals);
    while (this.history.length > 0 && this.history[0]!.at < cutoff) this.history.shift();
    const live = new Set<string>();
    for (const s of streams) {
      live.add(s.key);
      const ser = this.series.get(s.key) ?? { at: [], length: [], rate: [], lag: [], pending: [] };
      this.series.set(s.key, ser);
      ser.at.push(totals.at);
      ser.length.push(s.length);
      ser.rate.push(s.rate);
      ser.lag.push(s.groups.reduce((n, g) => n + (g.lag ?? 0), 0));
      ser.pending.push(s.groups.reduce((n, g) => n + g.pending, 0));
      while (ser.at.length > 0 && ser.at[0]! < cutoff) for (const arr of Object.values(ser)) (arr as number[]).shift();
    }
    for (const k of this.series.keys()) if (!live.has(k)) this.series.delete(k);
    // Deleted streams leave no state behind (rates, DLQ cursors), however long the dashboard runs.
    for (const k of this.prevAppended.keys()) if (!live.has(k)) this.prevAppended.delete(k);
    for (const k of this.dlqCursor.keys()) if (!live.has(k)) this.dlqCursor.delete(k);
    for (const k of this.prevRead.keys()) if (!live.has(k.slice(0, k.indexOf('\n')))) this.prevRead.delete(k);
  }
}

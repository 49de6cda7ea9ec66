/** Latency recording on an HDR histogram (hdr-histogram-js), in microseconds, reported in milliseconds. */
import { build, type Histogram } from 'hdr-histogram-js';

/** Percentiles of a latency distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Records durations with 3 significant digits from 1 µs up to an hour, then summarises them. */
export class LatencyRecorder {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });

  /** Records one duration given in milliseconds (fractions kept down to 1 µs; negatives count as 0). */
  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.histogram.recordValue(Math.min(3_600_000_000, Math.max(0, Math.round(ms * 1000))));
  }

  /** Number of durations recorded. */
  get count(): number {
    return this.histogram.totalCount;
  }

  /** p50/p90/p99/max and mean so far, in milliseconds. */
  summary(): LatencySummary {
    const h = this.histogram;
    if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const max = round3(h.maxValue / 1000);
    // A percentile is reported as the top of its bucket, which can sit a hair above the exact max.
    const at = (p: number): number => Math.min(max, round3(h.getValueAtPercentile(p) / 1000));
    return { count: h.totalCount, mean: round3(h.mean / 1000), p50: at(50), p90: at(90), p99: at(99), max };
  }

  /** Frees the histogram (a no-op for the JS implementation, required for the WebAssembly one). */
  destroy(): void {
    this.histogram.destroy();
  }
}

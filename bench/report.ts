/** The one table of a run: each scenario's figure beside its target (docs/BENCHMARKS.md), the ratio and the verdict. */
import Table from 'cli-table3';
import type { ScenarioId } from './plan.js';
import { cpuPerEnvelope, type Measurement } from './types.js';

/** Whether a target holds; reference rows have none. */
export type Verdict = 'met' | 'not met' | 'reference' | 'n/a';

/** One line of the table. */
export interface ReportRow {
  /** #1..#7 as in the issue (5a/5b for the two actor modes). */
  no: string;
  id: ScenarioId;
  scenario: string;
  measured: string;
  target: string;
  ratio: string;
  verdict: Verdict;
}

/** The targets of docs/BENCHMARKS.md (## Targets), as numbers. */
export const TARGETS = Object.freeze({
  writesOfRedisBenchmark: 0.25,
  actorCommitOfBullmq: 3,
  actorAckOfBullmq: 5,
  pipelineP99Ms: 5,
  pipelineMaxMs: 20,
  /** CPU per envelope as a ratio to the bare loop of the same run (issue 15): [Node, Redis]. */
  actorCommitCpuOfBare: [1.3, 1.2] as const,
  actorAckCpuOfBare: [1.75, 3] as const,
  /** "Flat after warm-up": RSS may grow by less than this fraction after the warm-up. */
  rssGrowth: 0.1,
});

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const LABELS: Record<ScenarioId, [string, string]> = {
  'redis-benchmark': ['1', 'redis-benchmark XADD'],
  'ioredis-pipeline': ['2', 'bare ioredis pipeline of XADDs'],
  'streams-bench': ['3', 'streams-bench (envelopes, encoding included)'],
  bullmq: ['4', 'BullMQ 6.7 no-op worker'],
  'bare-commit': ['R1', 'bare loop: XREADGROUP + one script commit per batch (SET + XADD + XACK per entry)'],
  'bare-ack': ['R2', 'bare loop: XREADGROUP + parse + XACK only'],
  'actor-commit': ['5a', 'actor: consume -> emit -> effectively-once commit'],
  'actor-ack': ['5b', 'actor: consume -> ack only'],
  'actor-commit-2p': ['5c', 'actor 5a in two processes (slots 0 and 1) on one stream'],
  'entity-commit': ['5d', 'entity: decide -> event -> evolve, snapshot in every commit'],
  'pipeline-latency': ['6', '3-stage pipeline at 1,000 envelopes/s, end-to-end'],
  'actor-rss': ['7', 'actor RSS over the run'],
};

function rate(m: Measurement | undefined): number | null {
  return m?.throughput && !m.skipped ? m.throughput.perSec : null;
}

function ratioRow(
  base: Omit<ReportRow, 'ratio' | 'verdict' | 'target'>,
  value: number | null,
  ref: number | null,
  refNo: string,
  min: number,
  asPercent: boolean,
): ReportRow {
  const target = asPercent ? `>= ${Math.round(min * 100)} % of #${refNo}` : `>= ${min}x #${refNo}`;
  if (value === null || ref === null || ref <= 0) return { ...base, target, ratio: 'n/a', verdict: 'n/a' };
  const r = value / ref;
  return { ...base, target, ratio: asPercent ? `${(r * 100).toFixed(1)} % of #${refNo}` : `${r.toFixed(2)}x #${refNo}`, verdict: r >= min ? 'met' : 'not met' };
}

/** Builds the rows, in scenario order, for the measurements present. */
export function buildRows(measurements: readonly Measurement[]): ReportRow[] {
  const by = new Map(measurements.map((m) => [m.id, m]));
  const rb = rate(by.get('redis-benchmark'));
  const bull = rate(by.get('bullmq'));
  return measurements.map((m): ReportRow => {
    const [no, scenario] = LABELS[m.id];
    const base = { no, id: m.id, scenario };
    if (m.skipped) return { ...base, measured: m.skipped, target: '', ratio: 'n/a', verdict: 'n/a' };
    const perSec = rate(m);
    switch (m.id) {
      case 'redis-benchmark':
        return { ...base, measured: `${fmt(perSec!)} XADD/s`, target: 'machine limit (reference)', ratio: '1.00', verdict: 'reference' };
      case 'ioredis-pipeline':
        return {
          ...base,
          measured: `${fmt(perSec!)} XADD/s`,
          target: 'hand-written (reference)',
          ratio: rb ? `${((perSec! / rb) * 100).toFixed(1)} % of #1` : 'n/a',
          verdict: 'reference',
        };
      case 'streams-bench':
        return ratioRow({ ...base, measured: `${fmt(perSec!)} envelopes/s` }, perSec, rb, '1', TARGETS.writesOfRedisBenchmark, true);
      case 'bullmq':
        return { ...base, measured: `${fmt(perSec!)} jobs/s`, target: 'baseline (reference)', ratio: '1.00', verdict: 'reference' };
      case 'actor-commit':
        return ratioRow({ ...base, measured: `${fmt(perSec!)} envelopes/s` }, perSec, bull, '4', TARGETS.actorCommitOfBullmq, false);
      case 'actor-ack':
        return ratioRow({ ...base, measured: `${fmt(perSec!)} envelopes/s` }, perSec, bull, '4', TARGETS.actorAckOfBullmq, false);
      case 'bare-commit':
      case 'bare-ack':
        return {
          ...base,
          measured: `${fmt(perSec!)} envelopes/s`,
          target: 'hand-written (reference)',
          ratio: bull ? `${(perSec! / bull).toFixed(2)}x #4` : 'n/a',
          verdict: 'reference',
        };
      case 'actor-commit-2p': {
        const one = rate(by.get('actor-commit'));
        return {
          ...base,
          measured: `${fmt(perSec!)} envelopes/s`,
          target: 'what a 2nd process buys (reference)',
          ratio: one ? `${(perSec! / one).toFixed(2)}x #5a` : 'n/a',
          verdict: 'reference',
        };
      }
      case 'entity-commit': {
        const one = rate(by.get('actor-commit'));
        return {
          ...base,
          measured: `${fmt(perSec!)} envelopes/s`,
          target: 'beside the stateless actor (reference)',
          ratio: one ? `${(perSec! / one).toFixed(2)}x #5a` : 'n/a',
          verdict: 'reference',
        };
      }
      case 'pipeline-latency': {
        const l = m.endToEnd!.latencyMs;
        const limit = TARGETS.pipelineP99Ms;
        const ok = l.p99 < limit && l.max < TARGETS.pipelineMaxMs;
        return {
          ...base,
          measured: `p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms (max ${l.max.toFixed(1)})`,
          target: `p99 < ${limit} ms, max < ${TARGETS.pipelineMaxMs} ms`,
          ratio: `p99 = ${(l.p99 / limit).toFixed(2)} of limit`,
          verdict: ok ? 'met' : 'not met',
        };
      }
      case 'actor-rss': {
        const r = m.rss!;
        const slope = `${r.slopeMbPer100k >= 0 ? '+' : ''}${r.slopeMbPer100k.toFixed(2)} MB/100k`;
        const grown = Math.max(r.finalMb - r.warmupMb, r.projectedGrowthMb);
        return {
          ...base,
          measured: `median ${r.warmupMb.toFixed(0)} MB at 20-40 % -> ${r.finalMb.toFixed(0)} MB in the last 20 % of ${fmt(r.n)} (${slope})`,
          target: `flat after warm-up (< ${TARGETS.rssGrowth * 100} % growth)`,
          ratio: `final/warm-up ${(r.finalMb / r.warmupMb).toFixed(2)}`,
          verdict: grown < TARGETS.rssGrowth * r.warmupMb ? 'met' : 'not met',
        };
      }
    }
  });
}

const HEAD = ['#', 'scenario', 'measured', 'target', 'ratio', 'verdict'];
const cells = (r: ReportRow): string[] => [r.no, r.scenario, r.measured, r.target, r.ratio, r.verdict];

/** One line of the CPU table: a throughput row's CPU per envelope and its ratio to the bare loop of the same run. */
export interface CpuRow {
  no: string;
  scenario: string;
  rate: string;
  nodeUs: string;
  redisUs: string;
  ratio: string;
  target: string;
  verdict: Verdict;
}

const CPU_REFERENCE: Partial<Record<Measurement['id'], { ref: Measurement['id']; limits?: readonly [number, number] }>> = {
  bullmq: { ref: 'bare-commit' },
  'actor-commit': { ref: 'bare-commit', limits: TARGETS.actorCommitCpuOfBare },
  'actor-ack': { ref: 'bare-ack', limits: TARGETS.actorAckCpuOfBare },
  'actor-commit-2p': { ref: 'bare-commit' },
  'entity-commit': { ref: 'bare-commit' },
};

/** CPU per envelope of every throughput row that measured it: Node (the working processes) and Redis (`INFO cpu`). */
export function buildCpuRows(measurements: readonly Measurement[]): CpuRow[] {
  const by = new Map(measurements.map((m) => [m.id, m]));
  const rows: CpuRow[] = [];
  for (const m of measurements) {
    const cpu = m.skipped ? null : cpuPerEnvelope(m.throughput);
    if (!cpu) continue;
    const [no, scenario] = LABELS[m.id];
    const spec = CPU_REFERENCE[m.id];
    const refM = spec ? by.get(spec.ref) : undefined;
    const ref = refM && !refM.skipped ? cpuPerEnvelope(refM.throughput) : null;
    const row: CpuRow = {
      no,
      scenario,
      rate: `${fmt(m.throughput!.perSec)}/s`,
      nodeUs: cpu.nodeUs.toFixed(1),
      redisUs: cpu.redisUs.toFixed(1),
      ratio: '',
      target: '',
      verdict: spec ? 'n/a' : 'reference',
    };
    if (spec && ref) {
      const [rn, rr] = [cpu.nodeUs / ref.nodeUs, cpu.redisUs / ref.redisUs];
      const refNo = LABELS[spec.ref][0];
      row.ratio = `Node ${rn.toFixed(2)}x, Redis ${rr.toFixed(2)}x #${refNo}`;
      if (spec.limits) {
        row.target = `Node <= ${spec.limits[0]}x, Redis <= ${spec.limits[1]}x #${refNo}`;
        row.verdict = rn <= spec.limits[0] && rr <= spec.limits[1] ? 'met' : 'not met';
      } else row.verdict = 'reference';
    }
    rows.push(row);
  }
  return rows;
}

const CPU_HEAD = ['#', 'loop', 'rate', 'Node µs/env', 'Redis µs/env', 'ratio to bare loop', 'target', 'verdict'];
const cpuCells = (r: CpuRow): string[] => [r.no, r.scenario, r.rate, r.nodeUs, r.redisUs, r.ratio, r.target, r.verdict];

/** The CPU table for a terminal. */
export function renderCpuTable(rows: readonly CpuRow[]): string {
  const table = new Table({ head: CPU_HEAD, style: { head: [], border: [] }, wordWrap: true, colWidths: [4, 30, 11, 8, 8, 22, 20, 9] });
  for (const r of rows) table.push(cpuCells(r));
  return table.toString();
}

/** The CPU table in Markdown. */
export function markdownCpuTable(rows: readonly CpuRow[]): string {
  const line = (c: string[]): string => `| ${c.map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(CPU_HEAD), line(CPU_HEAD.map(() => '---')), ...rows.map((r) => line(cpuCells(r)))].join('\n');
}

/** The table for a terminal. */
export function renderTable(rows: readonly ReportRow[]): string {
  const table = new Table({ head: HEAD, style: { head: [], border: [] }, wordWrap: true, colWidths: [4, 32, 34, 26, 20, 11] });
  for (const r of rows) table.push(cells(r));
  return table.toString();
}

/** The table in Markdown. */
export function markdownTable(rows: readonly ReportRow[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const line = (c: string[]): string => `| ${c.map(esc).join(' | ')} |`;
  return [line(HEAD), line(HEAD.map(() => '---')), ...rows.map((r) => line(cells(r)))].join('\n');
}

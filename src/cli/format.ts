/**
 * Human output of the operator commands: tables (cli-table3, no colours unless on a terminal)
 * and short renderings of durations, byte counts and optional values.
 */
import Table from 'cli-table3';

/** A table cell value. */
export type Cell = string | number | boolean | null | undefined;

/** Renders rows under a header; right-aligns the columns listed in `numeric`. */
export function renderTable(head: string[], rows: Cell[][], opts: { numeric?: number[]; color?: boolean } = {}): string {
  const numeric = new Set(opts.numeric ?? []);
  const table = new Table({
    head,
    style: { head: opts.color ? ['bold'] : [], border: [], compact: true },
    colAligns: head.map((_, i) => (numeric.has(i) ? 'right' : 'left')),
  });
  for (const r of rows) table.push(r.map((c) => (c === null || c === undefined ? '-' : c)));
  return table.toString();
}

/** '850ms', '12s', '5m 3s', '2h 10m', '3d 4h'. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** '512 B', '1.5 KiB', '3.2 MiB', ... */
export function formatBytes(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** Cuts text to `max` characters on one line, marking the cut with '…'. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** Pretty JSON for stdout. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

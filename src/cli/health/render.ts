/**
 * Human rendering of a HealthReport: streams, groups, consumers and DLQ depth as tables, then the
 * problems and warnings, then one verdict line.
 */
import { formatBytes, formatDuration, renderTable } from '../format.js';
import type { HealthReport, StreamHealth } from './collect.js';

/** Short name of a stream for tables: kind, topic and partition when not 0 (the full key is in --json). */
export function streamLabel(s: StreamHealth): string {
  if (s.kind === 'other' || s.topic === null) return s.key;
  return `${s.kind}:${s.topic}${s.partition ? `#p${s.partition}` : ''}`;
}

/** The report as text for a terminal. */
export function renderHealth(r: HealthReport, opts: { color?: boolean } = {}): string {
  const color = opts.color ?? false;
  const parts: string[] = [`streams under prefix "${r.prefix}" at ${r.checkedAt}`];
  if (r.streams.length === 0) {
    parts.push('no streams found under this prefix');
  } else {
    parts.push(
      renderTable(
        ['stream', 'length', 'first id', 'last id', 'memory', 'groups'],
        r.streams.map((s) => [streamLabel(s), s.length, s.firstId, s.lastId, formatBytes(s.memoryBytes), s.groups.length]),
        { numeric: [1, 4, 5], color },
      ),
    );
    const groups = r.streams.flatMap((s) => s.groups.map((g) => ({ s, g })));
    if (groups.length > 0) {
      parts.push(
        renderTable(
          ['stream', 'group', 'lag', 'pending', 'last delivered', 'consumers', 'alive', 'stale'],
          groups.map(({ s, g }) => [
            streamLabel(s),
            g.name,
            g.lag,
            g.pending,
            g.lastDeliveredId,
            g.consumers.length,
            g.consumers.filter((c) => c.alive).length,
            g.stale ? 'STALE' : '',
          ]),
          { numeric: [2, 3, 5, 6], color },
        ),
      );
    }
    const consumers = groups.flatMap(({ s, g }) =>
      g.consumers.map((c) => [streamLabel(s), g.name, c.name, formatDuration(c.idleMs), c.pending, c.alive ? 'alive' : 'DEAD']),
    );
    if (consumers.length > 0) parts.push(renderTable(['stream', 'group', 'consumer', 'idle', 'pending', 'heartbeat'], consumers, { numeric: [3, 4], color }));
  }
  if (r.dlq.length > 0)
    parts.push(
      renderTable(
        ['topic', 'dlq depth'],
        r.dlq.map((d) => [d.topic, d.depth]),
        { numeric: [1], color },
      ),
    );
  for (const w of r.warnings) parts.push(`warning: ${w.message}`);
  for (const p of r.problems) parts.push(`PROBLEM: ${p.message}`);
  parts.push(r.healthy ? 'healthy' : `UNHEALTHY: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`);
  return parts.join('\n');
}

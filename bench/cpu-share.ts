/**
 * How much CPU other processes took while a scenario ran (Linux /proc): the machine's busy time
 * minus the bench's own (this process, its reaped workers, and the Redis server when it is local).
 * Every scenario shares the cores with Redis, so foreign load skews the figures; the report says so.
 */
import { readFileSync } from 'node:fs';

/** Busy and total jiffies of the machine, and the bench's own, at one instant. */
export interface CpuSnapshot {
  busy: number;
  total: number;
  ours: number;
  cores: number;
}

function procTimes(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): utime stime cutime cstime are 12-15.
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0);
}

/** A snapshot, or null where /proc is not available. `pids`: other processes of ours (the Redis server). */
export function cpuSnapshot(pids: readonly number[] = []): CpuSnapshot | null {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = lines[0]!.trim().split(/\s+/).slice(1).map(Number);
    const cores = lines.filter((l) => /^cpu\d+ /.test(l)).length || 1;
    let ours = procTimes('self');
    for (const pid of pids) {
      try {
        ours += procTimes(pid);
      } catch {
        // gone: its time is lost to the count, which only makes the estimate of foreign load higher
      }
    }
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait, ours, cores };
  } catch {
    return null;
  }
}

/** Cores' worth of CPU used by other processes between two snapshots (0 when unknown). */
export function foreignCores(a: CpuSnapshot | null, b: CpuSnapshot | null): number {
  if (!a || !b || b.total <= a.total) return 0;
  const share = (b.busy - a.busy - (b.ours - a.ours)) / (b.total - a.total);
  return Math.max(0, Math.round(share * b.cores * 100) / 100);
}

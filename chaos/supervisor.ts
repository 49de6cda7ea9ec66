/**
 * Starts, kills and restarts the chaos stage processes. Each slot keeps its consumer name across
 * restarts. A process killed by the driver comes back after the pause the driver chose; a process
 * that dies on its own (the crash poison) comes back after a growing backoff, as under systemd or
 * Kubernetes, so a crash loop does not spin.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** One process slot: a stage and a stable consumer name. */
export interface Slot {
  stage: string;
  consumer: string;
}

/** Options of the Supervisor. */
export interface SupervisorOptions {
  /** The stage process entry (a .ts file run through tsx). */
  fixture: string;
  /** Environment shared by every slot (STAGE and CONSUMER are added per slot). */
  env: Record<string, string>;
  /** Restart delay after the n-th consecutive crash of a slot (n starts at 1). */
  crashBackoffMs: (n: number) => number;
  /** A slot up this long without crashing starts its backoff again from 1. */
  stableAfterMs: number;
  /** Longest wait for a process to print "ready". */
  readyTimeoutMs: number;
  /** Lines of stderr kept per slot for failure reports. */
  tailLines: number;
}

/** Defaults of SupervisorOptions (fixture and env have none). */
export const DEFAULT_SUPERVISOR_OPTIONS: Readonly<Omit<SupervisorOptions, 'fixture' | 'env'>> = Object.freeze({
  crashBackoffMs: (n: number) => Math.min(2_000, 250 * 2 ** (n - 1)),
  stableAfterMs: 5_000,
  readyTimeoutMs: 30_000,
  tailLines: 40,
});

/** What the supervisor did, for the chaos report. */
export interface SupervisorCounts {
  /** SIGKILLs sent by the driver. */
  kills: number;
  /** Processes that exited on their own with a non-zero status (the crash poison). */
  crashes: number;
  /** Processes started again after a kill or a crash. */
  restarts: number;
}

interface SlotState {
  slot: Slot;
  proc: ChildProcess | null;
  ready: boolean;
  /** Set while a restart is scheduled or starting. */
  restarting: boolean;
  consecutiveCrashes: number;
  upSince: number;
  killedByUs: boolean;
  tail: string[];
}

/** Keeps a fixed set of stage processes alive while the driver kills them. */
export class Supervisor {
  readonly counts: SupervisorCounts = { kills: 0, crashes: 0, restarts: 0 };
  private readonly options: SupervisorOptions;
  private readonly states: SlotState[];
  private stopping = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly starting = new Set<Promise<void>>();

  constructor(slots: Slot[], options: Pick<SupervisorOptions, 'fixture' | 'env'> & Partial<SupervisorOptions>) {
    this.options = { ...DEFAULT_SUPERVISOR_OPTIONS, ...options };
    this.states = slots.map((slot) => ({ slot, proc: null, ready: false, restarting: false, consecutiveCrashes: 0, upSince: 0, killedByUs: false, tail: [] }));
  }

  /** A driver that dies must not leave stage processes behind. */
  private readonly killOnExit = (): void => {
    for (const s of this.states) s.proc?.kill('SIGKILL');
  };

  /** Starts every slot and waits until all print "ready". */
  async startAll(): Promise<void> {
    process.on('exit', this.killOnExit);
    await Promise.all(this.states.map((s) => this.launch(s)));
  }

  /** Slots whose process is up and ready (candidates for a kill). */
  liveSlots(): Slot[] {
    return this.states.filter((s) => s.ready && !s.restarting).map((s) => s.slot);
  }

  /** True when every slot has a ready process. */
  allUp(): boolean {
    return this.states.every((s) => s.ready && !s.restarting);
  }

  /** SIGKILLs a slot's process and starts it again after pauseMs. */
  kill(slot: Slot, pauseMs: number): void {
    const s = this.stateOf(slot);
    if (!s.proc || !s.ready || s.restarting) return;
    s.killedByUs = true;
    s.restarting = true;
    this.counts.kills += 1;
    s.proc.kill('SIGKILL');
    this.later(pauseMs, s);
  }

  /** Last stderr lines of every slot (for a failure report). */
  tails(): Record<string, string[]> {
    return Object.fromEntries(this.states.map((s) => [s.slot.consumer, [...s.tail]]));
  }

  /** Stops restarting, sends SIGTERM to every process and returns each exit code (null: killed by a signal). */
  async stopAll(timeoutMs = 15_000): Promise<Record<string, number | null>> {
    this.stopping = true;
    process.off('exit', this.killOnExit);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.starting]);
    const codes: Record<string, number | null> = {};
    await Promise.all(
      this.states.map(async (s) => {
        const proc = s.proc;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
        codes[s.slot.consumer] = await exited;
        clearTimeout(timer);
      }),
    );
    return codes;
  }

  private stateOf(slot: Slot): SlotState {
    const s = this.states.find((x) => x.slot.consumer === slot.consumer);
    if (!s) throw new Error(`unknown slot ${slot.consumer}`);
    return s;
  }

  private later(ms: number, s: SlotState): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stopping) return;
      this.counts.restarts += 1;
      const p = this.launch(s).catch((err: unknown) => {
        s.tail.push(`restart failed: ${(err as Error).message}`);
        // A process that died before "ready" (e.g. crashed on its own pending poison) is handled by its exit handler.
      });
      this.starting.add(p);
      void p.finally(() => this.starting.delete(p));
    }, ms);
    this.timers.add(t);
  }

  private launch(s: SlotState): Promise<void> {
    const env = { ...process.env, ...this.options.env, STAGE: s.slot.stage, CONSUMER: s.slot.consumer };
    const proc = spawn(process.execPath, ['--import', 'tsx', this.options.fixture], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    s.proc = proc;
    s.ready = false;
    s.killedByUs = false;
    s.upSince = 0;
    proc.stderr!.on('data', (d: Buffer) => {
      for (const line of String(d).split('\n').filter(Boolean)) {
        s.tail.push(line);
        if (s.tail.length > this.options.tailLines) s.tail.shift();
      }
    });
    proc.once('exit', (code, signal) => this.onExit(s, proc, code, signal));
    return new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${s.slot.consumer} not ready after ${this.options.readyTimeoutMs} ms`)), this.options.readyTimeoutMs);
      proc.stdout!.on('data', (d: Buffer) => {
        out += String(d);
        if (!s.ready && out.includes('ready')) {
          s.ready = true;
          s.restarting = false;
          s.upSince = Date.now();
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${s.slot.consumer} exited with ${code} before it was ready`));
      });
    });
  }

  private onExit(s: SlotState, proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (s.proc !== proc) return;
    s.ready = false;
    if (this.stopping || s.killedByUs) return;
    // Died on its own: the crash poison (or a bug). Restart with a growing backoff.
    this.counts.crashes += 1;
    s.tail.push(`exited on its own: code ${code} signal ${signal}`);
    const stable = s.upSince > 0 && Date.now() - s.upSince > this.options.stableAfterMs;
    s.consecutiveCrashes = stable ? 1 : s.consecutiveCrashes + 1;
    s.restarting = true;
    this.later(this.options.crashBackoffMs(s.consecutiveCrashes), s);
  }
}

/**
 * Parent side of a measured child process. Node scenarios run in a fresh `node --import tsx`
 * process each, so no scenario inherits another's heap, JIT state or open connections, and one
 * can be profiled alone (--cpu-prof). Messages are `{ type, ... }` over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.js';
import type { WorkerName } from './workers/names.js';

/** A message between the bench and a worker process. */
export interface WorkerMessage {
  type: string;
  [field: string]: unknown;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = fileURLToPath(new URL('./workers/main.ts', import.meta.url));

/** One worker process running one measured scenario. */
export class BenchWorker {
  private readonly inbox: WorkerMessage[] = [];
  private readonly waiters: { type: string; resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }[] = [];
  private readonly listeners = new Map<string, (m: WorkerMessage) => void>();
  private failure: Error | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: WorkerName,
    private readonly child: ChildProcess,
  ) {
    // 'close', not 'exit': it comes after the IPC channel is drained, so a last message is never lost.
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.on('message', (raw) => this.receive(raw as WorkerMessage));
    child.once('close', (code, signal) => this.fail(new Error(`worker ${name} exited (${signal ?? `code ${code}`}) before it finished`)));
    child.once('error', (err) => this.fail(err));
  }

  /** Forks `bench/workers/main.ts <name> <params>`; the process is killed by `cleanup` if the run stops early. */
  static start(name: WorkerName, params: object, cleanup: Cleanup, opts: { cpuProfDir?: string } = {}): BenchWorker {
    const prof = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
    const child = fork(MAIN, [name, JSON.stringify(params)], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx', ...prof],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new BenchWorker(name, child);
    const unregister = cleanup.add(`worker ${name}`, () => worker.stop());
    void worker.exited.then(unregister);
    return worker;
  }

  /** Calls `fn` for every message of this type (instead of queueing it). */
  on(type: string, fn: (m: WorkerMessage) => void): void {
    this.listeners.set(type, fn);
  }

  /** Sends a message to the worker. */
  send(message: WorkerMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  /** The next message of this type; rejects if the worker reports an error or exits first. */
  next(type: string): Promise<WorkerMessage> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ type, resolve, reject }));
  }

  /** Waits for the worker's result, then for the process to exit (so a CPU profile is written). */
  async result<T>(): Promise<T> {
    const m = await this.next('result');
    await this.exited;
    return m.result as T;
  }

  /** Kills the process if it still runs and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private receive(m: WorkerMessage): void {
    if (m.type === 'error') return this.fail(new Error(`worker ${this.name} failed: ${String(m.message)}`));
    const listener = this.listeners.get(m.type);
    if (listener) return listener(m);
    const i = this.waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    else this.inbox.push(m);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }
}

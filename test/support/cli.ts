/**
 * Runs an operator command (bin/<name>.ts) as a real child process, the way operators and probes
 * do, and captures stdout, stderr and the exit status.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What one run produced. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time of the run, for the "fails fast" checks (generous bounds only). */
  ms: number;
}

/** Options of runCli. */
export interface RunCliOptions {
  /** Extra environment (merged over a copy of this process's, with REDIS_URL and STREAMS_PREFIX removed). */
  env?: Record<string, string>;
  /** Kill the child after this long (the run then has code null). */
  timeoutMs?: number;
  /** Text written to the child's stdin (then closed); stdin is ignored otherwise. */
  stdin?: string;
  /** Called with each stdout chunk; may return true to send SIGINT (watch mode). */
  onStdout?: (soFar: string) => boolean;
}

/** Runs `bin/<bin>.ts` with args through tsx and resolves when it exits. */
export function runCli(bin: string, args: string[], opts: RunCliOptions = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The tests say where Redis is and which prefix to use explicitly; the runner's own env must not leak in.
  delete env.REDIS_URL;
  delete env.STREAMS_PREFIX;
  delete env.REDIS_CLUSTER_NODES;
  Object.assign(env, opts.env ?? {});
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', `bin/${bin}.ts`, ...args], {
    cwd: ROOT,
    env,
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout!.on('data', (d) => {
    stdout += String(d);
    if (!interrupted && opts.onStdout?.(stdout)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Parses a run's stdout as JSON, failing with the output in the message when it is not. */
export function jsonOf<T = unknown>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

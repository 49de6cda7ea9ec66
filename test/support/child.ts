/** Test fixtures run as child processes (through tsx) that print `ready` once they consume. */
import { spawn, type ChildProcess } from 'node:child_process';

/** A started fixture process and its exit code once it ends. */
export interface Child {
  proc: ChildProcess;
  exit: Promise<number | null>;
}

/** Starts `fixture` with extra environment and resolves once it prints `ready` (rejects if it exits first). */
export async function startFixture(fixture: string, env: Record<string, string>, what = 'fixture'): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) resolve();
    });
    void exit.then((code) => reject(new Error(`${what} exited with ${code} before it was ready`)));
  });
  return { proc, exit };
}

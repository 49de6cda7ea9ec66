/**
 * A redis-server child process on a free port, owned by one test (or the whole run): it can be
 * stopped, killed with SIGKILL and restarted on the same port and data directory, so tests can
 * take Redis away from running actors on purpose.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Finds a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** True when a redis-server binary is on PATH. */
export function hasRedisServerBinary(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Options for a test-owned server. */
export interface RedisServerOptions {
  /** Extra redis-server arguments, e.g. ['--appendonly', 'yes', '--appendfsync', 'always']. */
  args?: string[];
  port?: number;
}

const live = new Set<ChildProcess>();
// A test run that dies must not leave servers behind.
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A running redis-server started by the harness. */
export class RedisServer {
  private child: ChildProcess | null = null;
  private detached = false;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  /** Starts a server on a free (or given) port and waits until it answers PING. */
  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    const port = opts.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'sa-redis-'));
    const srv = new RedisServer(port, dir, opts.args ?? []);
    await srv.launch();
    return srv;
  }

  /** Lets the test process exit while this server runs (it is still killed on exit). */
  unref(): void {
    this.detached = true;
    this.child?.unref();
  }

  /** redis:// URL of this server. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Process id of the running server, or null. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...this.args];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    if (this.detached) child.unref();
    this.child = child;
    live.add(child);
    child.on('exit', () => live.delete(child));
    await waitForPing(this.url, 10_000);
  }

  /** Stops the server: SIGTERM (clean shutdown, AOF flushed) or SIGKILL (a crash). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.child = null;
  }

  /** Stops (or kills) the server and starts it again on the same port and data directory. */
  async restart(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', downMs = 0): Promise<void> {
    await this.stop(signal);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  /** Stops the server and removes its data directory. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves once PING answers at url, or throws after timeoutMs. */
export async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      return;
    } catch (err) {
      lastError = err;
      r.disconnect();
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  throw new Error(`redis at ${url} did not answer within ${timeoutMs} ms: ${String(lastError)}`);
}

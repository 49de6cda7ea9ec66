/**
 * Throwaway TLS material and a TLS-only redis-server for the rediss:// tests: a CA and a server
 * certificate for 127.0.0.1/localhost made with the openssl CLI in a temp dir at test time (no key
 * is ever committed), and a server listening only on a TLS port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './redis-server.js';

/** Paths and PEM of a generated CA and server certificate. */
export interface TestCertificates {
  dir: string;
  caCert: string;
  caPem: string;
  serverCert: string;
  serverKey: string;
  /** Removes the directory. */
  dispose(): void;
}

/** True when the openssl CLI is on PATH. */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

/** A one-day CA (P-256) and a server certificate it signed, for DNS:localhost and IP:127.0.0.1. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'sa-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=stream-actors test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl(dir, ['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(
    join(dir, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'server.ext',
  ]);
  const caCert = join(dir, 'ca.crt');
  return {
    dir,
    caCert,
    caPem: readFileSync(caCert, 'utf8'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A redis-server listening on a TLS port only. */
export interface TlsRedis {
  port: number;
  /** rediss:// URL of the server. */
  url: string;
  stop(): Promise<void>;
}

/** Why a TLS server could not start: the build lacks TLS, or something else went wrong. */
export class TlsUnavailableError extends Error {
  constructor(
    message: string,
    /** True when redis-server itself says it was built without TLS. */
    readonly buildLacksTls: boolean,
  ) {
    super(message);
    this.name = 'TlsUnavailableError';
  }
}

/**
 * Starts `redis-server --port 0 --tls-port <free>` with the certificates; resolves once a verified TLS
 * PING answers. It also listens on 127.0.0.2, an address the certificate does not name.
 */
export async function startTlsRedis(certs: TestCertificates): Promise<TlsRedis> {
  const port = await freePort();
  const args = [
    '--port',
    '0',
    '--tls-port',
    String(port),
    '--bind',
    '127.0.0.1',
    '127.0.0.2',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    certs.dir,
    '--tls-cert-file',
    certs.serverCert,
    '--tls-key-file',
    certs.serverKey,
    '--tls-ca-cert-file',
    certs.caCert,
    '--tls-auth-clients',
    'no',
  ];
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      // Debian/Ubuntu builds have TLS; a build without it says so and exits.
      throw new TlsUnavailableError(
        `redis-server with --tls-port exited: ${output.trim().split('\n').slice(-3).join(' | ')}`,
        /TLS|tls-port/i.test(output) && /not (built|supported|compiled)|Bad directive|unknown/i.test(output),
      );
    }
    const probe = new Redis({
      host: '127.0.0.1',
      port,
      tls: { ca: certs.caPem, servername: 'localhost' },
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 500,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return { port, url: `rediss://127.0.0.1:${port}`, stop };
    } catch {
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await stop();
  throw new Error(`TLS redis-server did not answer on port ${port}: ${output.slice(-500)}`);
}

/**
 * The secret scanner CI runs (`npm run secrets`, secretlint with the repo's .secretlintrc.json)
 * is alive: it flags secrets planted in a temp dir (assembled at run time, so none is committed)
 * and passes a clean file.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function secretlint(file: string): { status: number | null; output: string } {
  const r = spawnSync('npx', ['--no', '--', 'secretlint', '--secretlintrc', join(ROOT, '.secretlintrc.json'), file], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const s = suite('security: secret scanner');

s('secretlint flags a planted GitHub token and private key, and passes a clean file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-secretlint-'));
  try {
    const alnum = randomBytes(64)
      .toString('base64')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 36)
      .padEnd(36, 'x');
    const token = ['gh', 'p_', alnum].join('');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(join(dir, 'token.ts'), `export const client = { auth: '${token}' };\n`);
    writeFileSync(join(dir, 'key.pem'), privateKey);
    writeFileSync(join(dir, 'clean.ts'), "export const greeting = 'hello';\n");

    const tokenRun = secretlint(join(dir, 'token.ts'));
    assert.is(tokenRun.status, 1, `the token is flagged:\n${tokenRun.output}`);
    assert.match(tokenRun.output, /GITHUB_TOKEN|secretlint-rule-github/);
    assert.not.ok(tokenRun.output.includes(token), 'the report masks the token itself');

    const keyRun = secretlint(join(dir, 'key.pem'));
    assert.is(keyRun.status, 1, `the private key is flagged:\n${keyRun.output}`);
    assert.match(keyRun.output, /privatekey/i);

    assert.is(secretlint(join(dir, 'clean.ts')).status, 0, 'a clean file passes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();

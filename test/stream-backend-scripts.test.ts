/**
 * The Lua scripts as files: every `.lua` in src/streams/scripts is loaded by the one loader, its
 * name says how many keys it takes and its header documents KEYS, ARGV and the reply; the SHA1
 * the loader computes is the one Redis knows the script by once the backend has run it.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createKeys } from '../src/streams/keys.js';
import { SCRIPTS } from '../src/streams/scripts/index.js';
import { gated } from './support/skip.js';
import { prefixedRedis, redisSkipReason } from './support/redis.js';

const DIR = fileURLToPath(new URL('../src/streams/scripts/', import.meta.url));
const loaded = Object.values(SCRIPTS);

const files = suite('Lua script files');

files('every .lua file of the folder is loaded, and only those', () => {
  const onDisk = readdirSync(DIR)
    .filter((f) => f.endsWith('.lua'))
    .sort();
  assert.equal(loaded.map((s) => s.file).sort(), onDisk);
});

files('each file is named <what>-<key count>.lua (N: declared by the caller) and its header documents KEYS, ARGV and the reply', () => {
  for (const s of loaded) {
    assert.is(s.file, `${s.name}-${s.keys ?? 'N'}.lua`);
    const header = s.lua.slice(0, s.lua.search(/^[^-\n]/m));
    assert.match(header, new RegExp(`^-- ${s.name} \\(`), `${s.file} starts by naming itself`);
    assert.match(header, /^-- KEYS/m, `${s.file} documents KEYS`);
    assert.match(header, /^-- ARGV/m, `${s.file} documents ARGV`);
    assert.match(header, /^-- Returns/m, `${s.file} documents its reply`);
    if (s.keys !== null) for (let k = 1; k <= s.keys; k++) assert.match(header, `KEYS[${k}]`, `${s.file} documents KEYS[${k}]`);
    assert.match(s.sha, /^[0-9a-f]{40}$/);
  }
});

files.run();

const onRedis = gated(suite('Lua scripts on Redis'), await redisSkipReason());

onRedis('Redis knows each script by the SHA1 the loader computed, once the backend has run it', async () => {
  const r = await prefixedRedis('lua');
  try {
    const { backend, prefix } = r!;
    const keys = createKeys(prefix);
    const stream = keys.topic('lua');
    await backend.ensureGroup(stream, 'g', '0');
    // Runs commit-N.lua (EVALSHA, or EVAL when the server did not have it yet).
    await backend.commit({ items: [{ outputs: [{ stream, fields: ['n', '1'] }] }], markerTtlMs: 60_000 });
    assert.equal(await backend.connection.call('SCRIPT', 'EXISTS', SCRIPTS.commit.sha), [1]);
    for (const s of loaded) assert.is(await backend.connection.call('SCRIPT', 'LOAD', s.lua), s.sha, `${s.file} sha`);
  } finally {
    await r?.cleanup();
  }
});

onRedis.run();

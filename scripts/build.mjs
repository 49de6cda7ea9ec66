#!/usr/bin/env node
// Builds what the package ships: tsc over src and bin into dist/, copies the Lua scripts
// (src/**/*.lua) and the dashboard's assets beside their compiled loaders, then makes every dist/bin/*.js
// a plain-node executable (`#!/usr/bin/env node`, mode 755). The sources keep their tsx shebang so
// `./bin/actors.ts` still runs from a clone; installed bins must not need tsx.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `npm pack` and `npm publish` run prepack, then prepare: build once, in prepack.
const event = process.env.npm_lifecycle_event;
const command = process.env.npm_command;
if (event === 'prepare' && (command === 'pack' || command === 'publish')) process.exit(0);

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

// `npm ci --omit=dev` runs prepare without TypeScript: keep the install working, say what is missing.
if (!existsSync(tsc)) {
  console.error('build: typescript is not installed (dev dependencies omitted?); dist/ not built');
  process.exit(event === 'prepare' ? 0 : 1);
}

// A stale dist could ship files whose source is gone.
rmSync(`${root}dist`, { recursive: true, force: true });
const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (res.status !== 0) process.exit(res.status ?? 1);

// tsc copies no static files. Those read at run time from beside their compiled module: the Lua
// scripts (src/streams/scripts/index.js) and the dashboard's page (src/dashboard/assets.js).
for (const rel of readdirSync(`${root}src`, { recursive: true })) {
  if (String(rel).endsWith('.lua')) copyFileSync(`${root}src/${rel}`, `${root}dist/src/${rel}`);
}
cpSync(`${root}src/dashboard/assets`, `${root}dist/src/dashboard/assets`, { recursive: true });

const binDir = `${root}dist/bin`;
for (const name of readdirSync(binDir)) {
  if (!name.endsWith('.js')) continue;
  const file = `${binDir}/${name}`;
  const text = readFileSync(file, 'utf8');
  const body = text.startsWith('#!') ? text.slice(text.indexOf('\n') + 1) : text;
  writeFileSync(file, `#!/usr/bin/env node\n${body}`);
  chmodSync(file, 0o755);
}

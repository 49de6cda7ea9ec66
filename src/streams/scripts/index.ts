/**
 * The Redis backend's Lua scripts, one `.lua` file each in this folder, named for what it does and
 * how many keys it takes (`move-entry-2.lua`; `-N` when the caller declares the count, as the
 * commit does), with a KEYS/ARGV header. This module is the only one that loads and registers
 * them: each file is read once at import and its SHA1 computed once; `defineScripts` registers
 * them all on a connection. The built package finds them beside this module (scripts/build.mjs
 * copies them into dist). Their arguments are built, and replies decoded, in ./args.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { StreamBackendError } from '../backend.js';

/** One loaded script. */
export interface LuaScript {
  /** What it does, e.g. 'move-entry'. */
  readonly name: string;
  /** Its file in this folder. */
  readonly file: string;
  /** How many KEYS it takes; null when the caller declares the count (variable). */
  readonly keys: number | null;
  /** The command ioredis defines for it (EVALSHA, falling back to EVAL on NOSCRIPT). */
  readonly command: string;
  /** The script's text, as sent to Redis. */
  readonly lua: string;
  /** SHA1 of the text: what EVALSHA and SCRIPT EXISTS name it by. */
  readonly sha: string;
}

function load(name: string, keys: number | null, command: string): LuaScript {
  const file = `${name}-${keys ?? 'N'}.lua`;
  const lua = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
  return Object.freeze({ name, file, keys, command, lua, sha: createHash('sha1').update(lua).digest('hex') });
}

/** Every script the backend runs. */
export const SCRIPTS = Object.freeze({
  commit: load('commit', null, 'saCommit'),
  claimIdle: load('claim-idle', 1, 'saClaimIdle'),
  lease: load('lease', 1, 'saLease'),
  promoteDue: load('promote-due', 2, 'saPromoteDue'),
  safeTrim: load('safe-trim', 1, 'saSafeTrim'),
  moveEntry: load('move-entry', 2, 'saMoveEntry'),
});

/** One script invocation: which script, its KEYS and its ARGV (built in ./args.ts). */
export interface ScriptCall {
  script: LuaScript;
  keys: string[];
  args: (string | number)[];
}

/**
 * Registers every script on a connection or cluster client, once per client: ioredis then sends
 * EVALSHA and falls back to EVAL on NOSCRIPT, per connection and per cluster node; its pipelines
 * get the commands too.
 */
export function defineScripts(redis: Redis | Cluster): void {
  for (const s of Object.values(SCRIPTS)) {
    if (typeof (redis as unknown as Record<string, unknown>)[s.command] === 'function') continue;
    redis.defineCommand(s.command, s.keys === null ? { lua: s.lua } : { lua: s.lua, numberOfKeys: s.keys });
  }
}

type ScriptMethod = (...args: (string | number)[]) => unknown;

/** Queues a script call on a pipeline (its reply comes from exec()). */
export function queueScript(pipe: ChainableCommander, call: ScriptCall): void {
  void invoke(pipe, call);
}

/** Runs a script on a client on which defineScripts ran; resolves with its raw reply. */
export function runScript<T>(redis: Redis | Cluster, call: ScriptCall): Promise<T> {
  return invoke(redis, call) as Promise<T>;
}

function invoke(target: Redis | Cluster | ChainableCommander, { script, keys, args }: ScriptCall): unknown {
  const method = (target as unknown as Record<string, ScriptMethod | undefined>)[script.command];
  if (typeof method !== 'function') throw new StreamBackendError('BAD_ARGUMENT', `script ${script.file} is not registered on this connection (defineScripts)`);
  if (script.keys === null) return method.call(target, keys.length, ...keys, ...args);
  if (keys.length !== script.keys) throw new StreamBackendError('BAD_ARGUMENT', `script ${script.file} takes ${script.keys} keys, got ${keys.length}`);
  return method.call(target, ...keys, ...args);
}

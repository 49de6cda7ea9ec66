/**
 * Least privilege on Redis: the actor ACL of config/redis-actor.acl (documented in docs/ACL.md),
 * loaded with --aclfile into a redis-server started here. An actor connected as that user runs end
 * to end (emit, delayed emit, retry, DLQ, reclaim of a dead consumer's entry, safe trim with an
 * operator cap, heartbeats, graceful stop) without a single denied command; the same user cannot
 * read or write keys outside its prefix, nor run admin commands (NOPERM).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { PermanentError } from '../src/actors/errors.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { createKeys } from '../src/streams/keys.js';
import { RedisStreamBackend } from '../src/streams/redis-backend.js';
import { capturingLogger } from './support/quiet-logger.js';
import { RedisServer } from './support/redis-server.js';
import { redisBinarySkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';

const ACL_TEMPLATE = new URL('../config/redis-actor.acl', import.meta.url);

/** The shipped actor rules for one prefix and password, plus an admin for the test and a default user that may only PING. */
function renderAclFile(prefix: string, password: string, adminPassword: string): string {
  const sha = createHash('sha256').update(password).digest('hex');
  const actor = readFileSync(ACL_TEMPLATE, 'utf8').trim().replaceAll('{{PREFIX}}', prefix).replaceAll('{{PASSWORD_SHA256}}', sha);
  // The default user may only answer the harness's readiness probe (PING, and INFO for ioredis' ready check).
  return [actor, `user admin on >${adminPassword} ~* &* +@all`, 'user default on nopass -@all +ping +info', ''].join('\n');
}

/** Commands the server refused the actor user (ACL LOG), except ioredis' harmless CLIENT SETINFO on Redis >= 7.2 (docs/ACL.md). */
async function refusedCommands(admin: Redis): Promise<string[]> {
  const log = (await admin.call('ACL', 'LOG')) as unknown[][];
  const entries = log.map((e) => {
    const m = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < e.length; i += 2) m.set(e[i], e[i + 1]);
    return m;
  });
  return entries
    .filter((m) => m.get('username') === 'actor' && m.get('object') !== 'client|setinfo')
    .map((m) => `${String(m.get('reason'))}: ${String(m.get('object'))}`);
}

async function denied(what: Promise<unknown>): Promise<string> {
  try {
    await what;
  } catch (err) {
    return (err as Error).message;
  }
  return 'allowed';
}

const s = gated(suite('security: Redis ACL for actors'), redisBinarySkipReason());

s('an actor runs end to end as the ACL user, and that user cannot touch keys outside its prefix', async () => {
  const prefix = `acl${process.pid}`;
  const password = randomBytes(18).toString('base64url');
  const adminPassword = randomBytes(18).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'sa-acl-'));
  writeFileSync(join(dir, 'users.acl'), renderAclFile(prefix, password, adminPassword), { mode: 0o600 });
  const server = await RedisServer.start({ args: ['--aclfile', join(dir, 'users.acl')] });
  const admin = new Redis(`redis://admin:${adminPassword}@127.0.0.1:${server.port}`);
  const actorUrl = `redis://actor:${password}@127.0.0.1:${server.port}`;
  const backend = new RedisStreamBackend({ url: actorUrl, maxRetriesPerRequest: 2 });
  const keys = createKeys(prefix);
  const { logger, lines } = capturingLogger('warn');
  let runtime: ActorRuntime | null = null;
  try {
    await admin.set('other:secret', 'untouched');
    await admin.xadd(`${prefix}x:stream`, '*', 'f', 'v'); // a sibling prefix: `aclNNNx:` is not `aclNNN:`
    // A pending entry of a consumer that died: the actor must reclaim it (XAUTOCLAIM, XPENDING in a script).
    await admin.xgroup('CREATE', keys.topic('acl.in'), 'relay', '0', 'MKSTREAM');
    await admin.xadd(keys.topic('acl.in'), '*', ...encodeEnvelope(createEnvelope({ type: 'acl.in', payload: { k: 'orphan' } })));
    await admin.xreadgroup('GROUP', 'relay', 'ghost', 'COUNT', 1, 'STREAMS', keys.topic('acl.in'), '>');
    let failedOnce = false;
    const relay = defineActor({
      name: 'relay',
      consumes: ['acl.in'],
      emits: ['acl.out'],
      claimIdleMs: 100,
      heartbeatMs: 100,
      maxAttempts: 2,
      backoff: { initialMs: 20, maxMs: 50, multiplier: 2, jitter: 0 },
      handle: (env, ctx) => {
        const k = (env.payload as { k: string }).k;
        if (k === 'poison') throw new PermanentError('cannot handle this one');
        if (k === 'flaky' && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
        ctx.emit(ctx.derive('acl.out', { k, later: true }, { key: 'later' }), { delayMs: 30 });
        return [ctx.derive('acl.out', { k })];
      },
    });
    runtime = new ActorRuntime([relay], {
      backend,
      keys,
      consumer: 'acl-0',
      logger,
      options: { blockMs: 50, promoteIntervalMs: 20, trimIntervalMs: 50, retentionMs: 0, maxLenCap: 1_000, errorBackoffMs: 20 },
    });
    await runtime.start();
    await backend.appendMany(
      ['a', 'flaky', 'poison', 'b'].map((k) => ({ stream: keys.topic('acl.in'), fields: encodeEnvelope(createEnvelope({ type: 'acl.in', payload: { k } })) })),
    );
    await backend.append(keys.topic('acl.in'), ['not-an-envelope', 'x']);
    // a, b, the orphan and the retried flaky one: one output each now and one parked for later.
    await waitFor(
      'outputs, retry and dead letters',
      async () =>
        (await admin.xlen(keys.topic('acl.out'))) === 4 && (await admin.zcard(keys.delayed('acl.out'))) === 4 && (await admin.xlen(keys.dlq('acl.in'))) === 2,
      15_000,
      50,
    ).catch(async (err: Error) => {
      // A runtime change that needs a new command shows up here: name it.
      throw new Error(
        `${err.message}; commands refused to the actor user: ${JSON.stringify(await refusedCommands(admin))} (add them to config/redis-actor.acl and docs/ACL.md)`,
      );
    });
    await waitFor(
      'the dead consumer removed',
      async () => !(await backend.consumers(keys.topic('acl.in'), 'relay')).some((c) => c.name === 'ghost'),
      10_000,
      50,
    );
    await waitFor('trimmed to nothing unacknowledged', async () => (await admin.xlen(keys.topic('acl.in'))) === 0, 10_000, 50);
    await runtime.stop();
    runtime = null;
    assert.is((await backend.pendingSummary(keys.topic('acl.in'), 'relay')).count, 0, 'nothing pending');
    assert.is(await admin.exists(keys.heartbeat('relay', 'acl-0')), 0, 'heartbeat removed on stop');

    // Not one command of the run was refused.
    assert.equal(await refusedCommands(admin), [], 'no NOPERM during the run');
    assert.not.ok(
      lines().some((l) => /NOPERM/.test(JSON.stringify(l))),
      'no NOPERM in any log line',
    );

    // Outside the prefix: no read, no write, no admin command, not even through a script.
    const raw = backend.connection;
    const attempts: Record<string, () => Promise<unknown>> = {
      'GET other:secret': () => raw.get('other:secret'),
      'SET other:secret': () => raw.set('other:secret', 'overwritten'),
      'DEL other:secret': () => raw.del('other:secret'),
      'XADD other:stream': () => raw.xadd('other:stream', '*', 'f', 'v'),
      'XRANGE sibling prefix': () => raw.xrange(`${prefix}x:stream`, '-', '+'),
      'EVAL undeclared key': () => raw.eval("return redis.call('GET', 'other:secret')", 0),
      'EVAL declared key': () => raw.eval("return redis.call('SET', KEYS[1], 'x')", 1, 'other:secret'),
      'KEYS *': () => raw.keys('*'),
      'SCAN (lists every key)': () => raw.scan('0'),
      FLUSHALL: () => raw.flushall(),
      'CONFIG GET': () => raw.config('GET', 'dir'),
      'ACL LIST': () => raw.call('ACL', 'LIST'),
      'XGROUP DESTROY': () => raw.xgroup('DESTROY', keys.topic('acl.in'), 'relay'),
    };
    // Inside a script Redis words it differently ("The user executing the script can't access ...").
    for (const [what, run] of Object.entries(attempts)) assert.match(await denied(run()), /NOPERM|can't access/, `${what} is refused`);
    assert.is(await admin.get('other:secret'), 'untouched');
    assert.is(await admin.exists('other:stream'), 0);

    // An actor pointed at another prefix cannot even start.
    const stranger = new ActorRuntime([relay], { backend, keys: createKeys('other'), consumer: 'acl-1', logger, options: { trimIntervalMs: 0 } });
    assert.match(await denied(stranger.start()), /NOPERM/, 'another prefix is refused at start');
  } finally {
    await runtime?.stop();
    await backend.close();
    admin.disconnect();
    await server.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

s.run();

/**
 * Least privilege in the library: an actor declares the tables it writes in defineActor and gets
 * a writer for exactly those; every other actor sees only the read-only facade, even when the
 * runtime was handed the full PersistenceService. Real Redis, real PostgreSQL.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineActor } from '../src/actors/define.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { PostgresAdapter } from '../src/persistence/adapters/postgres.js';
import { isPersistencePermissionError } from '../src/persistence/errors.js';
import type { PersistenceService } from '../src/persistence/service.js';
import { createKeys } from '../src/streams/keys.js';
import { testPostgres } from './support/postgres.js';
import { capturingLogger } from './support/quiet-logger.js';
import { deletePrefix, redisBackend, uniquePrefix, redisSkipReason } from './support/redis.js';
import { gated } from './support/skip.js';
import { waitFor } from './support/wait.js';
import { leadPersistenceService } from '../src/persistence/lead/persistence.js';

const s = suite('least privilege: defineActor writes (real Redis, real PostgreSQL)');

const refused = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
    return 'allowed';
  } catch (err) {
    return isPersistencePermissionError(err) ? 'refused' : `error: ${(err as Error).message}`;
  }
};

gated(s, await redisSkipReason())('a reader cannot write even given the service; a writer writes its declared tables only', async () => {
  const backend = await redisBackend();
  if (!backend) throw new Error('the gated suite has a Redis');
  const pg = await testPostgres('least privilege');
  if (!pg) return backend.close();
  const service = leadPersistenceService(new PostgresAdapter({ pool: pg.pool, schema: pg.schema }));
  const keys = createKeys(uniquePrefix('lp'));
  const seen: Record<string, unknown> = {};
  const reader = defineActor({
    name: 'reader',
    consumes: ['lead.seen'],
    handle: async (_e, ctx) => {
      seen.readerWriter = ctx.writer === undefined;
      seen.readerInsert = await refused(() => (ctx.persistence as unknown as PersistenceService).insert('leads', { id: 'x', email: 'x@example.com' }));
      seen.readerReads = (await ctx.persistence.query('leads', {})).total;
      return [];
    },
  });
  const writer = defineActor({
    name: 'lead-writer',
    consumes: ['lead.seen'],
    writes: ['leads'],
    handle: async (e, ctx) => {
      const p = e.payload as { id: string; email: string };
      seen.upsert = (await ctx.writer!.upsert('leads', { id: p.id, email: p.email }, ['email'])).changed;
      seen.writerDrafts = await refused(() => ctx.writer!.insert('drafts', { id: 'd', lead_id: p.id }));
      seen.writerViaReads = await refused(() => (ctx.persistence as unknown as PersistenceService).delete('leads', p.id));
      return [];
    },
  });
  const runtime = new ActorRuntime([reader, writer], {
    backend,
    keys,
    consumer: 'lp-0',
    persistence: service,
    logger: capturingLogger().logger,
    options: { blockMs: 100, trimIntervalMs: 0 },
  });
  try {
    assert.throws(
      () => new ActorRuntime([writer], { backend, keys, persistence: service.readOnly() }),
      /actor lead-writer declares writes \[leads\] but was given read-only persistence/,
    );
    assert.throws(() => defineActor({ name: 'bad', consumes: ['a.b'], writes: ['leads; drop'], handle: () => [] }), /writes must list table names/);
    await runtime.start();
    await backend.append(keys.topic('lead.seen'), encodeEnvelope(createEnvelope({ type: 'lead.seen', payload: { id: 'lead-lp-1', email: 'lp@example.com' } })));
    await waitFor('both handled', async () => Object.keys(seen).length === 6, 10_000);
    assert.equal(seen, {
      readerWriter: true,
      readerInsert: 'refused',
      readerReads: seen.readerReads,
      upsert: true,
      writerDrafts: 'refused',
      writerViaReads: 'refused',
    });
    assert.is((await service.getById('leads', 'lead-lp-1'))?.email, 'lp@example.com', 'the declared write reached PostgreSQL');
  } finally {
    await runtime.stop();
    await deletePrefix(backend, keys.prefix);
    await backend.close();
    await pg.close();
  }
});

s.run();

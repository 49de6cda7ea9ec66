/**
 * The read-only persistence facade under every actor that should only read. First the runtime:
 * a handler that casts its way to a write gets PersistencePermissionError, the entry is
 * dead-lettered and no row is written. Then the lead pipeline (buildLeadTopology) on the memory
 * store, fed the bundled mock mail: every actor's context refuses writes, and every write the
 * store sees comes from db-writer or audit (which hold the service themselves), nobody else.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLeadTopology } from '../src/actors/lead/topology.js';
import { LEAD_ACTOR_NAMES } from '../src/actors/lead/topics.js';
import { defineActor } from '../src/actors/define.js';
import { parseDeadLetter } from '../src/actors/runtime/dead-letter.js';
import { waitUntilDrained } from '../src/actors/runtime/drain.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import type { ActorDefinition } from '../src/actors/types.js';
import { encodeEnvelope } from '../src/envelope/codec.js';
import { createEnvelope } from '../src/envelope/envelope.js';
import { isPersistencePermissionError } from '../src/persistence/errors.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import type { PersistenceService } from '../src/persistence/service.js';
import { type PersistenceTraceEvent } from '../src/persistence/service.js';
import { defaultMockEmailFile } from '../src/actors/lead/pipeline/demo.js';
import { ingestEmails, jsonlLines } from '../src/actors/lead/pipeline/ingest.js';
import { MOCK_EMAIL_LEAD_COUNT } from '../src/actors/lead/pipeline/mock-emails.js';
import { createKeys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { capturingLogger } from './support/quiet-logger.js';
import { waitFor } from './support/wait.js';
import { leadMemoryAdapter, leadPersistenceService } from '../src/persistence/lead/persistence.js';

const WRITES = new Set(['insert', 'upsert', 'update', 'delete']);

/** Tries every write a cast can reach; returns the operations that did NOT throw PersistencePermissionError. */
async function writesThatGetThrough(persistence: unknown): Promise<string[]> {
  const p = persistence as Record<string, (...a: unknown[]) => unknown>;
  const through: string[] = [];
  const calls: [string, unknown[]][] = [
    ['insert', ['leads', { id: 'x' }]],
    ['upsert', ['drafts', { id: 'x' }, ['id']]],
    ['update', ['leads', 'x', {}]],
    ['delete', ['leads', 'x']],
    ['close', []],
  ];
  for (const [op, args] of calls) {
    try {
      await p[op]!(...args);
      through.push(op);
    } catch (err) {
      if (!isPersistencePermissionError(err)) through.push(`${op} (${(err as Error).message})`);
    }
  }
  return through;
}

const s = suite('security: read-only persistence under actors');

s('a handler that casts ctx.persistence to write gets PersistencePermissionError, is dead-lettered, writes nothing', async () => {
  const service = leadPersistenceService(leadMemoryAdapter({ seed: { leads: generateMockLeads(3) } }));
  const backend = new MemoryStreamBackend();
  const keys = createKeys('ro');
  const sneaky = defineActor({
    name: 'sneaky',
    consumes: ['ro.in'],
    maxAttempts: 2,
    backoff: { initialMs: 5, maxMs: 10, multiplier: 2, jitter: 0 },
    handle: async (_env, ctx) => {
      await (ctx.persistence as unknown as PersistenceService).insert('leads', { id: 'planted', email: 'x@example.com' });
    },
  });
  const runtime = new ActorRuntime([sneaky], {
    backend,
    keys,
    consumer: 'ro-0',
    persistence: service.readOnly(),
    logger: capturingLogger().logger,
    options: { blockMs: 20, promoteIntervalMs: 5, trimIntervalMs: 0 },
  });
  try {
    await runtime.start();
    await backend.append(keys.topic('ro.in'), encodeEnvelope(createEnvelope({ type: 'ro.in', payload: {} })));
    const [dead] = await waitFor('dead letter', async () => {
      const e = await backend.range(keys.dlq('ro.in'), '-', '+');
      return e.length ? e.map((x) => parseDeadLetter(x.id, x.fields)) : null;
    });
    assert.is(dead!.reason, 'handler-error');
    assert.match(dead!.error, /PersistencePermissionError: persistence is read-only here: insert on table "leads"/);
    assert.is(await service.getById('leads', 'planted'), null, 'no row was written');
    assert.is((await service.query('leads')).total, 3);
  } finally {
    await runtime.stop();
    await backend.close();
  }
});

s('lead pipeline: every actor reads through a facade that refuses writes; only persistence-writer, db-writer and audit write', async () => {
  const traces: (PersistenceTraceEvent & { actor: string })[] = [];
  const current = new AsyncLocalStorage<string>();
  const service = leadPersistenceService(leadMemoryAdapter({ seed: { leads: generateMockLeads(MOCK_EMAIL_LEAD_COUNT) } }), {
    onTrace: (e) => traces.push({ ...e, actor: current.getStore() ?? '(outside any handler)' }),
  });
  const refused = new Map<string, string[]>();
  // Each handler runs inside a tag naming its actor, and first probes the persistence it was given.
  const actors: ActorDefinition[] = buildLeadTopology({ service }).map((def) => ({
    ...def,
    handle: async (env, ctx) => {
      if (!refused.has(def.name)) refused.set(def.name, await writesThatGetThrough(ctx.persistence));
      return current.run(def.name, () => def.handle(env, ctx));
    },
  }));
  const backend = new MemoryStreamBackend();
  const keys = createKeys('rolead');
  const runtime = new ActorRuntime(actors, {
    backend,
    keys,
    consumer: 'rolead-0',
    persistence: service,
    logger: capturingLogger('error').logger,
    options: { blockMs: 50, promoteIntervalMs: 10, trimIntervalMs: 0 },
  });
  try {
    await runtime.start();
    await ingestEmails(backend, keys, jsonlLines(readFileSync(defaultMockEmailFile(), 'utf8')), { source: 'mock-emails.jsonl' });
    await waitUntilDrained(backend, keys, actors, { timeoutMs: 30_000, pollMs: 20 });
  } finally {
    await runtime.stop();
    await backend.close();
  }
  const ran = [...refused.keys()].sort();
  for (const name of [
    LEAD_ACTOR_NAMES.campaignManager,
    LEAD_ACTOR_NAMES.leadOrchestrator,
    LEAD_ACTOR_NAMES.ragAgent,
    LEAD_ACTOR_NAMES.copywriter,
    LEAD_ACTOR_NAMES.persistenceWriter,
    LEAD_ACTOR_NAMES.dbWriter,
    LEAD_ACTOR_NAMES.delivery,
    LEAD_ACTOR_NAMES.audit,
  ]) {
    assert.ok(ran.includes(name), `${name} handled something (ran: ${ran.join(', ')})`);
  }
  for (const [name, through] of refused) assert.equal(through, [], `${name}: every write through ctx.persistence throws PersistencePermissionError`);
  const writers = new Set(traces.filter((t) => WRITES.has(t.op) && t.outcome === 'ok').map((t) => t.actor));
  assert.equal(
    [...writers].sort(),
    [LEAD_ACTOR_NAMES.audit, LEAD_ACTOR_NAMES.dbWriter, LEAD_ACTOR_NAMES.persistenceWriter].sort(),
    'rows were written, by persistence-writer, db-writer and audit only',
  );
  assert.ok(
    traces.some((t) => t.op === 'query' && t.actor === LEAD_ACTOR_NAMES.ragAgent),
    'rag-agent read through its facade',
  );
});

s.run();

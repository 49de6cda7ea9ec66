/**
 * The adapter contract on MemoryAdapter and PostgresAdapter (a real server, isolated schema),
 * plus what only the Postgres adapter and migrations promise.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryAdapter } from '../src/persistence/adapters/memory.js';
import { PostgresAdapter } from '../src/persistence/adapters/postgres.js';
import { isPersistenceAdapterError, isPersistenceNotAllowedError } from '../src/persistence/errors.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import { persistenceAdapterContract } from './contract/persistence-adapter.contract.js';
import { postgresSkipReason, testPostgres } from './support/postgres.js';
import { gated } from './support/skip.js';
import type { TestPostgres } from './support/postgres.js';
import { leadMemoryAdapter } from '../src/persistence/lead/persistence.js';
import { migrateLeadTables, seedLeads } from '../src/persistence/lead/database.js';

const noPostgres = await postgresSkipReason();

// Seeded with other leads: the contract must only ever see its own tagged rows.
persistenceAdapterContract('memory', async () => ({
  adapter: leadMemoryAdapter({ seed: { leads: generateMockLeads(30) } }),
  cleanup: async () => {},
}));

// One isolated schema for the contract run, created on first use, seeded with other leads.
let contractDb: Promise<TestPostgres | null> | undefined;
const contractSchema = (): Promise<TestPostgres | null> =>
  (contractDb ??= testPostgres('postgres adapter contract').then(async (db) => {
    if (db !== null) await seedLeads(new PostgresAdapter({ pool: db.pool, schema: db.schema }), generateMockLeads(30));
    return db;
  }));

persistenceAdapterContract(
  'postgres',
  async () => {
    const db = await contractSchema();
    if (db === null) return null;
    const adapter = new PostgresAdapter({ pool: db.pool, schema: db.schema });
    return { adapter, cleanup: () => adapter.close() };
  },
  { teardown: async () => void (await (await contractDb)?.close()), skipReason: noPostgres },
);

const memory = suite('memory adapter');

memory('a seeded table without a spec gets its columns from the rows', async () => {
  const adapter = new MemoryAdapter({
    tables: [],
    seed: {
      notes: [
        { id: 'n1', text: 'hello' },
        { id: 'n2', mood: 'ok' },
      ],
    },
  });
  assert.equal(await adapter.columns('notes'), ['id', 'text', 'mood']);
  assert.equal((await adapter.getById('notes', 'n2'))?.mood, 'ok');
});

memory('upsert on columns that are not a unique key is refused, as ON CONFLICT would', async () => {
  const adapter = leadMemoryAdapter({ seed: { leads: generateMockLeads(3) } });
  const err = await adapter.upsert('leads', { id: 'lead-0001', company: 'X' }, ['company']).catch((e: unknown) => e);
  assert.ok(isPersistenceAdapterError(err) && err.reason === 'invalid_input', String(err));
});

memory.run();

const pgSuite = gated(suite<{ db: TestPostgres | null }>('postgres adapter and migrations', { db: null }), noPostgres);
pgSuite.before(async (ctx) => {
  if (noPostgres === null) ctx.db = await testPostgres('postgres adapter tests');
});
pgSuite.after(async ({ db }) => {
  await db?.close();
});

pgSuite('migrate is idempotent and creates the lookup indexes', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  await migrateLeadTables(db.pool, { schema: db.schema });
  await migrateLeadTables(db.pool, { schema: db.schema });
  const { rows } = await db.pool.query<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2', [db.schema, 'leads']);
  const defs = rows.map((r) => r.indexdef).join('\n');
  for (const column of ['email', 'company', 'client_id']) assert.match(defs, `(${column})`);
});

pgSuite('seedLeads writes once; a second run finds every row unchanged', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  const adapter = new PostgresAdapter({ pool: db.pool, schema: db.schema });
  const leads = generateMockLeads(25, 7);
  assert.equal(await seedLeads(adapter, leads), { written: 25, unchanged: 0 });
  assert.equal(await seedLeads(adapter, leads), { written: 0, unchanged: 25 });
  assert.equal(await adapter.getById('leads', 'lead-0007'), leads[6]);
});

pgSuite('closing an adapter leaves an injected pool open', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  const adapter = new PostgresAdapter({ pool: db.pool, schema: db.schema });
  await adapter.close();
  assert.is(db.pool.ended, false);
  assert.equal((await db.pool.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

pgSuite('an adapter built from a connection string owns its pool and closes it (twice is fine)', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  const adapter = new PostgresAdapter({ connectionString: db.url, schema: db.schema });
  assert.ok((await adapter.columns('leads')).includes('email'));
  await adapter.close();
  await adapter.close();
  const err = await adapter.columns('drafts').catch((e: unknown) => e);
  assert.ok(isPersistenceAdapterError(err), 'a closed adapter reports a persistence error');
});

pgSuite('table and column names outside [a-z_][a-z0-9_]* never reach SQL', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  const adapter = new PostgresAdapter({ pool: db.pool, schema: db.schema });
  const badTable = await adapter.query('leads; DROP TABLE leads').catch((e: unknown) => e);
  assert.ok(isPersistenceNotAllowedError(badTable) && badTable.reason === 'identifier', String(badTable));
  const badColumn = await adapter.query('leads', { filters: [{ column: 'email" OR 1=1 --', op: 'eq', value: 'x' }] }).catch((e: unknown) => e);
  assert.ok(isPersistenceNotAllowedError(badColumn), String(badColumn));
  const badKey = await adapter.insert('leads', { id: 'x', email: 'x@x.example', Email: 'y' }).catch((e: unknown) => e);
  assert.ok(isPersistenceNotAllowedError(badKey), String(badKey));
  assert.throws(() => new PostgresAdapter({ pool: db.pool, schema: 'Public"; --' }), isPersistenceNotAllowedError);
  assert.ok((await adapter.query('leads', { limit: 1 })).total > 0, 'leads is intact');
});

pgSuite('an unknown column is an invalid_input error naming no credentials', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  const adapter = new PostgresAdapter({ pool: db.pool, schema: db.schema });
  const err = await adapter.update('leads', 'lead-0001', { nickname: 'x' }).catch((e: unknown) => e);
  assert.ok(isPersistenceAdapterError(err) && err.reason === 'invalid_input' && err.driverCode === '42703', String(err));
});

pgSuite('the schema option isolates: another schema does not see these tables', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  const other = `${db.schema}_other`;
  await migrateLeadTables(db.pool, { schema: other });
  try {
    const adapter = new PostgresAdapter({ pool: db.pool, schema: other });
    assert.is((await adapter.query('leads')).total, 0);
  } finally {
    await db.pool.query(`DROP SCHEMA "${other}" CASCADE`);
  }
});

pgSuite('migrate from a connection string ends its own pool', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  const tables = await migrateLeadTables(db.url, { schema: db.schema });
  assert.equal(tables, ['leads', 'drafts', 'audit', 'campaigns']);
});

pgSuite('an unreachable server is an unavailable error without the password', async ({ db }) => {
  assert.ok(db, 'PostgreSQL');
  const secret = ['s3cr', 'et', 'pw'].join('');
  const adapter = new PostgresAdapter({ connectionString: `postgres://someone:${secret}@127.0.0.1:1/nowhere`, schema: 'public' });
  const err = await adapter.query('leads').catch((e: unknown) => e);
  await adapter.close();
  assert.ok(isPersistenceAdapterError(err) && err.reason === 'unavailable', String(err));
  assert.not.match(String((err as Error).message), secret);
});

pgSuite.run();

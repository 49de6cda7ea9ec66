/** persistenceFromEnv: which store the environment selects (for the application's tables), and errors that say what to fix. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { describePersistence, persistenceFromEnv, resolvePersistenceConfig } from '../src/persistence/config.js';
import { isPersistenceError, isPersistenceNotAllowedError, PersistenceConfigError } from '../src/persistence/errors.js';
import { leadPersistenceFromEnv } from '../src/persistence/lead/database.js';
import type { TableSpec } from '../src/persistence/schema.js';

// Built at runtime so no credential-shaped literal sits in the source.
const password = ['hunt', 'er', '2', 'x'].join('');
const databaseUrl = `postgres://app:${password}@127.0.0.1:1/app`;
const supabaseKey = ['sb', 'key', 'x'.repeat(24)].join('_');
const supabaseUrl = 'https://project-ref.supabase.example';

const test = suite('persistence config');

test('nothing set, for the lead app: memory seeded with 200 mock leads, usable at once', async () => {
  const setup = leadPersistenceFromEnv({});
  assert.is(setup.kind, 'memory');
  assert.is(setup.adapter.name, 'memory');
  assert.is((await setup.service.query('leads', { limit: 1 })).total, 200);
  assert.is(setup.description, 'memory (200 mock leads, 4 campaigns)');
  await setup.service.close();
});

test("the generic layer stores the application's tables only: no lead table, no mock row", async () => {
  const notes: TableSpec = {
    name: 'notes',
    primaryKey: 'id',
    columns: [
      { name: 'id', type: 'text', notNull: true },
      { name: 'text', type: 'text' },
    ],
    unique: [],
    indexes: [],
  };
  const setup = persistenceFromEnv({}, { tables: [notes] });
  assert.is(setup.description, 'memory');
  assert.equal(await setup.service.columns('notes'), ['id', 'text']);
  assert.is((await setup.service.query('notes')).total, 0);
  let refused: unknown;
  await setup.service.query('leads').catch((e: unknown) => (refused = e));
  assert.ok(isPersistenceNotAllowedError(refused), 'leads is not one of its tables');
  const seeded = persistenceFromEnv({}, { tables: [notes], memorySeed: () => ({ notes: [{ id: 'n1', text: 'hi' }] }), memoryNote: '1 note' });
  assert.equal([seeded.description, (await seeded.service.getById('notes', 'n1'))?.text], ['memory (1 note)', 'hi']);
});

test('DATABASE_URL wins over Supabase settings; nothing connects until used', async () => {
  const setup = leadPersistenceFromEnv({ DATABASE_URL: databaseUrl, SUPABASE_URL: supabaseUrl, SUPABASE_KEY: supabaseKey, DATABASE_SCHEMA: 'app_data' });
  assert.is(setup.kind, 'postgres');
  assert.is(setup.adapter.name, 'postgres');
  assert.not.match(setup.description, password, 'the description is log-safe');
  assert.match(setup.description, 'schema app_data');
  await setup.service.close();
});

test('SUPABASE_URL plus SUPABASE_KEY select Supabase; either alone falls back to memory', async () => {
  const both = leadPersistenceFromEnv({ SUPABASE_URL: supabaseUrl, SUPABASE_KEY: supabaseKey });
  assert.is(both.kind, 'supabase');
  assert.is(both.adapter.name, 'supabase');
  assert.not.match(both.description, supabaseKey);
  await both.service.close();
  assert.is(resolvePersistenceConfig({ SUPABASE_URL: supabaseUrl }).kind, 'memory');
  assert.is(resolvePersistenceConfig({ SUPABASE_KEY: supabaseKey, DATABASE_URL: '  ' }).kind, 'memory', 'blank values count as unset');
});

test('PERSISTENCE_ADAPTER forces a choice and is checked', () => {
  assert.is(resolvePersistenceConfig({ PERSISTENCE_ADAPTER: 'memory', DATABASE_URL: databaseUrl }).kind, 'memory');
  const cases: [Record<string, string>, string][] = [
    [{ PERSISTENCE_ADAPTER: 'mysql' }, 'PERSISTENCE_ADAPTER'],
    [{ PERSISTENCE_ADAPTER: 'postgres' }, 'DATABASE_URL'],
    [{ PERSISTENCE_ADAPTER: 'supabase', SUPABASE_URL: supabaseUrl }, 'SUPABASE_KEY'],
    [{ PERSISTENCE_MAX_LIMIT: 'lots' }, 'PERSISTENCE_MAX_LIMIT'],
  ];
  for (const [env, setting] of cases) {
    try {
      resolvePersistenceConfig(env);
      assert.unreachable(JSON.stringify(env));
    } catch (err) {
      assert.ok(err instanceof PersistenceConfigError && isPersistenceError(err, 'PERSISTENCE_CONFIG'), String(err));
      assert.is(err.setting, setting);
    }
  }
});

test('PERSISTENCE_MAX_LIMIT reaches the service; code options win over it', async () => {
  const fromEnv = leadPersistenceFromEnv({ PERSISTENCE_MAX_LIMIT: '7' });
  assert.is((await fromEnv.service.query('leads')).rows.length, 7);
  const fromCode = leadPersistenceFromEnv({ PERSISTENCE_MAX_LIMIT: '7' }, { maxLimit: 3 });
  assert.is((await fromCode.service.query('leads')).rows.length, 3);
});

test('describePersistence never prints the password', () => {
  const text = describePersistence(resolvePersistenceConfig({ DATABASE_URL: databaseUrl }));
  assert.not.match(text, password);
  assert.match(text, 'postgres://app:***@127.0.0.1:1/app');
});

test.run();

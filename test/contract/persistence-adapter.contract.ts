/**
 * What every PersistenceAdapter must do, run unchanged against memory, Postgres and (live)
 * Supabase. Every row a test writes carries a per-test tag (in ids, emails, client_id or
 * correlation_id) and every count filters on it, so the suite also runs against a store that
 * already holds data; each test deletes its own rows afterwards.
 */
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isPersistenceAdapterError } from '../../src/persistence/errors.js';
import { columnNames } from '../../src/persistence/schema.js';
import { LEADS_TABLE } from '../../src/persistence/lead/tables.js';
import type { PersistenceAdapter, Row } from '../../src/persistence/types.js';
import { gated } from '../support/skip.js';

/** A fresh adapter for one test and how to release it; null when the store is unavailable (the factory prints why). */
export type PersistenceAdapterFactory = () => Promise<{ adapter: PersistenceAdapter; cleanup(): Promise<void> } | null>;

/** Optional hooks around the whole suite. */
export interface PersistenceContractOptions {
  /** Runs once after the last test (e.g. drop the test schema, end the pool). */
  teardown?: () => Promise<void>;
  /** Why the store is missing here (e.g. no PostgreSQL): every test is then counted as skipped. */
  skipReason?: string | null;
}

interface Ctx {
  /** False when the factory had no store: every test then fails (a missing store is a skip only through skipReason). */
  live: boolean;
  adapter: PersistenceAdapter;
  cleanup: () => Promise<void>;
  tag: string;
}

/** Registers and runs the adapter contract suite for one adapter. */
export function persistenceAdapterContract(name: string, factory: PersistenceAdapterFactory, options: PersistenceContractOptions = {}): void {
  const test = gated(suite<Ctx>(`persistence adapter contract: ${name}`, {} as Ctx), options.skipReason ?? null);

  test.before.each(async (ctx) => {
    const made = await factory();
    ctx.live = made !== null;
    if (made === null) return;
    ctx.adapter = made.adapter;
    ctx.cleanup = made.cleanup;
    ctx.tag = `ct${randomBytes(5).toString('hex')}`;
  });

  test.after.each(async (ctx) => {
    if (!ctx.live) return;
    await purge(ctx.adapter, ctx.tag);
    await ctx.cleanup();
  });

  if (options.teardown !== undefined) test.after(options.teardown);

  const lead = (tag: string, n: number, extra: Row = {}): Row => ({
    id: `${tag}-lead-${String(n).padStart(2, '0')}`,
    email: `person${n}.${tag}@contract.example`,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    company: `Company ${n} Ltd`,
    title: 'CTO',
    client_id: tag,
    status: 'new',
    ...extra,
  });
  const mine = (tag: string) => ({ column: 'client_id', op: 'eq' as const, value: tag });
  const ids = (rows: Row[]) => rows.map((r) => r.id);

  test('insert returns the stored row with every column, getById finds it, unknown ids give null', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    const created_at = '2026-01-02T03:04:05.000Z';
    const stored = await adapter.insert('leads', lead(tag, 1, { created_at, title: undefined }));
    assert.is(stored.id, `${tag}-lead-01`);
    assert.is(stored.created_at, created_at);
    assert.is(stored.title, null, 'a column not given is NULL');
    assert.type(stored.updated_at, 'string', 'defaulted timestamps come back as ISO strings');
    assert.ok(!Number.isNaN(Date.parse(String(stored.updated_at))));
    for (const column of columnNames(LEADS_TABLE)) assert.ok(column in stored, `stored row has ${column}`);
    assert.equal(await adapter.getById('leads', `${tag}-lead-01`), stored);
    assert.is(await adapter.getById('leads', `${tag}-missing`), null);
  });

  test('inserting a duplicate primary key or unique email is a conflict error', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    await adapter.insert('leads', lead(tag, 1));
    const dupId = await adapter.insert('leads', lead(tag, 1, { email: `other.${tag}@contract.example` })).catch((e: unknown) => e);
    assert.ok(isPersistenceAdapterError(dupId) && dupId.reason === 'conflict', String(dupId));
    const dupEmail = await adapter.insert('leads', lead(tag, 2, { email: `person1.${tag}@contract.example` })).catch((e: unknown) => e);
    assert.ok(isPersistenceAdapterError(dupEmail) && dupEmail.reason === 'conflict', String(dupEmail));
  });

  test('query by equality: every filter must hold; total counts the matches; null matches IS NULL', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    await adapter.insert('leads', lead(tag, 1, { status: 'new' }));
    await adapter.insert('leads', lead(tag, 2, { status: 'contacted' }));
    await adapter.insert('leads', lead(tag, 3, { status: 'new', title: null }));
    const fresh = await adapter.query('leads', { filters: [mine(tag), { column: 'status', op: 'eq', value: 'new' }] });
    assert.equal(ids(fresh.rows), [`${tag}-lead-01`, `${tag}-lead-03`]);
    assert.is(fresh.total, 2);
    const noTitle = await adapter.query('leads', { filters: [mine(tag), { column: 'title', op: 'eq', value: null }] });
    assert.equal(ids(noTitle.rows), [`${tag}-lead-03`]);
    const none = await adapter.query('leads', { filters: [mine(tag), { column: 'status', op: 'eq', value: 'NEW' }] });
    assert.is(none.total, 0, 'equality is case-sensitive');
  });

  test('contains is case-insensitive and treats % and _ literally', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    if (!adapter.capabilities.ilike) {
      console.log(`  skipped for ${name}: adapter has no ilike capability`);
      return;
    }
    await adapter.insert('leads', lead(tag, 1, { company: 'Acme Robotics Inc.' }));
    await adapter.insert('leads', lead(tag, 2, { company: 'ROBOTIX GmbH' }));
    await adapter.insert('leads', lead(tag, 3, { company: '100% Organic LLC' }));
    await adapter.insert('leads', lead(tag, 4, { company: '100 Organic_Farms SA' }));
    const contains = async (value: string) => ids((await adapter.query('leads', { filters: [mine(tag), { column: 'company', op: 'contains', value }] })).rows);
    assert.equal(await contains('robot'), [`${tag}-lead-01`, `${tag}-lead-02`]);
    assert.equal(await contains('ACME rob'), [`${tag}-lead-01`]);
    assert.equal(await contains('%'), [`${tag}-lead-03`]);
    assert.equal(await contains('_'), [`${tag}-lead-04`]);
    assert.equal(await contains('100_Organic'), []);
    assert.equal(await contains('nowhere'), []);
  });

  test('offset/limit page through a stable order; total is the count before paging', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    for (const n of [4, 2, 5, 1, 3]) await adapter.insert('leads', lead(tag, n));
    const page = (offset: number, limit?: number) =>
      adapter.query('leads', { filters: [mine(tag)], offset, ...(limit === undefined ? {} : { limit }), orderBy: { column: 'id' } });
    const first = await page(0, 2);
    assert.equal(ids(first.rows), [`${tag}-lead-01`, `${tag}-lead-02`]);
    assert.is(first.total, 5);
    const last = await page(4, 2);
    assert.equal(ids(last.rows), [`${tag}-lead-05`]);
    assert.is(last.total, 5);
    const beyond = await page(10, 2);
    assert.equal(beyond.rows, []);
    assert.is(beyond.total, 5, 'total survives a page past the end');
    assert.is((await page(0, 0)).total, 5, 'limit 0 still reports the total');
    assert.is((await page(1)).rows.length, 4, 'no limit means the rest');
  });

  test('order by a column ascending and descending; NULLs last ascending, first descending; ties by id', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    await adapter.insert('leads', lead(tag, 1, { last_name: 'charlie' }));
    await adapter.insert('leads', lead(tag, 2, { last_name: 'alpha' }));
    await adapter.insert('leads', lead(tag, 3, { last_name: null }));
    await adapter.insert('leads', lead(tag, 4, { last_name: 'bravo' }));
    await adapter.insert('leads', lead(tag, 5, { last_name: 'alpha' }));
    const sorted = async (direction: 'asc' | 'desc') =>
      ids((await adapter.query('leads', { filters: [mine(tag)], orderBy: { column: 'last_name', direction } })).rows);
    assert.equal(
      await sorted('asc'),
      [2, 5, 4, 1, 3].map((n) => `${tag}-lead-0${n}`),
    );
    assert.equal(
      await sorted('desc'),
      [3, 1, 4, 2, 5].map((n) => `${tag}-lead-0${n}`),
    );
  });

  test('columns lists the table columns; an unknown table is a missing_table error', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    await adapter.insert('leads', lead(tag, 1));
    const columns = await adapter.columns('leads');
    for (const column of columnNames(LEADS_TABLE)) assert.ok(columns.includes(column), `columns include ${column}`);
    const err = await adapter.query('no_such_table_here').catch((e: unknown) => e);
    assert.ok(isPersistenceAdapterError(err) && err.reason === 'missing_table', String(err));
  });

  test('upsert is idempotent: the same row twice changes nothing; timestamps alone do not count; a real change does', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    const row = lead(tag, 1, { updated_at: '2026-01-01T00:00:00.000Z' });
    const first = await adapter.upsert('leads', row, ['id']);
    assert.is(first.changed, true, 'a new row is a change');
    assert.is(first.row.title, 'CTO');
    const again = await adapter.upsert('leads', row, ['id']);
    assert.is(again.changed, false, 'the same row again is not');
    assert.equal(again.row, first.row);
    const stamped = await adapter.upsert('leads', { ...row, updated_at: '2026-02-01T00:00:00.000Z' }, ['id']);
    assert.is(stamped.changed, false, 'a newer updated_at alone is not a change');
    const changed = await adapter.upsert('leads', { ...row, title: 'CEO', updated_at: '2026-03-01T00:00:00.000Z', created_at: '2030-01-01T00:00:00.000Z' }, [
      'id',
    ]);
    assert.is(changed.changed, true);
    assert.is(changed.row.title, 'CEO');
    assert.is(changed.row.updated_at, '2026-03-01T00:00:00.000Z');
    assert.is(changed.row.created_at, first.row.created_at, 'an update keeps the original created_at');
    assert.equal(await adapter.getById('leads', row.id as string), changed.row);
  });

  test('upsert on a unique non-key column updates the row holding that value', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    await adapter.insert('leads', lead(tag, 1));
    const { row, changed } = await adapter.upsert('leads', { id: `${tag}-lead-01`, email: `person1.${tag}@contract.example`, status: 'replied' }, ['email']);
    assert.is(changed, true);
    assert.is(row.status, 'replied');
    assert.is(row.company, 'Company 1 Ltd', 'columns not given are kept');
    assert.is((await adapter.query('leads', { filters: [mine(tag)] })).total, 1);
  });

  test('update patches one row and returns it; an unknown id gives null', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    await adapter.insert('leads', lead(tag, 1));
    const updated = await adapter.update('leads', `${tag}-lead-01`, { status: 'qualified', title: null });
    assert.is(updated?.status, 'qualified');
    assert.is(updated?.title, null);
    assert.is(updated?.company, 'Company 1 Ltd');
    assert.equal(await adapter.getById('leads', `${tag}-lead-01`), updated);
    assert.is(await adapter.update('leads', `${tag}-missing`, { status: 'x' }), null);
  });

  test('delete removes one row and says whether it existed', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    await adapter.insert('leads', lead(tag, 1));
    await adapter.insert('leads', lead(tag, 2));
    assert.is(await adapter.delete('leads', `${tag}-lead-01`), true);
    assert.is(await adapter.delete('leads', `${tag}-lead-01`), false);
    assert.is(await adapter.getById('leads', `${tag}-lead-01`), null);
    assert.equal(ids((await adapter.query('leads', { filters: [mine(tag)] })).rows), [`${tag}-lead-02`]);
  });

  test('SQL-looking values are data: stored, matched and returned verbatim, never executed', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    const nasty = `Robert'); DROP TABLE leads;--`;
    const alwaysTrue = `x' OR '1'='1`;
    await adapter.insert('leads', lead(tag, 1, { first_name: nasty, company: alwaysTrue, title: `"; DELETE FROM leads; --` }));
    await adapter.insert('leads', lead(tag, 2));
    const byName = await adapter.query('leads', { filters: [mine(tag), { column: 'first_name', op: 'eq', value: nasty }] });
    assert.equal(ids(byName.rows), [`${tag}-lead-01`]);
    assert.is(byName.rows[0]?.first_name, nasty);
    const tautology = await adapter.query('leads', { filters: [mine(tag), { column: 'status', op: 'eq', value: `' OR '1'='1` }] });
    assert.is(tautology.total, 0);
    if (adapter.capabilities.ilike) {
      const like = await adapter.query('leads', { filters: [mine(tag), { column: 'company', op: 'contains', value: `' OR '1` }] });
      assert.equal(ids(like.rows), [`${tag}-lead-01`]);
    }
    assert.is(await adapter.getById('leads', `' OR 1=1 --`), null);
    assert.is(await adapter.delete('leads', `' OR 1=1 --`), false);
    assert.is((await adapter.query('leads', { filters: [mine(tag)] })).total, 2, 'the table and both rows are still there');
  });

  test('json columns round-trip nested values; key order does not make an upsert a change', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    const row: Row = {
      id: `${tag}-audit-1`,
      type: 'lead.enriched',
      actor: 'rag-agent',
      outcome: 'ok',
      correlation_id: tag,
      payload: { lead: { id: 'lead-0001', tags: ['a', 'b'] }, score: 0.5, note: null },
      provenance: [{ row_id: 'lead-0001', source: 'leads' }],
    };
    const stored = await adapter.insert('audit', row);
    assert.equal(stored.payload, row.payload);
    assert.equal(stored.provenance, row.provenance);
    assert.equal((await adapter.getById('audit', `${tag}-audit-1`))?.payload, row.payload);
    const reordered = { ...row, payload: { note: null, score: 0.5, lead: { tags: ['a', 'b'], id: 'lead-0001' } } };
    assert.is((await adapter.upsert('audit', reordered, ['id'])).changed, false);
    assert.is((await adapter.upsert('audit', { ...row, payload: { score: 1 } }, ['id'])).changed, true);
  });

  test('returned rows are copies: mutating them changes nothing stored', async ({ live, adapter, tag }) => {
    assert.ok(live, 'store');
    const stored = await adapter.insert('leads', lead(tag, 1));
    stored.company = 'mutated';
    const page = await adapter.query('leads', { filters: [mine(tag)] });
    (page.rows[0] as Row).status = 'mutated';
    const fresh = await adapter.getById('leads', `${tag}-lead-01`);
    assert.is(fresh?.company, 'Company 1 Ltd');
    assert.is(fresh?.status, 'new');
  });

  test('bad paging is an invalid_input error', async ({ live, adapter }) => {
    assert.ok(live, 'store');
    for (const bad of [{ offset: -1 }, { limit: -5 }, { limit: 1.5 }]) {
      const err = await adapter.query('leads', bad).catch((e: unknown) => e);
      assert.ok(isPersistenceAdapterError(err) && err.reason === 'invalid_input', JSON.stringify(bad));
    }
  });

  test.run();
}

/** Deletes every row a test tagged (leads by client_id, audit by correlation_id). */
async function purge(adapter: PersistenceAdapter, tag: string): Promise<void> {
  const tagged: [string, string][] = [
    ['leads', 'client_id'],
    ['audit', 'correlation_id'],
  ];
  for (const [table, column] of tagged) {
    const { rows } = await adapter.query(table, { filters: [{ column, op: 'eq', value: tag }] });
    for (const row of rows) await adapter.delete(table, String(row.id));
  }
}

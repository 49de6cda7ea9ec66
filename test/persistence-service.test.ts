/**
 * PersistenceService and the read-only facade over a real MemoryAdapter: allowlists, the
 * limit clamp, the contains fallback, metrics on an injected registry, traces, and a facade
 * that cannot write no matter how it is called.
 */
import { Registry } from 'prom-client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryAdapter } from '../src/persistence/adapters/memory.js';
import { isPersistenceNotAllowedError, isPersistencePermissionError, PersistencePermissionError } from '../src/persistence/errors.js';
import { ReadOnlyPersistenceFacade } from '../src/persistence/facade.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import { DOMAIN_TABLES } from '../src/persistence/lead/tables.js';
import { DEFAULT_PERSISTENCE_SERVICE_OPTIONS, PersistenceService } from '../src/persistence/service.js';
import type { PersistenceServiceOptions, PersistenceTraceEvent } from '../src/persistence/service.js';
import type { AdapterCapabilities } from '../src/persistence/types.js';
import { leadMemoryAdapter, leadPersistenceService } from '../src/persistence/lead/persistence.js';

const LEADS = generateMockLeads(200);
const firstLead = LEADS[0] as Record<string, unknown>;

function service(options: Partial<PersistenceServiceOptions> = {}, adapter = leadMemoryAdapter({ seed: { leads: LEADS } })) {
  return { adapter, service: leadPersistenceService(adapter, options) };
}

/** A real memory store that, like a plain-equality backend, advertises no ILIKE. */
class EqualityOnlyAdapter extends MemoryAdapter {
  override readonly capabilities: AdapterCapabilities = Object.freeze({ ilike: false });
}

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

const allow = suite('service allowlists');

allow('defaults are frozen and name no tables: the caller gives its allowlist; the lead wiring allows the lead tables and their columns', async () => {
  assert.ok(Object.isFrozen(DEFAULT_PERSISTENCE_SERVICE_OPTIONS));
  assert.not.ok('tables' in DEFAULT_PERSISTENCE_SERVICE_OPTIONS, 'the generic service knows no application tables');
  assert.is(DEFAULT_PERSISTENCE_SERVICE_OPTIONS.maxLimit, 500, "as RAG_MAX_LIMIT: no silent cap below the agent's own");
  assert.throws(() => new PersistenceService(new MemoryAdapter({ tables: [] }), undefined as never), /needs its table allowlist/);
  const lead = leadPersistenceService(leadMemoryAdapter());
  for (const table of ['audit', 'campaigns', 'drafts', 'leads']) assert.ok((await lead.columns(table)).includes('id'), table);
  const generic = new PersistenceService(leadMemoryAdapter(), { tables: { drafts: '*' } });
  assert.ok(isPersistenceNotAllowedError(await rejection(generic.query('leads'))), 'only the tables it was given');
});

allow('an unknown table is refused for every operation before the adapter sees it', async () => {
  const { service: svc } = service();
  for (const call of [
    () => svc.query('pg_user'),
    () => svc.getById('secrets', 'x'),
    () => svc.columns('secrets'),
    () => svc.insert('secrets', { id: 'x' }),
    () => svc.upsert('secrets', { id: 'x' }, ['id']),
    () => svc.update('secrets', 'x', { a: 1 }),
    () => svc.delete('secrets', 'x'),
    () => svc.query('toString'),
  ]) {
    const err = await rejection(call());
    assert.ok(isPersistenceNotAllowedError(err) && err.reason === 'table', String(err));
  }
});

allow('filter, order, written and conflict columns must be on the table allowlist', async () => {
  const { service: svc } = service({ tables: { leads: ['id', 'company', 'client_id', 'status'] } });
  const filter = await rejection(svc.query('leads', { filters: [{ column: 'email', op: 'eq', value: 'a@b.example' }] }));
  assert.ok(isPersistenceNotAllowedError(filter) && filter.column === 'email' && filter.table === 'leads');
  const order = await rejection(svc.query('leads', { orderBy: { column: 'email' } }));
  assert.ok(isPersistenceNotAllowedError(order) && order.column === 'email');
  const write = await rejection(svc.update('leads', 'lead-0001', { email: 'x@y.example' }));
  assert.ok(isPersistenceNotAllowedError(write) && write.column === 'email');
  const conflict = await rejection(svc.upsert('leads', { id: 'lead-0001', status: 'new' }, ['email']));
  assert.ok(isPersistenceNotAllowedError(conflict) && conflict.column === 'email');
  const ok = await svc.query('leads', { filters: [{ column: 'client_id', op: 'eq', value: 'client-1' }], orderBy: { column: 'company' } });
  assert.ok(ok.total > 0);
  assert.equal(await svc.columns('leads'), ['id', 'company', 'client_id', 'status'], 'columns lists only what may be used');
});

allow("a '*' table allows any column", async () => {
  const { service: svc } = service({ tables: { leads: '*' } });
  const page = await svc.query('leads', { filters: [{ column: 'email', op: 'eq', value: firstLead.email as string }] });
  assert.is(page.total, 1);
  assert.ok((await svc.columns('leads')).includes('email'));
});

allow.run();

const limits = suite('service limits and fallbacks');

limits('limit is clamped to maxLimit, and a query without a limit gets maxLimit rows', async () => {
  const { service: svc } = service({ maxLimit: 10 });
  const big = await svc.query('leads', { limit: 500 });
  assert.is(big.rows.length, 10);
  assert.is(big.total, 200, 'the total still counts every match');
  assert.is((await svc.query('leads')).rows.length, 10);
  assert.is((await svc.query('leads', { limit: 3 })).rows.length, 3);
  assert.throws(() => leadPersistenceService(leadMemoryAdapter(), { maxLimit: 0 }), RangeError);
});

limits('contains runs as equality when the adapter has no ilike', async () => {
  const traces: PersistenceTraceEvent[] = [];
  const { service: svc } = service({ onTrace: (e) => traces.push(e) }, new EqualityOnlyAdapter({ tables: DOMAIN_TABLES, seed: { leads: LEADS } }));
  const company = firstLead.company as string;
  const partial = await svc.query('leads', { filters: [{ column: 'company', op: 'contains', value: company.slice(0, 4) }] });
  assert.is(partial.total, 0, 'a fragment no longer matches');
  const exact = await svc.query('leads', { filters: [{ column: 'company', op: 'contains', value: company }] });
  assert.is(exact.total, LEADS.filter((l) => l.company === company).length);
  assert.ok(exact.total > 0);
  assert.is(traces[0]?.containsFallback, true);
});

limits('with ilike, contains stays a case-insensitive contains', async () => {
  const { service: svc } = service();
  const company = firstLead.company as string;
  const page = await svc.query('leads', { filters: [{ column: 'company', op: 'contains', value: company.slice(0, 4).toUpperCase() }] });
  assert.ok(page.total >= LEADS.filter((l) => l.company === company).length);
});

limits.run();

const observe = suite('service metrics and traces');

observe('operations are counted by op, table and outcome in the injected registry', async () => {
  const registry = new Registry();
  const { service: svc } = service({ registry });
  await svc.query('leads', { limit: 5 });
  await svc.getById('leads', 'lead-0001');
  await rejection(svc.query('secrets'));
  await rejection(svc.insert('leads', { ...firstLead }));
  const counter = await registry.getSingleMetricAsString('persistence_operations_total');
  assert.match(counter, 'persistence_operations_total{op="query",table="leads",outcome="ok"} 1');
  assert.match(counter, 'persistence_operations_total{op="getById",table="leads",outcome="ok"} 1');
  assert.match(counter, 'persistence_operations_total{op="query",table="_unlisted",outcome="denied"} 1');
  assert.match(counter, 'persistence_operations_total{op="insert",table="leads",outcome="error"} 1');
  assert.not.match(counter, 'secrets', 'refused table names never become label values');
  const histogram = await registry.getSingleMetricAsString('persistence_operation_duration_seconds');
  assert.match(histogram, 'persistence_operation_duration_seconds_count{op="query",table="leads"} 1');
  assert.match(histogram, 'persistence_operation_duration_seconds_count{op="query",table="_unlisted"} 1');
});

observe('two services can share one registry, and separate registries stay separate', async () => {
  const shared = new Registry();
  const lone = new Registry();
  const a = service({ registry: shared }).service;
  const b = service({ registry: shared }).service;
  const c = service({ registry: lone }).service;
  await a.getById('leads', 'lead-0001');
  await b.getById('leads', 'lead-0002');
  await c.columns('leads');
  assert.match(await shared.getSingleMetricAsString('persistence_operations_total'), '{op="getById",table="leads",outcome="ok"} 2');
  assert.not.match(await lone.getSingleMetricAsString('persistence_operations_total'), 'getById');
});

observe('traces report op, table, duration, rows and outcome; a throwing trace sink breaks nothing', async () => {
  const traces: PersistenceTraceEvent[] = [];
  const { service: svc } = service({ onTrace: (e) => traces.push(e) });
  await svc.query('leads', { limit: 7 });
  await svc.upsert('leads', { ...firstLead }, ['id']);
  await rejection(svc.query('leads', { filters: [{ column: 'password', op: 'eq', value: 'x' }] }));
  assert.equal(
    traces.map((t) => [t.op, t.table, t.rows, t.outcome]),
    [
      ['query', 'leads', 7, 'ok'],
      ['upsert', 'leads', 0, 'ok'],
      ['query', 'leads', 0, 'denied'],
    ],
  );
  assert.is(traces[2]?.errorCode, 'PERSISTENCE_NOT_ALLOWED');
  assert.ok(traces.every((t) => typeof t.ms === 'number' && t.ms >= 0));
  const noisy = service({
    onTrace: () => {
      throw new Error('sink down');
    },
  }).service;
  assert.is((await noisy.getById('leads', 'lead-0003'))?.id, 'lead-0003');
});

observe.run();

const facade = suite('read-only facade');

facade('reads go through the service: allowlists and metrics still apply', async () => {
  const registry = new Registry();
  const ro = service({ registry, maxLimit: 5 }).service.readOnly();
  assert.ok(ro instanceof ReadOnlyPersistenceFacade);
  assert.is((await ro.query('leads', { limit: 50 })).rows.length, 5);
  assert.is((await ro.getById('leads', 'lead-0002'))?.id, 'lead-0002');
  assert.ok((await ro.columns('leads')).includes('company'));
  assert.equal(ro.capabilities, { ilike: true });
  assert.ok(isPersistenceNotAllowedError(await rejection(ro.query('secrets'))));
  assert.match(await registry.getSingleMetricAsString('persistence_operations_total'), 'op="query",table="leads",outcome="ok"} 1');
});

facade('every write throws PersistencePermissionError naming the operation and table, however it is called', async () => {
  const { adapter, service: svc } = service();
  const ro = svc.readOnly();
  const loose = ro as unknown as Record<string, (...args: unknown[]) => unknown>;
  const writes: [string, unknown[]][] = [
    ['insert', ['leads', { id: 'x-1', email: 'x@x.example' }]],
    ['upsert', ['leads', { id: 'lead-0001', status: 'hacked' }, ['id']]],
    ['update', ['leads', 'lead-0001', { status: 'hacked' }]],
    ['delete', ['leads', 'lead-0001']],
  ];
  for (const [op, args] of writes) {
    const fn = loose[op];
    assert.type(fn, 'function', `${op} exists so a caller gets a typed refusal`);
    try {
      fn?.apply(ro, args);
      assert.unreachable(`${op} must throw`);
    } catch (err) {
      assert.ok(isPersistencePermissionError(err), String(err));
      assert.ok(err instanceof PersistencePermissionError);
      assert.is(err.operation, op);
      assert.is(err.table, 'leads');
      assert.is(err.code, 'PERSISTENCE_PERMISSION');
    }
    const viaAwait = await rejection((async () => fn?.apply(ro, args))());
    assert.ok(isPersistencePermissionError(viaAwait));
  }
  assert.throws(() => loose.close?.apply(ro, []), isPersistencePermissionError);
  assert.equal(await adapter.getById('leads', 'lead-0001'), firstLead, 'nothing was written');
  assert.is((await adapter.query('leads')).total, 200);
});

facade('the facade exposes no adapter or service: no own properties, frozen, only read and refusing methods', () => {
  const ro = service().service.readOnly();
  assert.equal(Object.getOwnPropertyNames(ro), []);
  assert.equal(Object.getOwnPropertySymbols(ro), []);
  assert.is(JSON.stringify(ro), '{}');
  assert.ok(Object.isFrozen(ro));
  assert.throws(() => {
    (ro as unknown as Record<string, unknown>).adapter = {};
  }, TypeError);
  const proto = Object.getOwnPropertyNames(Object.getPrototypeOf(ro)).sort();
  assert.equal(proto, ['capabilities', 'close', 'columns', 'constructor', 'delete', 'getById', 'insert', 'query', 'update', 'upsert']);
  for (const key of ['adapter', 'service', 'source', '_adapter', '_service']) {
    assert.is((ro as unknown as Record<string, unknown>)[key], undefined, key);
  }
});

facade.run();

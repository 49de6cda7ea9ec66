/** The persistence error family: stable codes, guards, and messages that never carry credentials. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  PersistenceAdapterError,
  PersistenceNotAllowedError,
  PersistencePermissionError,
  isPersistenceAdapterError,
  isPersistenceError,
  isPersistenceNotAllowedError,
  isPersistencePermissionError,
  redactCredentials,
  wrapDriverError,
} from '../src/persistence/errors.js';

const test = suite('persistence errors');

test('each error has its stable code, and the guards tell them apart', () => {
  const permission = new PersistencePermissionError('insert', 'leads');
  const notAllowed = new PersistenceNotAllowedError({ table: 'leads', column: 'ssn', reason: 'column' });
  const adapter = new PersistenceAdapterError({ adapter: 'postgres', operation: 'query', table: 'leads', reason: 'unavailable', message: 'down' });
  assert.is(permission.code, 'PERSISTENCE_PERMISSION');
  assert.is(notAllowed.code, 'PERSISTENCE_NOT_ALLOWED');
  assert.is(adapter.code, 'PERSISTENCE_ADAPTER');
  assert.match(permission.message, 'insert');
  assert.match(permission.message, 'leads');
  assert.match(notAllowed.message, 'ssn');
  assert.ok(isPersistencePermissionError(permission) && !isPersistencePermissionError(notAllowed));
  assert.ok(isPersistenceNotAllowedError(notAllowed) && !isPersistenceNotAllowedError(adapter));
  assert.ok(isPersistenceAdapterError(adapter) && !isPersistenceAdapterError(permission));
  assert.ok([permission, notAllowed, adapter].every((e) => isPersistenceError(e) && e instanceof Error));
  assert.ok(isPersistenceError(adapter, 'PERSISTENCE_ADAPTER') && !isPersistenceError(adapter, 'PERSISTENCE_PERMISSION'));
  assert.not.ok(isPersistenceError(new Error('x')));
  assert.not.ok(isPersistenceError({ code: 'ECONNREFUSED' }));
  assert.ok(isPersistenceError({ code: 'PERSISTENCE_PERMISSION' }), 'recognised by code across module copies');
});

test('driver errors are wrapped with a reason from their code', () => {
  const cases: [string | undefined, string][] = [
    ['23505', 'conflict'],
    ['42P01', 'missing_table'],
    ['PGRST205', 'missing_table'],
    ['42703', 'invalid_input'],
    ['23502', 'invalid_input'],
    ['ECONNREFUSED', 'unavailable'],
    ['57P01', 'unavailable'],
    [undefined, 'unknown'],
  ];
  for (const [code, reason] of cases) {
    const wrapped = wrapDriverError(Object.assign(new Error('boom'), code === undefined ? {} : { code }), 'postgres', 'insert', 'leads');
    assert.ok(isPersistenceAdapterError(wrapped), String(code));
    assert.is(wrapped.reason, reason, String(code));
    assert.is(wrapped.driverCode, code);
  }
  const passthrough = new PersistencePermissionError('delete', 'leads');
  assert.is(wrapDriverError(passthrough, 'memory', 'delete'), passthrough);
});

test('wrapped messages carry no passwords, keys or tokens', () => {
  const password = ['pa', 'ss', 'w0rd', '99'].join('');
  const jwt = ['eyJ' + 'hbGciOiJIUzI1NiJ9', 'eyJ' + 'yb2xlIjoic2VydmljZSJ9', 'c2lnbmF0dXJlLXBhcnQ'].join('.');
  const message = `connect failed for postgres://admin:${password}@db.internal:5432/app?password=${password} apikey=${jwt} Bearer ${jwt}`;
  const wrapped = wrapDriverError(new Error(message), 'postgres', 'query', 'leads');
  assert.not.match(wrapped.message, password);
  assert.not.match(wrapped.message, jwt);
  assert.match(wrapped.message, 'postgres://admin:***@db.internal:5432/app');
  assert.is(redactCredentials('plain text stays'), 'plain text stays');
});

test.run();

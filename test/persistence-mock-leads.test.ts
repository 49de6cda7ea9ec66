/** generateMockLeads: deterministic, realistic, safe sample data. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MOCK_CLIENT_COUNT, generateMockLeads, mulberry32 } from '../src/persistence/lead/mock-leads.js';
import { columnNames } from '../src/persistence/schema.js';
import { LEADS_TABLE } from '../src/persistence/lead/tables.js';
import { leadMemoryAdapter } from '../src/persistence/lead/persistence.js';

const test = suite('mock leads');

test('the same seed gives the same rows; another seed gives other rows', () => {
  assert.equal(generateMockLeads(50, 7), generateMockLeads(50, 7));
  assert.equal(generateMockLeads(50), generateMockLeads(50, 42), 'the default seed is 42');
  assert.not.equal(generateMockLeads(50, 7), generateMockLeads(50, 8));
  assert.equal(generateMockLeads(10, 7), generateMockLeads(50, 7).slice(0, 10), 'a longer run extends a shorter one');
});

test('never uses Math.random', () => {
  const original = Math.random;
  Math.random = () => {
    throw new Error('Math.random used');
  };
  try {
    assert.is(generateMockLeads(20, 3).length, 20);
    assert.type(mulberry32(1)(), 'number');
  } finally {
    Math.random = original;
  }
});

test('rows have the leads columns, sequential ids, unique .example emails, client-1..5 and suffixed companies', () => {
  const leads = generateMockLeads(200);
  assert.is(leads.length, 200);
  assert.equal(Object.keys(leads[0] ?? {}), columnNames(LEADS_TABLE));
  assert.is(leads[0]?.id, 'lead-0001');
  assert.is(leads[199]?.id, 'lead-0200');
  const emails = leads.map((l) => String(l.email));
  assert.is(new Set(emails).size, 200, 'emails are unique');
  for (const lead of leads) {
    const email = String(lead.email);
    assert.match(email, /^[a-z]+(\.[a-z]+)+\d*@[a-z0-9-]+\.example$/, email);
    const first = String(lead.first_name).toLowerCase();
    assert.ok(email.startsWith(`${first}.`), `${email} starts with the first name`);
    assert.match(String(lead.client_id), /^client-[1-5]$/);
    assert.match(String(lead.company), / (Inc\.|GmbH|Ltd|LLC|AG|SA|Co\.)$/);
    assert.ok(!Number.isNaN(Date.parse(String(lead.created_at))));
    assert.is(lead.updated_at, lead.created_at);
  }
  assert.is(new Set(leads.map((l) => l.client_id)).size, MOCK_CLIENT_COUNT, 'every client gets leads');
});

test('ids widen past 9999 rows and the rows load into the memory store without constraint errors', async () => {
  const leads = generateMockLeads(10_000, 5);
  assert.is(leads[9_999]?.id, 'lead-10000');
  assert.is(leads[0]?.id, 'lead-00001');
  const adapter = leadMemoryAdapter({ seed: { leads } });
  assert.is((await adapter.query('leads', { limit: 1 })).total, 10_000);
});

test('a negative or fractional count is refused', () => {
  assert.throws(() => generateMockLeads(-1), RangeError);
  assert.throws(() => generateMockLeads(1.5), RangeError);
  assert.equal(generateMockLeads(0), []);
});

test.run();

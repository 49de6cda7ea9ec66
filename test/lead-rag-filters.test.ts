import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clampPaging, cleanCompany, mergeFilters, parseLeadFilters, toQueryFilters } from '../src/actors/lead/rag/filters.js';
import { DEFAULT_RAG_OPTIONS, isRagConfigError, ragOptionsFromEnv, resolveRagOptions } from '../src/actors/lead/rag/options.js';
import { reformulations, shortenCompany } from '../src/actors/lead/rag/reformulate.js';

const parse = suite('rag filters: parsed from free text');

parse('a lead id, lower-cased', () => {
  assert.equal(parseLeadFilters('please look at LEAD-0042 again'), { id: 'lead-0042' });
});

parse('the first email address, lower-cased', () => {
  assert.equal(parseLeadFilters('from: Jane.Doe@Acme-Robotics.example\ncc bob@other.example').email, 'jane.doe@acme-robotics.example');
});

parse('a company after "at", up to the end of its name', () => {
  assert.is(parseLeadFilters("I'm the CTO at Acme Robotics Inc. and would like a demo").company, 'Acme Robotics Inc.');
  assert.is(parseLeadFilters('we are at Globex GmbH. Call us').company, 'Globex GmbH');
  assert.is(parseLeadFilters('partnerships team at Wonka Confections Co.').company, 'Wonka Confections Co.');
  assert.is(parseLeadFilters('see you at noon').company, undefined, 'lower-case words are not a company');
});

parse('a labelled company wins over "at"', () => {
  assert.is(parseLeadFilters('company: Blue Harbor SA\nI am at Home Office').company, 'Blue Harbor SA');
  assert.is(parseLeadFilters('Company = Initech LLC, thanks').company, 'Initech LLC');
});

parse('a client id in any spelling becomes client-N', () => {
  assert.is(parseLeadFilters('client_id: client-3').client_id, 'client-3');
  assert.is(parseLeadFilters('for Client 04 only').client_id, 'client-4');
});

parse('all at once; nothing from text without any', () => {
  assert.equal(parseLeadFilters('lead-0007 jane@x.example at Hooli Ltd for client-2'), {
    id: 'lead-0007',
    email: 'jane@x.example',
    company: 'Hooli Ltd',
    client_id: 'client-2',
  });
  assert.equal(parseLeadFilters('hello there, how are you?'), {});
});

parse('cleanCompany keeps dotted legal suffixes and drops sentence punctuation', () => {
  assert.is(cleanCompany('Acme Inc. We build robots'), 'Acme Inc.');
  assert.is(cleanCompany('Globex AG!'), 'Globex AG');
  assert.is(cleanCompany('   '), undefined);
});

parse('explicit filters override parsed ones; an empty string removes one', () => {
  assert.equal(mergeFilters({ email: 'a@x.example', company: 'Acme' }, { company: ' Globex ', email: '' }), { company: 'Globex' });
});

const clamp = suite('rag filters: paging clamped by RAG_MAX_LIMIT');

clamp('limit is capped at maxLimit and at least 1', () => {
  const o = { maxLimit: 50, defaultLimit: 10 };
  assert.equal(clampPaging(0, 500, o), { offset: 0, limit: 50 });
  assert.equal(clampPaging(0, 0, o), { offset: 0, limit: 1 });
  assert.equal(clampPaging(0, -5, o), { offset: 0, limit: 1 });
});

clamp('absent or junk values get the defaults; offsets are non-negative integers', () => {
  const o = { maxLimit: 50, defaultLimit: 10 };
  assert.equal(clampPaging(undefined, undefined, o), { offset: 0, limit: 10 });
  assert.equal(clampPaging(-3, Number.NaN, o), { offset: 0, limit: 10 });
  assert.equal(clampPaging(7.9, '20', o), { offset: 7, limit: 10 });
  assert.equal(clampPaging(0, 20, { maxLimit: 5, defaultLimit: 10 }), { offset: 0, limit: 5 });
});

clamp('ragOptionsFromEnv reads RAG_MAX_LIMIT, MAX_FALLBACKS_PER_MIN and the debug flags', () => {
  assert.equal(ragOptionsFromEnv({}), {});
  assert.equal(ragOptionsFromEnv({ RAG_MAX_LIMIT: '7', MAX_FALLBACKS_PER_MIN: '0', RAG_DEBUG_IO: '1', RAG_DEEP_DEBUG: 'false' }), {
    maxLimit: 7,
    maxFallbacksPerMin: 0,
    debugIo: true,
    deepDebug: false,
  });
  assert.is(resolveRagOptions(ragOptionsFromEnv({ RAG_MAX_LIMIT: '7' })).maxLimit, 7);
  assert.is(resolveRagOptions({}).maxLimit, DEFAULT_RAG_OPTIONS.maxLimit);
});

clamp('a bad value is a RagConfigError naming the variable', () => {
  for (const env of [{ RAG_MAX_LIMIT: '0' }, { RAG_MAX_LIMIT: 'ten' }, { MAX_FALLBACKS_PER_MIN: '-1' }]) {
    try {
      ragOptionsFromEnv(env);
      assert.unreachable('should throw');
    } catch (err) {
      assert.ok(isRagConfigError(err));
      assert.is(err.setting, Object.keys(env)[0]);
    }
  }
});

const query = suite('rag filters: persistence filters');

query('company is contains when the store can ILIKE, else equality', () => {
  const f = { id: 'lead-0001', email: 'a@x.example', company: 'Acme', client_id: 'client-1' };
  assert.equal(
    toQueryFilters(f, { ilike: true }).map((x) => `${x.column}:${x.op}`),
    ['id:eq', 'email:eq', 'company:contains', 'client_id:eq'],
  );
  assert.is(toQueryFilters(f, { ilike: false }).find((x) => x.column === 'company')!.op, 'eq');
});

const reform = suite('rag reformulation: bounded relaxing steps');

reform('drop the email first, then shorten the company suffix', () => {
  const steps = reformulations({ email: 'a@x.example', company: 'Acme Robotics Inc.' }, 5);
  assert.equal(steps, [
    { step: 'drop-email', filters: { company: 'Acme Robotics Inc.' } },
    { step: 'shorten-company', filters: { company: 'Acme Robotics' } },
  ]);
});

reform('at most N steps', () => {
  assert.is(reformulations({ email: 'a@x.example', company: 'Acme GmbH' }, 1).length, 1);
  assert.is(reformulations({ email: 'a@x.example', company: 'Acme GmbH' }, 0).length, 0);
});

reform('never drops the only filter, and skips steps that change nothing', () => {
  assert.equal(reformulations({ email: 'a@x.example' }, 5), []);
  assert.equal(reformulations({ email: 'a@x.example', id: 'lead-0001' }, 5), [{ step: 'drop-email', filters: { id: 'lead-0001' } }]);
  assert.equal(reformulations({ company: 'Acme' }, 5), []);
});

reform('shortenCompany knows the common legal suffixes', () => {
  assert.is(shortenCompany('Acme Inc.'), 'Acme');
  assert.is(shortenCompany('Nordwind GmbH'), 'Nordwind');
  assert.is(shortenCompany('Hooli, LLC'), 'Hooli');
  assert.is(shortenCompany('Initech Ltd'), 'Initech');
  assert.is(shortenCompany('Acme'), undefined);
  assert.is(shortenCompany('GmbH'), undefined);
});

parse.run();
clamp.run();
query.run();
reform.run();

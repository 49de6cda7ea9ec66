import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isReply, validateEmail } from '../src/actors/lead/email.js';
import { DEFAULT_MOCK_LEAD_COUNT } from '../src/persistence/lead/persistence.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import { defaultMockEmailFile } from '../src/actors/lead/pipeline/demo.js';
import { generateMockEmails, MOCK_EMAIL_LEAD_COUNT } from '../src/actors/lead/pipeline/mock-emails.js';

const s = suite('mock emails (data/mock-emails.jsonl)');

s('the bundled file is exactly what the generator writes (deterministic)', () => {
  const { lines } = generateMockEmails();
  assert.is(readFileSync(defaultMockEmailFile(), 'utf8'), `${lines.join('\n')}\n`);
  assert.equal(generateMockEmails().lines, lines);
});

s('written against the leads the memory store is seeded with', () => {
  assert.is(MOCK_EMAIL_LEAD_COUNT, DEFAULT_MOCK_LEAD_COUNT);
});

s('a few hundred lines covering every path, as the stats say', () => {
  const { lines, stats } = generateMockEmails();
  assert.ok(lines.length >= 250 && lines.length <= 400, String(lines.length));
  const objects: Record<string, unknown>[] = [];
  let notJson = 0;
  for (const l of lines) {
    try {
      const v: unknown = JSON.parse(l);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) objects.push(v as Record<string, unknown>);
      else notJson += 1;
    } catch {
      notJson += 1;
    }
  }
  assert.is(notJson, stats.notJson);
  const seen = new Set<string>();
  let duplicates = 0;
  const distinct: Record<string, unknown>[] = [];
  for (const o of objects) {
    const key = JSON.stringify(o);
    if (seen.has(key)) duplicates += 1;
    else distinct.push(o);
    seen.add(key);
  }
  assert.is(duplicates, stats.duplicates);
  const checked = distinct.map((o) => validateEmail(o));
  const valid = checked.flatMap((c) => (c.ok ? [c.email] : []));
  assert.is(checked.length - valid.length, stats.invalid);
  assert.is(valid.filter((e) => isReply(e)).length, stats.replies);
  const leadEmails = new Set(generateMockLeads(MOCK_EMAIL_LEAD_COUNT).map((l) => l.email));
  assert.is(valid.filter((e) => leadEmails.has(e.from)).length, stats.newLead + stats.replies, 'new-lead mail and replies come from leads');
  assert.is(valid.length, stats.expectedMatched + stats.expectedNewLeads);
  assert.ok(stats.alias > 0 && stats.companyVariant > 0 && stats.unknown > 0);
});

s.run();

/**
 * Deterministic mock inbound mail for the demo (`data/mock-emails.jsonl`), built from the same
 * mock leads the memory store is seeded with (generateMockLeads(200), seed 42), so most senders
 * match a lead. It covers every path: new-lead mail, replies, senders writing from a personal
 * address (found by lead id after dropping the email), companies written with another legal
 * suffix (found after shortening it), unknown senders (fallback, then unmatched), duplicates,
 * malformed mail (JSON, but not an email) and lines that are not JSON objects at all.
 */
import { generateMockLeads, mulberry32 } from '../../../persistence/lead/mock-leads.js';
import type { Row } from '../../../persistence/types.js';

/**
 * Leads the mail is written against: the memory store's default seeding (DEFAULT_MOCK_LEAD_COUNT
 * in persistence/lead/persistence.ts, seed 42; a test keeps the two equal). Kept apart so this
 * module stays free of the persistence layer.
 */
export const MOCK_EMAIL_LEAD_COUNT = 200;

/** How many mails of each kind; also what the pipeline should make of them. */
export interface MockEmailStats {
  lines: number;
  newLead: number;
  replies: number;
  alias: number;
  companyVariant: number;
  unknown: number;
  duplicates: number;
  invalid: number;
  notJson: number;
  /** Valid, distinct mails whose lead the RAG agent should find. */
  expectedMatched: number;
  /** Valid, distinct new-lead mails from unknown senders: each becomes a lead (the lead-upsert workflow). */
  expectedNewLeads: number;
  /** Mails that end at lead.unmatched: none, since unknown senders become leads. */
  expectedUnmatched: number;
}

/** Options of generateMockEmails. */
export interface MockEmailOptions {
  /** Leads the mail refers to; default generateMockLeads(200) (the memory store's seed). */
  leads: Row[];
  seed: number;
  counts: { newLead: number; replies: number; alias: number; companyVariant: number; unknown: number; duplicates: number };
}

/** Defaults: about 300 lines. */
export const DEFAULT_MOCK_EMAIL_OPTIONS: Readonly<Omit<MockEmailOptions, 'leads'>> = Object.freeze({
  seed: 7,
  counts: Object.freeze({ newLead: 150, replies: 70, alias: 15, companyVariant: 12, unknown: 25, duplicates: 8 }),
});

const NEW_LEAD_SUBJECTS = ['Interested in a demo', 'Question about pricing', 'Looking for a partner', 'Your product', 'Evaluating vendors this quarter'];
const REPLY_BODIES = [
  'Sounds good, can we schedule a call next week?',
  'Thanks! What does the onboarding look like?',
  'Please remove me from this list, not interested.',
  'I am out of office until Monday, back soon.',
  'Thanks for the note, we will discuss internally.',
  'Happy to chat - does Thursday work for a demo?',
];
const UNKNOWN = [
  ['Contoso Ltd', 'contoso'],
  ['Fabrikam GmbH', 'fabrikam'],
  ['Tailspin Toys Inc.', 'tailspin-toys'],
  ['Litware LLC', 'litware'],
  ['Adventure Works AG', 'adventure-works'],
  ['Proseware SA', 'proseware'],
  ['Woodgrove Co.', 'woodgrove'],
  ['Lucerne Publishing Ltd', 'lucerne-publishing'],
] as const;

const str = (row: Row, key: string): string => String(row[key] ?? '');
const companyName = (company: string): string => company.replace(/\s+\S+$/, '');
const slug = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** The mock mail as JSONL lines, and what each kind should produce. */
export function generateMockEmails(options: Partial<MockEmailOptions> = {}): { lines: string[]; stats: MockEmailStats } {
  const opts = { ...DEFAULT_MOCK_EMAIL_OPTIONS, ...options };
  const leads = opts.leads ?? generateMockLeads(MOCK_EMAIL_LEAD_COUNT);
  const c = opts.counts;
  if (c.newLead + c.alias > leads.length || c.replies > leads.length) throw new RangeError('not enough leads for distinct senders per campaign');
  const rand = mulberry32(opts.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const shuffled = <T>(items: readonly T[]): T[] => {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  let n = 0;
  const base = Date.UTC(2026, 1, 2, 8);
  const mail = (fields: Record<string, unknown>): Record<string, unknown> => {
    n += 1;
    return { messageId: `msg-${String(n).padStart(5, '0')}@mail.example`, receivedAt: new Date(base + n * 47_000).toISOString(), ...fields };
  };
  const valid: Record<string, unknown>[] = [];
  // New-lead mail and personal-address mail share the spring-launch campaign: distinct leads, so one draft each.
  const spring = shuffled(leads).slice(0, c.newLead + c.alias);
  for (const lead of spring.slice(0, c.newLead)) {
    const mention = pick([
      `I'm the ${str(lead, 'title')} at ${str(lead, 'company')} and would like to learn more.`,
      `company: ${str(lead, 'company')}\nWe are growing fast and need help with outreach.`,
      `My reference is ${str(lead, 'id')}. We would like a quote.`,
    ]);
    valid.push(
      mail({
        from: str(lead, 'email'),
        to: 'spring-launch@campaigns.example',
        subject: pick(NEW_LEAD_SUBJECTS),
        body: `Hello,\n\n${mention}\n\nThanks,\n${str(lead, 'first_name')}`,
      }),
    );
  }
  for (const lead of spring.slice(c.newLead)) {
    const from = `${slug(str(lead, 'first_name'))}.${slug(str(lead, 'last_name'))}.home@gmail.example`;
    valid.push(
      mail({
        from,
        to: 'spring-launch@campaigns.example',
        subject: 'Writing from my personal address',
        body: `Hi, this is ${str(lead, 'first_name')} ${str(lead, 'last_name')} (${str(lead, 'id')}). Please use this address for now.`,
      }),
    );
  }
  for (const [i, lead] of shuffled(leads).slice(0, c.replies).entries()) {
    const threaded = i % 5 !== 4; // some clients drop In-Reply-To; the "Re:"/"AW:" subject still marks the reply
    valid.push(
      mail({
        from: str(lead, 'email'),
        to: 'webinar-followup@campaigns.example',
        subject: `${i % 7 === 3 ? 'AW' : 'Re'}: Your seat for the spring webinar`,
        body: pick(REPLY_BODIES),
        ...(threaded ? { inReplyTo: `out-${String(i + 1).padStart(4, '0')}@campaigns.example` } : {}),
      }),
    );
  }
  const companies = [...new Set(leads.map((l) => companyName(str(l, 'company'))))].slice(0, c.companyVariant);
  for (const name of companies) {
    valid.push(
      mail({
        from: `info@${slug(name)}-group.example`,
        to: 'partner-program@campaigns.example',
        subject: 'Partnership inquiry',
        body: `Hello, we are the partnerships team at ${name} Corp and would like to talk.`,
      }),
    );
  }
  for (let i = 0; i < c.unknown; i++) {
    const [company, domain] = UNKNOWN[i % UNKNOWN.length]!;
    valid.push(
      mail({
        from: `contact${i + 1}@${domain}.example`,
        to: 'spring-launch@campaigns.example',
        subject: 'Inquiry',
        body: `Hi, I work at ${company} and saw your ad.`,
      }),
    );
  }
  const invalid: Record<string, unknown>[] = [
    mail({ to: 'spring-launch@campaigns.example', subject: 'No sender', body: 'Where is my from?' }),
    { from: 'nomessageid@contoso.example', to: 'spring-launch@campaigns.example', subject: 'No id', body: 'Missing messageId.' },
    mail({ from: 'not-an-address', to: 'spring-launch@campaigns.example', subject: 'Bad from', body: 'x' }),
    mail({ from: 'jane@contoso.example', to: 'spring-launch@campaigns.example', subject: 'Body is a number', body: 42 }),
    mail({ from: 'joe@contoso.example', to: 'spring-launch@campaigns.example', subject: '   ', body: 'Empty subject.' }),
    mail({ from: 'ann@contoso.example', subject: 'No recipient', body: 'Missing to.' }),
  ];
  const notJson = [
    '{"messageId": "msg-broken@mail.example", "from": "half@contoso.example", "subj',
    'this line is not JSON at all',
    '["an", "array", "of", "strings"]',
    '"just a JSON string"',
    "{'single': 'quotes are not JSON'}",
    'null',
  ];
  const lines = shuffled([...valid, ...invalid].map((m) => JSON.stringify(m)).concat(notJson));
  // Duplicates: copies of valid mails placed after their originals (a redelivering mail server).
  const originals = shuffled(valid)
    .slice(0, c.duplicates)
    .map((m) => JSON.stringify(m));
  for (const dup of originals) {
    const at = lines.indexOf(dup) + 1 + Math.floor(rand() * (lines.length - lines.indexOf(dup)));
    lines.splice(at, 0, dup);
  }
  const expectedMatched = c.newLead + c.replies + c.alias + companies.length;
  return {
    lines,
    stats: {
      lines: lines.length,
      newLead: c.newLead,
      replies: c.replies,
      alias: c.alias,
      companyVariant: companies.length,
      unknown: c.unknown,
      duplicates: originals.length,
      invalid: invalid.length,
      notJson: notJson.length,
      expectedMatched,
      expectedNewLeads: c.unknown,
      expectedUnmatched: 0,
    },
  };
}

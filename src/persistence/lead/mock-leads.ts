/**
 * Deterministic sample leads for demos and offline tests. A seeded PRNG (mulberry32), never
 * Math.random, so the same seed always yields the same rows; only `.example` domains are used.
 */
import type { Row } from '../types.js';

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
  'Edsger',
  'Katherine',
  'Donald',
  'Radia',
  'Tim',
  'Hedy',
  'Guido',
  'Sophie',
  'John',
  'Mary',
  'Bjarne',
  'Annie',
  'Niklaus',
  'Joan',
  'Yukihiro',
  'Elena',
  'Lukas',
  'Amara',
  'Mateo',
  'Priya',
  'Jonas',
] as const;

const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
  'Dijkstra',
  'Johnson',
  'Knuth',
  'Perlman',
  'Berners-Lee',
  'Lamarr',
  'van Rossum',
  'Wilson',
  'Backus',
  'Keller',
  'Stroustrup',
  'Easley',
  'Wirth',
  'Clarke',
  'Matsumoto',
  'Petrova',
  'Schneider',
  'Okafor',
  'García',
  'Raman',
  'Lindqvist',
] as const;

const COMPANY_NAMES = [
  'Acme Robotics',
  'Globex',
  'Initech',
  'Umbrella Analytics',
  'Stark Logistics',
  'Wayne Foods',
  'Hooli',
  'Vandelay Industries',
  'Soylent Labs',
  'Nordwind',
  'Blue Harbor',
  'Tyrell Systems',
  'Cyberdyne Health',
  'Oceanic Air',
  'Wonka Confections',
  'Aperture Science',
  'Bluth Homes',
  'Pied Piper',
] as const;

const COMPANY_SUFFIXES = ['Inc.', 'GmbH', 'Ltd', 'LLC', 'AG', 'SA', 'Co.'] as const;

const TITLES = [
  'CEO',
  'CTO',
  'VP Engineering',
  'Head of Marketing',
  'Sales Director',
  'Product Manager',
  'Operations Lead',
  'Founder',
  'Data Scientist',
  'Procurement Manager',
] as const;

const STATUSES = ['new', 'new', 'new', 'contacted', 'qualified', 'replied', 'unsubscribed'] as const;

/** How many distinct client ids the mock data spreads leads across. */
export const MOCK_CLIENT_COUNT = 5;

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lower-case ASCII words of `text` (accents dropped) joined by `sep`. */
function slug(text: string, sep: string): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  return words.join(sep);
}

/** `count` realistic, deterministic leads (ids `lead-0001`...; unique emails at `.example` domains). */
export function generateMockLeads(count: number, seed = 42): Row[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const rand = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const width = Math.max(4, String(count).length);
  const base = Date.UTC(2026, 0, 1);
  const seenEmails = new Set<string>();
  const rows: Row[] = [];
  for (let i = 1; i <= count; i += 1) {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const companyName = pick(COMPANY_NAMES);
    const company = `${companyName} ${pick(COMPANY_SUFFIXES)}`;
    const local = `${slug(first, '.')}.${slug(last, '')}`;
    const domain = `${slug(companyName, '-')}.example`;
    // Same name at the same company: number the later ones, as a real mail system would.
    let email = `${local}@${domain}`;
    for (let n = 2; seenEmails.has(email); n += 1) email = `${local}${n}@${domain}`;
    seenEmails.add(email);
    const createdAt = new Date(base - Math.floor(rand() * 180 * 86_400) * 1000).toISOString();
    rows.push({
      id: `lead-${String(i).padStart(width, '0')}`,
      email,
      first_name: first,
      last_name: last,
      company,
      title: pick(TITLES),
      client_id: `client-${1 + Math.floor(rand() * MOCK_CLIENT_COUNT)}`,
      status: pick(STATUSES),
      created_at: createdAt,
      updated_at: createdAt,
    });
  }
  return rows;
}

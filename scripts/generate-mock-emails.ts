// Writes data/mock-emails.jsonl from the deterministic generator (same output on every run):
//   npx tsx scripts/generate-mock-emails.ts [out-file]
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateMockEmails } from '../src/actors/lead/pipeline/mock-emails.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../data/mock-emails.jsonl', import.meta.url));
const { lines, stats } = generateMockEmails();
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length} lines to ${out}`);
console.log(JSON.stringify(stats));

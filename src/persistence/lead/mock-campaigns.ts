/**
 * The demo's campaign catalogue: one row per campaign inbox the bundled mail is sent to, plus the
 * `inbound` catch-all that mail for an unknown campaign falls back to. Seeded into the memory
 * store and by `actors migrate --seed-leads N` (the demo data), never implied elsewhere.
 */
import type { Row } from '../types.js';

/** The campaigns of the bundled mock mail (data/mock-emails.jsonl), and the inbound catch-all. */
export function mockCampaigns(): Row[] {
  const at = '2026-01-01T00:00:00.000Z';
  const row = (id: string, name: string, clientId: string | null): Row => ({ id, name, client_id: clientId, status: 'active', created_at: at, updated_at: at });
  return [
    row('inbound', 'Inbound mail without a campaign', null),
    row('spring-launch', 'Spring launch', 'client-1'),
    row('webinar-followup', 'Spring webinar follow-up', 'client-2'),
    row('partner-program', 'Partner program', 'client-3'),
  ];
}

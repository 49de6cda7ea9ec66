/**
 * The lead app's tables as data (leads, drafts, audit, campaigns) and their deterministic ids; the
 * generic shapes are in ../schema.ts, and the wiring that hands these tables to the generic
 * adapters, service and migrations is ./persistence.ts.
 */
import { createHash } from 'node:crypto';
import { columnAllowlist, type ColumnSpec, type TableSpec } from '../schema.js';

const text = (name: string, notNull = false): ColumnSpec => ({ name, type: 'text', notNull });
const json = (name: string): ColumnSpec => ({ name, type: 'jsonb' });
const stamp = (name: string): ColumnSpec => ({ name, type: 'timestamptz', notNull: true, defaultNow: true });

/** Leads: the people a campaign writes to. `email` is unique (its unique index also serves lookups by email). */
export const LEADS_TABLE: TableSpec = Object.freeze({
  name: 'leads',
  primaryKey: 'id',
  columns: Object.freeze([
    text('id', true),
    text('email', true),
    text('first_name'),
    text('last_name'),
    text('company'),
    text('title'),
    text('client_id'),
    text('status'),
    stamp('created_at'),
    stamp('updated_at'),
  ]),
  unique: Object.freeze([Object.freeze(['email'])]),
  indexes: Object.freeze([Object.freeze(['company']), Object.freeze(['client_id'])]),
});

/** Drafts: one copywriter draft per (lead, campaign); the id is derived from both (see draftId). */
export const DRAFTS_TABLE: TableSpec = Object.freeze({
  name: 'drafts',
  primaryKey: 'id',
  columns: Object.freeze([
    text('id', true),
    text('lead_id', true),
    text('campaign_id', true),
    text('subject'),
    text('body'),
    text('correlation_id'),
    stamp('created_at'),
    stamp('updated_at'),
  ]),
  unique: Object.freeze([Object.freeze(['lead_id', 'campaign_id'])]),
  indexes: Object.freeze([Object.freeze(['correlation_id'])]),
});

/** Audit: one row per pipeline outcome; the id is the envelope id, so re-recording is idempotent. */
export const AUDIT_TABLE: TableSpec = Object.freeze({
  name: 'audit',
  primaryKey: 'id',
  columns: Object.freeze([
    text('id', true),
    text('type', true),
    text('actor'),
    text('outcome'),
    text('correlation_id'),
    text('causation_id'),
    json('payload'),
    json('provenance'),
    stamp('created_at'),
  ]),
  unique: Object.freeze([]),
  indexes: Object.freeze([Object.freeze(['correlation_id'])]),
});

/** Campaigns: what the campaign manager schedules (optional for the pipeline; handy for demos). */
export const CAMPAIGNS_TABLE: TableSpec = Object.freeze({
  name: 'campaigns',
  primaryKey: 'id',
  columns: Object.freeze([text('id', true), text('name'), text('client_id'), text('status'), stamp('created_at'), stamp('updated_at')]),
  unique: Object.freeze([]),
  indexes: Object.freeze([Object.freeze(['client_id'])]),
});

/** Every domain table, in creation order. */
export const DOMAIN_TABLES: readonly TableSpec[] = Object.freeze([LEADS_TABLE, DRAFTS_TABLE, AUDIT_TABLE, CAMPAIGNS_TABLE]);

/** The spec of a domain table, or undefined. */
export function domainTable(name: string): TableSpec | undefined {
  return DOMAIN_TABLES.find((t) => t.name === name);
}

/** Table -> column names for every domain table (the lead app's service allowlist). */
export function domainColumnAllowlist(): Record<string, readonly string[]> {
  return columnAllowlist(DOMAIN_TABLES);
}

/** The deterministic id of the draft for (lead, campaign): the same pair always maps to the same row. */
export function draftId(leadId: string, campaignId: string): string {
  // JSON of the pair, not a joined string, so ('a:b', 'c') and ('a', 'b:c') never collide.
  const digest = createHash('sha256')
    .update(JSON.stringify([leadId, campaignId]))
    .digest('hex');
  return `draft-${digest.slice(0, 32)}`;
}

/** The deterministic id of a lead created from an address (the lead-upsert workflow): one address, one id, whoever writes it. */
export function leadIdOfEmail(email: string): string {
  const digest = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
  return `lead-${digest.slice(0, 16)}`;
}

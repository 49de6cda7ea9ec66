/**
 * The domain tables as data: one description drives the Postgres DDL (migrate.ts), the memory
 * adapter's constraints and the service's default allowlists, so the three cannot drift.
 */
import { createHash } from 'node:crypto';

/** The column types the domain uses (Postgres names). */
export type ColumnType = 'text' | 'integer' | 'jsonb' | 'timestamptz';

/** One column. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** NOT NULL (primary keys are always not null). */
  readonly notNull?: boolean;
  /** Filled with the current time on insert when the row does not give it. */
  readonly defaultNow?: boolean;
}

/** One table: columns in order, its primary key, unique keys and secondary indexes. */
export interface TableSpec {
  readonly name: string;
  readonly primaryKey: string;
  readonly columns: readonly ColumnSpec[];
  /** Unique keys besides the primary key (each a list of columns). */
  readonly unique: readonly (readonly string[])[];
  /** Plain b-tree indexes (each a list of columns). */
  readonly indexes: readonly (readonly string[])[];
}

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

/** Columns that record when, not what: upserts ignore them when deciding whether a row changed. */
export const TIMESTAMP_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'updated_at']);

/** The spec of a domain table, or undefined. */
export function domainTable(name: string): TableSpec | undefined {
  return DOMAIN_TABLES.find((t) => t.name === name);
}

/** Column names of a table spec, in order. */
export function columnNames(spec: TableSpec): string[] {
  return spec.columns.map((c) => c.name);
}

/** Table -> column names for every domain table (the service's default allowlist). */
export function domainColumnAllowlist(): Record<string, readonly string[]> {
  return Object.fromEntries(DOMAIN_TABLES.map((t) => [t.name, Object.freeze(columnNames(t))]));
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

/**
 * persistence-writer: the seed's persistence write agent. It performs the writes other actors
 * request by envelope (`persistence.write.requested` -> `persistence.written`), so they never hold
 * write access: it is the one actor declaring `writes` for its tables, and it gets `ctx.writer`
 * scoped to exactly those from the runtime. Each write is an upsert keyed by the table's primary
 * key, so a redelivered request writes once (`changed: false` the second time). A table outside
 * its list, a table without a schema or an invalid row is a PermanentError: the request goes to
 * the DLQ with the reason, and nothing is written.
 */
import { provenanceFor } from '../../envelope/provenance.js';
import { isPersistenceAdapterError, isPersistenceError, isPersistencePermissionError } from '../../persistence/errors.js';
import { TIMESTAMP_COLUMNS } from '../../persistence/schema.js';
import { domainTable } from '../../persistence/lead/tables.js';
import type { Row } from '../../persistence/types.js';
import { defineActor } from '../define.js';
import { PermanentError } from '../errors.js';
import type { ActorDefinition, ActorSpec } from '../types.js';
import { LEAD_ACTOR_NAMES, TOPICS } from './topics.js';

/** `persistence.write.requested` payload: one row for one table. */
export interface PersistenceWriteRequest {
  table: string;
  /** The row; must carry the table's primary key (the upsert's key) and only the table's columns. */
  row: Row;
  /** Echoed on `persistence.written`, so the requester's workflow can continue from the reply. */
  context?: Record<string, unknown>;
}

/** `persistence.written` payload: what was stored and whether the write changed anything. */
export interface PersistenceWritten {
  table: string;
  id: string;
  changed: boolean;
  /** The row as stored. */
  row: Row;
  context?: Record<string, unknown>;
}

/** Options of the write agent. */
export interface PersistenceWriterOptions {
  /** Tables it may write (its `writes`); default: leads, the only table no other actor writes. */
  tables: readonly string[];
  actor?: Partial<ActorSpec>;
}

/** Defaults of PersistenceWriterOptions. */
export const DEFAULT_PERSISTENCE_WRITER_OPTIONS: Readonly<PersistenceWriterOptions> = Object.freeze({ tables: Object.freeze(['leads']) });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a write request against the allowed tables and the table's schema; PermanentError naming every problem. */
export function assertWriteRequest(payload: unknown, tables: readonly string[]): PersistenceWriteRequest & { key: string } {
  if (!isRecord(payload)) throw new PermanentError('invalid write request: $: must be an object');
  const { table, row } = payload;
  if (typeof table !== 'string' || table === '') throw new PermanentError('invalid write request: $.table: required');
  if (!tables.includes(table))
    throw new PermanentError(
      `refused write request: table "${table}" is not writable by ${LEAD_ACTOR_NAMES.persistenceWriter} (allowed: ${tables.join(', ')})`,
    );
  const spec = domainTable(table);
  if (spec === undefined) throw new PermanentError(`refused write request: table "${table}" has no schema`);
  if (!isRecord(row)) throw new PermanentError('invalid write request: $.row: must be an object');
  const problems: string[] = [];
  const known = new Set(spec.columns.map((c) => c.name));
  for (const column of Object.keys(row)) if (!known.has(column)) problems.push(`$.row.${column}: not a column of ${table}`);
  for (const c of spec.columns) {
    const v = row[c.name];
    const required = c.name === spec.primaryKey || (c.notNull === true && c.defaultNow !== true);
    if (required && (v === undefined || v === null || v === '')) problems.push(`$.row.${c.name}: required`);
    else if (v !== undefined && v !== null && c.type === 'text' && typeof v !== 'string') problems.push(`$.row.${c.name}: must be a string`);
    else if (v !== undefined && v !== null && c.type === 'integer' && !Number.isSafeInteger(v)) problems.push(`$.row.${c.name}: must be an integer`);
    else if (v !== undefined && v !== null && c.type === 'timestamptz' && (typeof v !== 'string' || Number.isNaN(Date.parse(v))))
      problems.push(`$.row.${c.name}: not a date`);
  }
  if (problems.length > 0) throw new PermanentError(`invalid write request: ${problems.join('; ')}`);
  const context = isRecord(payload.context) ? payload.context : undefined;
  return { table, row, ...(context ? { context } : {}), key: spec.primaryKey };
}

/** The write agent: the only actor that writes `tables`, through the scoped `ctx.writer` it declares. */
export function persistenceWriterActor(options: Partial<PersistenceWriterOptions> = {}): ActorDefinition {
  const tables = [...(options.tables ?? DEFAULT_PERSISTENCE_WRITER_OPTIONS.tables)];
  return defineActor({
    ...options.actor,
    name: LEAD_ACTOR_NAMES.persistenceWriter,
    consumes: [TOPICS.persistenceWriteRequested],
    emits: [TOPICS.persistenceWritten],
    writes: tables,
    handle: async (env, ctx) => {
      const request = assertWriteRequest(env.payload, tables);
      if (ctx.writer === undefined)
        throw new PermanentError(`${LEAD_ACTOR_NAMES.persistenceWriter} was given no writer (declare writes and give the runtime the PersistenceService)`);
      let stored: Row;
      let changed: boolean;
      try {
        ({ row: stored, changed } = await ctx.writer.upsert(request.table, request.row, [request.key]));
      } catch (err) {
        // Bad input (a unique key taken by another row, a refused column) never succeeds on retry; an outage may.
        const permanent =
          isPersistencePermissionError(err) ||
          (isPersistenceError(err) && !isPersistenceAdapterError(err)) ||
          (isPersistenceAdapterError(err) && (err.reason === 'conflict' || err.reason === 'invalid_input' || err.reason === 'missing_table'));
        if (permanent) throw new PermanentError(`write to ${request.table} refused: ${(err as Error).message}`);
        throw err;
      }
      const id = String(stored[request.key] ?? request.row[request.key]);
      ctx.metrics.increment('rows_written', { table: request.table, changed: String(changed) });
      const written: PersistenceWritten = { table: request.table, id, changed, row: stored, ...(request.context ? { context: request.context } : {}) };
      const retrievedAt = typeof stored.updated_at === 'string' ? stored.updated_at : new Date(ctx.clock.now()).toISOString();
      // Timestamps say when, not what: the hash names the content that was written.
      const content = Object.fromEntries(Object.entries(stored).filter(([k]) => !TIMESTAMP_COLUMNS.has(k)));
      const record = {
        table: request.table,
        id,
        provenance: provenanceFor({ ...content, id }, { source: `${ctx.writer.adapterName ?? 'store'}:${request.table}`, retrievedAt }),
      };
      return [ctx.derive(TOPICS.persistenceWritten, written, { records: [record], key: id, metadata: { source: LEAD_ACTOR_NAMES.persistenceWriter } })];
    },
  });
}

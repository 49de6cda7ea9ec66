/**
 * The `npm start` demo: the whole lead topology in one process on the memory stream shim and the
 * memory store (seeded with the mock leads), fed the bundled mock mail, run until every stream
 * is drained, then stopped. No server, no network, seconds.
 */
import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { buildLeadTopology } from '../topology.js';
import type { RagOptions } from '../rag/options.js';
import { waitUntilDrained } from '../../runtime/drain.js';
import { ActorRuntime } from '../../runtime/runtime.js';
import { createLogger } from '../../../monitoring/logger.js';
import type { Logger } from '../../../monitoring/types.js';
import { MOCK_EMAIL_LEAD_COUNT } from './mock-emails.js';
import { mockCampaigns } from '../../../persistence/lead/mock-campaigns.js';
import { generateMockLeads } from '../../../persistence/lead/mock-leads.js';
import { leadMemoryAdapter, leadPersistenceService } from '../../../persistence/lead/persistence.js';
import { MemoryStreamBackend } from '../../../streams/memory-backend.js';
import { createKeys } from '../../../streams/keys.js';
import { ingestEmails, type IngestResult } from './ingest.js';
import { entityReport, type EntityReport } from './entity-report.js';
import { pipelineReport, type PipelineReport } from './report.js';

/** Options of runDemo. */
export interface DemoOptions {
  /** JSONL file of mails; default the bundled data/mock-emails.jsonl. */
  file: string;
  /** Mock leads seeded into the memory store. */
  leads: number;
  /** Give up waiting for the drain after this long. */
  timeoutMs: number;
  /** Default: warnings and errors only (info with the RAG debug flags), to stderr, so the summary stays readable. */
  logger?: Logger;
  ragOptions?: Partial<RagOptions>;
}

/**
 * The bundled mock mail, found relative to this module (never the cwd): src/actors/lead/pipeline in
 * a clone, dist/src/actors/lead/pipeline in the installed package, both under the package root's data/.
 */
export function defaultMockEmailFile(): string {
  const candidates = ['../../../../data/mock-emails.jsonl', '../../../../../data/mock-emails.jsonl'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((f) => existsSync(f)) ?? candidates[0]!;
}

/** Defaults of DemoOptions. */
export const DEFAULT_DEMO_OPTIONS: Readonly<Omit<DemoOptions, 'file'>> = Object.freeze({ leads: MOCK_EMAIL_LEAD_COUNT, timeoutMs: 30_000 });

/** What the demo did. */
export interface DemoSummary extends PipelineReport {
  file: string;
  ingest: IngestResult;
  /** Duplicate mails the campaign manager skipped (its idempotency, not the ingest). */
  duplicatesSkipped: number;
  /** Drafts and audit rows written. */
  rowsPersisted: number;
  wallMs: number;
  /** The lead and campaign entities: states, blocked drafts, and the rebuild from the log. */
  entities: EntityReport;
}

/** Runs the demo and returns its summary (the CLI prints it; tests assert it). */
export async function runDemo(options: Partial<DemoOptions> = {}): Promise<DemoSummary> {
  const opts = { ...DEFAULT_DEMO_OPTIONS, file: defaultMockEmailFile(), ...options };
  const started = performance.now();
  const backend = new MemoryStreamBackend();
  const keys = createKeys('demo');
  const service = leadPersistenceService(leadMemoryAdapter({ seed: { leads: generateMockLeads(opts.leads), campaigns: mockCampaigns() } }));
  const actors = buildLeadTopology({ service, ...(opts.ragOptions ? { ragOptions: opts.ragOptions } : {}) });
  // RAG_DEBUG_IO / RAG_DEEP_DEBUG output is info-level: asking for it lowers the threshold.
  const debug = opts.ragOptions?.debugIo === true || opts.ragOptions?.deepDebug === true;
  const logger = opts.logger ?? createLogger({ level: debug ? 'info' : 'warn' });
  const runtime = new ActorRuntime(actors, {
    backend,
    keys,
    consumer: 'demo-0',
    logger,
    persistence: service,
    options: { blockMs: 200, promoteIntervalMs: 20, trimIntervalMs: 0 },
  });
  let ingest: IngestResult;
  let report: PipelineReport;
  let entities: EntityReport;
  let duplicatesSkipped = 0;
  try {
    await runtime.start();
    try {
      const lines = createInterface({ input: createReadStream(opts.file, 'utf8'), crlfDelay: Infinity });
      ingest = await ingestEmails(backend, keys, lines, { source: basename(opts.file) });
      await waitUntilDrained(backend, keys, actors, { timeoutMs: opts.timeoutMs, pollMs: 20 });
    } finally {
      await runtime.stop();
    }
    report = await pipelineReport(backend, keys, service.readOnly());
    entities = await entityReport(backend, keys);
    const duplicates = (await runtime.registry.getSingleMetric('stream_actor_duplicates_skipped_total')?.get())?.values ?? [];
    duplicatesSkipped = duplicates.filter((v) => v.labels.actor === 'campaign-manager').reduce((n, v) => n + v.value, 0);
  } finally {
    await backend.close();
    await service.close();
  }
  return {
    ...report,
    file: opts.file,
    ingest,
    duplicatesSkipped,
    rowsPersisted: report.draftRows + report.auditRows,
    wallMs: Math.round(performance.now() - started),
    entities,
  };
}

/** The summary as a table, then the sample envelope as pretty JSON. */
export function formatDemoSummary(s: DemoSummary): string {
  const table = new Table({ head: ['lead pipeline demo', ''], style: { head: [], border: [] } });
  const dead = Object.entries(s.deadLettered).sort(([a], [b]) => a.localeCompare(b));
  table.push(
    ['mails in file', `${s.ingest.ingested + s.ingest.rejected.length} (${basename(s.file)})`],
    ['ingested (email.received)', s.ingest.ingested],
    ['duplicates skipped', s.duplicatesSkipped],
    ['jobs (new lead / reply)', `${s.leadJobs} / ${s.replyJobs}`],
    ['leads matched', s.matched],
    ['leads created (unknown senders)', s.leadsCreated],
    ['unmatched', s.unmatched],
    ['drafts written', s.draftsPersisted],
    [
      'drafts blocked by the lead entity',
      s.entities.draftsBlocked === 0
        ? 0
        : Object.entries(s.entities.blockedByReason)
            .map(([r, n]) => `${n} ${r}`)
            .join('\n'),
    ],
    ['rows persisted (drafts + audit)', `${s.rowsPersisted} (${s.draftRows} + ${s.auditRows})`],
    ['dead-lettered', dead.length === 0 ? 0 : dead.map(([k, n]) => `${n} ${k}`).join('\n')],
    ['wall time', `${(s.wallMs / 1000).toFixed(2)} s`],
  );
  const leads = new Table({ head: ['lead (entity id)', 'status', 'drafts', 'blocked', 'version', 'last event'], style: { head: [], border: [] } });
  for (const l of s.entities.samples) leads.push([l.id, l.status, l.drafts, l.blocked, l.version, l.lastEventId]);
  const byStatus = Object.entries(s.entities.leadsByStatus)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const rebuild = `rebuild from the lead log: ${s.entities.rebuilt.same}/${s.entities.rebuilt.total} lead states identical to their snapshots (${byStatus})`;
  const entityText = `\nlead states (snapshots):\n${leads.toString()}\n${rebuild}\n`;
  const sample = s.sample ? `\nsample ${s.sample.type} envelope (records carry their provenance):\n${JSON.stringify(s.sample, null, 2)}` : '';
  return `${table.toString()}\n${entityText}${sample}`;
}

/**
 * `actors dashboard --memory-demo`: the lead pipeline of `npm start` on the memory shim in this
 * process, kept busy (the bundled mock mail replayed a few messages at a time under fresh message
 * ids, now and then a line that is not JSON so the DLQ view has something), for a newcomer to look
 * at with no Redis at all.
 */
import { readFileSync } from 'node:fs';
import { buildLeadTopology } from '../actors/lead/topology.js';
import { ActorRuntime } from '../actors/runtime/runtime.js';
import type { ActorDefinition } from '../actors/types.js';
import { createLogger } from '../monitoring/logger.js';
import { generateMockLeads } from '../persistence/lead/mock-leads.js';
import { leadMemoryAdapter, leadPersistenceService } from '../persistence/lead/persistence.js';
import { defaultMockEmailFile } from '../actors/lead/pipeline/demo.js';
import { ingestEmails } from '../actors/lead/pipeline/ingest.js';
import { MOCK_EMAIL_LEAD_COUNT } from '../actors/lead/pipeline/mock-emails.js';
import { createKeys, type Keys } from '../streams/keys.js';
import { MemoryStreamBackend } from '../streams/memory-backend.js';

/** A running in-process demo. */
export interface MemoryDemo {
  backend: MemoryStreamBackend;
  keys: Keys;
  actors: ActorDefinition[];
  stop(): Promise<void>;
}

/** Starts the demo: runtime, first ingest of the whole file, then `perTick` mails every `tickMs`. */
export async function startMemoryDemo(opts: { tickMs?: number; perTick?: number } = {}): Promise<MemoryDemo> {
  const tickMs = opts.tickMs ?? 2_000;
  const perTick = opts.perTick ?? 8;
  const backend = new MemoryStreamBackend();
  const keys = createKeys('demo');
  const service = leadPersistenceService(leadMemoryAdapter({ seed: { leads: generateMockLeads(MOCK_EMAIL_LEAD_COUNT) } }));
  const actors = buildLeadTopology({ service });
  const runtime = new ActorRuntime(actors, {
    backend,
    keys,
    consumer: 'demo-0',
    logger: createLogger({ level: 'error' }),
    persistence: service,
    options: { blockMs: 200, promoteIntervalMs: 20, trimIntervalMs: 0 },
  });
  await runtime.start();
  const lines = readFileSync(defaultMockEmailFile(), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  await ingestEmails(backend, keys, lines, { source: 'mock-emails.jsonl' });
  // The file's deliberately broken lines went to the DLQ once; later rounds replay the good mails only.
  const mails = lines.flatMap((l) => {
    try {
      const m = JSON.parse(l) as unknown;
      return m && typeof m === 'object' && !Array.isArray(m) && typeof (m as { messageId?: unknown }).messageId === 'string'
        ? [m as Record<string, unknown>]
        : [];
    } catch {
      return [];
    }
  });
  let round = 0;
  let next = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    round += 1;
    const batch: string[] = [];
    for (let i = 0; i < perTick; i += 1) {
      const mail = mails[next % mails.length]!;
      next += 1;
      batch.push(JSON.stringify({ ...mail, messageId: `r${round}-${String(mail.messageId)}` }));
    }
    if (round % 5 === 0) batch.push('this line is not JSON <b>and shows as text</b>');
    ingestEmails(backend, keys, batch, { source: 'memory-demo' })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, tickMs);
  timer.unref();
  return {
    backend,
    keys,
    actors,
    stop: async () => {
      clearInterval(timer);
      await runtime.stop();
      await backend.close();
      await service.close();
    },
  };
}

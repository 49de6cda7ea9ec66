/**
 * Test harness for the lead pipeline: a real ActorRuntime on a real backend (the memory shim by
 * default) with a real PersistenceService over the memory adapter seeded with the mock leads,
 * and helpers to feed topics and read streams, DLQs and tables back.
 */
import { parseDeadLetter, type DeadLetterEntry } from '../src/actors/runtime/dead-letter.js';
import { waitUntilDrained } from '../src/actors/runtime/drain.js';
import { ActorRuntime } from '../src/actors/runtime/runtime.js';
import type { ActorDefinition } from '../src/actors/types.js';
import { encodeEnvelope, ENVELOPE_FIELD } from '../src/envelope/codec.js';
import type { Envelope } from '../src/envelope/types.js';
import type { Logger } from '../src/monitoring/types.js';
import { generateMockLeads } from '../src/persistence/lead/mock-leads.js';
import type { PersistenceService } from '../src/persistence/service.js';
import type { Row } from '../src/persistence/types.js';
import { fieldValue, type StreamBackend } from '../src/streams/backend.js';
import type { Clock } from '../src/clock.js';
import { createKeys, type Keys } from '../src/streams/keys.js';
import { MemoryStreamBackend } from '../src/streams/memory-backend.js';
import { capturingLogger } from './support/quiet-logger.js';
import { uniquePrefix } from './support/redis.js';
import { leadMemoryAdapter, leadPersistenceService } from '../src/persistence/lead/persistence.js';

/** Runtime settings that keep tests quick. */
export const FAST_RUNTIME = Object.freeze({ blockMs: 50, promoteIntervalMs: 10, trimIntervalMs: 0, errorBackoffMs: 20 });

/** A running lead topology (or part of one) and ways to look at it. */
export interface LeadHarness {
  backend: StreamBackend;
  keys: Keys;
  service: PersistenceService;
  runtime: ActorRuntime;
  actors: ActorDefinition[];
  logger: Logger;
  lines: () => Record<string, unknown>[];
  send(envs: Envelope[]): Promise<void>;
  envelopes(topic: string): Promise<Envelope[]>;
  dlq(topic: string): Promise<DeadLetterEntry[]>;
  rows(table: string): Promise<Row[]>;
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Options of startLead. */
export interface LeadHarnessOptions {
  backend?: StreamBackend;
  prefix?: string;
  service?: PersistenceService;
  clock?: Clock;
  logLevel?: string;
  /** Mock leads seeded into the default memory store. */
  leads?: number;
  /** Partitions P of every topic (the runtime reads them all). */
  partitions?: number;
}

/** A memory-backed PersistenceService seeded with generateMockLeads(n). */
export function memoryService(leads = 200, clock?: Clock): PersistenceService {
  return leadPersistenceService(leadMemoryAdapter({ seed: { leads: generateMockLeads(leads) }, ...(clock ? { clock } : {}) }));
}

/** Starts a runtime over `build(service)`; the caller stops it. */
export async function startLead(build: (service: PersistenceService) => ActorDefinition[], opts: LeadHarnessOptions = {}): Promise<LeadHarness> {
  const backend = opts.backend ?? new MemoryStreamBackend(opts.clock ? { clock: opts.clock } : {});
  const keys = createKeys(opts.prefix ?? uniquePrefix('lead'));
  const service = opts.service ?? memoryService(opts.leads ?? 200, opts.clock);
  const actors = build(service);
  const { logger, lines } = capturingLogger(opts.logLevel ?? 'info');
  const runtime = new ActorRuntime(actors, {
    backend,
    keys,
    consumer: 'test-0',
    logger,
    persistence: service,
    options: FAST_RUNTIME,
    partitions: opts.partitions ?? 1,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await runtime.start();
  const envelopes = async (topic: string): Promise<Envelope[]> =>
    (await backend.range(keys.topic(topic), '-', '+')).map((e) => JSON.parse(fieldValue(e.fields, ENVELOPE_FIELD) ?? 'null') as Envelope);
  return {
    backend,
    keys,
    service,
    runtime,
    actors,
    logger,
    lines,
    send: async (envs) => void (await backend.appendMany(envs.map((e) => ({ stream: keys.topic(e.type), fields: encodeEnvelope(e) })))),
    envelopes,
    dlq: async (topic) => (await backend.range(keys.dlq(topic), '-', '+')).map((e) => parseDeadLetter(e.id, e.fields)),
    rows: async (table) => (await service.query(table, { limit: 100 })).rows,
    drain: async (timeoutMs = 15_000) => void (await waitUntilDrained(backend, keys, actors, { timeoutMs, pollMs: 10, partitions: opts.partitions ?? 1 })),
    stop: () => runtime.stop(),
  };
}

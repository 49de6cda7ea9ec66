/**
 * The envelope view's data: one envelope found by id, correlation id or idempotency key, and the
 * causal tree of its flow (causationId links) with per-hop times. LOCAL ADAPTER: branch i18's
 * src/admin/trace.ts is the project's causal tree reader; until it is merged this reads the
 * newest entries of the topic and DLQ streams itself (bounded per stream).
 */
import { ENVELOPE_FIELD } from '../envelope/codec.js';
import type { Envelope } from '../envelope/types.js';
import { fieldValue, type StreamBackend } from '../streams/backend.js';
import type { Keys } from '../streams/keys.js';
import type { Redactor } from '../monitoring/redact.js';

/** One envelope of the tree. */
export interface TraceNode {
  id: string;
  type: string;
  stream: string;
  entryId: string;
  createdAt: string;
  /** metadata.source: who emitted it. */
  source: string;
  idempotencyKey: string;
  /** Time from the parent's creation to this one's (the hop), ms; null for a root. */
  hopMs: number | null;
  /** It sits in a DLQ (the flow failed here). */
  deadLettered: boolean;
  payload: unknown;
  children: TraceNode[];
}

/** A lookup's answer. */
export interface TraceResult {
  query: string;
  matchedBy: 'id' | 'correlationId' | 'idempotencyKey';
  correlationId: string;
  roots: TraceNode[];
  envelopes: number;
  /** Entries read to answer. */
  scanned: number;
  /** Some stream held more entries than were read: older hops may be missing. */
  truncated: boolean;
}

/** Newest entries read per stream for one lookup. */
const PER_STREAM = 2_000;

interface Found {
  env: Envelope;
  stream: string;
  entryId: string;
  dlq: boolean;
}

function envelopeOf(fields: readonly string[]): Envelope | null {
  const text = fieldValue(fields, ENVELOPE_FIELD);
  if (text === undefined || text.length > 1_000_000) return null;
  try {
    const v = JSON.parse(text) as Envelope;
    return v && typeof v === 'object' && typeof v.id === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** Looks up `query` among the streams (topic and DLQ keys) and builds its flow's causal tree; null when nothing matches. */
export async function traceEnvelope(backend: StreamBackend, keys: Keys, streams: readonly string[], query: string, redactor: Redactor): Promise<TraceResult | null> {
  const q = query.trim();
  if (q === '') return null;
  let scanned = 0;
  let truncated = false;
  const all: Found[] = [];
  const wanted = streams.filter((s) => {
    const k = keys.parse(s)?.kind;
    return k === 'topic' || k === 'dlq';
  });
  await Promise.all(
    wanted.map(async (stream) => {
      const dlq = keys.parse(stream)?.kind === 'dlq';
      const entries = await backend.revRange(stream, '+', '-', PER_STREAM);
      scanned += entries.length;
      if (entries.length === PER_STREAM) truncated = true;
      for (const e of entries) {
        const env = envelopeOf(e.fields);
        if (env) all.push({ env, stream, entryId: e.id, dlq });
      }
    }),
  );
  const hit = all.find((f) => f.env.id === q) ?? all.find((f) => f.env.correlationId === q) ?? all.find((f) => f.env.idempotencyKey === q);
  if (!hit) return null;
  const matchedBy = hit.env.id === q ? 'id' : hit.env.correlationId === q ? 'correlationId' : 'idempotencyKey';
  const flow = all.filter((f) => f.env.correlationId === hit.env.correlationId);
  const nodes = new Map<string, TraceNode>();
  for (const f of flow.sort((a, b) => a.env.createdAt.localeCompare(b.env.createdAt))) {
    const prev = nodes.get(f.env.id);
    // The same envelope in a topic and a DLQ: keep one node, marked dead-lettered.
    if (prev) {
      prev.deadLettered ||= f.dlq;
      continue;
    }
    nodes.set(f.env.id, {
      id: f.env.id,
      type: f.env.type,
      stream: f.stream,
      entryId: f.entryId,
      createdAt: f.env.createdAt,
      source: String(f.env.metadata?.source ?? ''),
      idempotencyKey: f.env.idempotencyKey,
      hopMs: null,
      deadLettered: f.dlq,
      payload: redactor.redact(f.env.payload),
      children: [],
    });
  }
  const roots: TraceNode[] = [];
  const causeOf = new Map(flow.map((f) => [f.env.id, f.env.causationId]));
  for (const n of nodes.values()) {
    const cause = causeOf.get(n.id);
    const parent = cause ? nodes.get(cause) : undefined;
    if (parent && parent !== n) {
      n.hopMs = Date.parse(n.createdAt) - Date.parse(parent.createdAt);
      parent.children.push(n);
    } else roots.push(n);
  }
  return { query: q, matchedBy, correlationId: hit.env.correlationId, roots, envelopes: nodes.size, scanned, truncated };
}

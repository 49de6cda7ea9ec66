/**
 * The envelope view's data: `actors trace`'s causal tree reader (src/admin/trace.ts) behind the
 * page, bounded, redacted, and with its query errors as 400s.
 */
import { isTraceQueryError, traceFlow, type TraceNode, type TraceResult } from '../admin/trace.js';
import type { Redactor } from '../monitoring/redact.js';
import type { StreamBackend } from '../streams/backend.js';
import type { Keys } from '../streams/keys.js';

/** Most stream entries one lookup from the page may read (the CLI's default is larger). */
export const PAGE_TRACE_MAX_ENTRIES = 200_000;

/** The answer to a lookup: the status to send and its body. */
export interface TraceAnswer {
  status: number;
  body: TraceResult | { error: string };
}

/** Redacts a node field by field (the redactor's depth limit would cut a deep tree if given whole). */
function redactNode(n: TraceNode, redactor: Redactor): TraceNode {
  const own = redactor.redact({ ...n, children: [] }) as TraceNode;
  return { ...own, children: n.children.map((c) => redactNode(c, redactor)) };
}

/** Looks up an envelope id, correlation id or idempotency key; 404 when nothing matches, 400 for a query no id could be. */
export async function traceForPage(backend: StreamBackend, keys: Keys, query: string, redactor: Redactor): Promise<TraceAnswer> {
  try {
    const result = await traceFlow(backend, keys, query, { maxEntries: PAGE_TRACE_MAX_ENTRIES });
    if (result.matchedBy === null)
      return {
        status: 404,
        body: {
          error: `no envelope with id, correlation id or idempotency key "${query}" under prefix ${keys.prefix}${result.stats.truncated ? ' (the search stopped early: too many entries)' : ''}`,
        },
      };
    return { status: 200, body: { ...result, roots: result.roots.map((n) => redactNode(n, redactor)) } };
  } catch (err) {
    if (isTraceQueryError(err)) return { status: 400, body: { error: err.message } };
    throw err;
  }
}

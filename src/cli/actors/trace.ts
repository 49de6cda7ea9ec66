/** `actors trace <envelope-id | correlation-id | idempotency-key>`: the causal tree of one flow, read from the streams. */
import { assertTraceQuery, DEFAULT_TRACE_OPTIONS, isTraceQueryError, renderTrace, traceFlow } from '../../admin/trace.js';
import { CliError, EXIT, type CliIO } from '../common.js';
import { toJson } from '../format.js';
import { actorsConfig, connectBackend, keysFor, type ActorsFlags } from './setup.js';

/** Arguments of `actors trace`. */
export interface TraceArgs extends ActorsFlags {
  query: string;
  json: boolean;
  /** Most stream entries read before giving up with a truncated tree. */
  maxEntries?: number | undefined;
}

/** Prints the tree (or JSON); exit 0 when found, 1 when nothing matched, 2 for a bad query, 3 when Redis is unreachable. */
export async function actorsTrace(args: TraceArgs, io: CliIO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // A bad query is refused before any connection: it could never match.
  try {
    assertTraceQuery(args.query);
  } catch (err) {
    if (isTraceQueryError(err)) throw new CliError('USAGE', err.message);
    throw err;
  }
  const cfg = actorsConfig(args, env);
  const backend = await connectBackend(cfg);
  try {
    const result = await traceFlow(backend, keysFor(cfg), args.query, { maxEntries: args.maxEntries ?? DEFAULT_TRACE_OPTIONS.maxEntries });
    if (args.json) io.out(toJson(result));
    else if (result.matchedBy !== null) io.out(renderTrace(result));
    if (result.matchedBy === null) {
      io.err(
        `actors: ${renderTrace(result).split('\n')[0]}${result.stats.truncated ? ` (only ${result.stats.entriesScanned} entries were read: raise --max-entries)` : ''}`,
      );
      return EXIT.problems;
    }
    if (result.stats.truncated && args.json) io.err(`actors: the trace is truncated after ${result.stats.entriesScanned} entries (raise --max-entries)`);
    return EXIT.ok;
  } finally {
    await backend.close();
  }
}

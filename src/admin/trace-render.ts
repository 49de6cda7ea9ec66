/** Text rendering of a causal trace: one line per hop, one per actor outcome under it, tree glyphs for causation. */
import type { TraceConsumer, TraceNode, TraceResult } from './trace-types.js';

const MATCH_LABEL = { 'envelope-id': 'envelope id', 'correlation-id': 'correlation id', 'idempotency-key': 'idempotency key' } as const;

/** The tree as text (no trailing newline); every value read from the streams is shown with control characters escaped. */
export function renderTrace(result: TraceResult): string {
  const lines: string[] = [];
  if (result.matchedBy === null) {
    lines.push(`no envelope with id, correlation id or idempotency key "${clean(result.query)}" under this prefix`);
  } else {
    const s = result.stats;
    lines.push(
      `trace of "${clean(result.query)}" (matched by ${MATCH_LABEL[result.matchedBy]}); flow ${result.correlationIds.map(clean).join(', ')}: ` +
        `${s.envelopes} envelope(s), ${s.deadLetters} dead letter(s)`,
    );
  }
  if (result.stats.truncated)
    lines.push(`TRUNCATED: stopped after reading ${result.stats.entriesScanned} entries; the tree may be incomplete (raise the limit)`);
  // Explicit stack instead of recursion: a hostile chain of causation cannot overflow the call stack.
  const stack: { node: TraceNode; lead: string; branch: string }[] = [];
  for (let i = result.roots.length - 1; i >= 0; i -= 1) stack.push({ node: result.roots[i]!, lead: '', branch: '' });
  while (stack.length) {
    const { node, lead, branch } = stack.pop()!;
    lines.push(`${lead}${branch}${hopLine(node)}`);
    const inner = lead + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    const under = node.children.length ? '│ ' : '  ';
    for (const c of node.consumers) lines.push(`${inner}${under}${consumerLine(c)}`);
    if (node.consumers.length === 0) lines.push(`${inner}${under}(no consumer group reads ${clean(node.type)})`);
    for (let i = node.children.length - 1; i >= 0; i -= 1) {
      stack.push({ node: node.children[i]!, lead: inner, branch: i === node.children.length - 1 ? '└─ ' : '├─ ' });
    }
  }
  return lines.join('\n');
}

function hopLine(n: TraceNode): string {
  const parts = [`${clean(n.type)} ${clean(n.envelopeId)}`, `p${n.partition}`, `${clean(n.stream)} ${clean(n.streamId)}`];
  parts.push(n.sinceCauseMs === null ? new Date(n.atMs).toISOString() : `+${n.sinceCauseMs}ms`);
  if (n.attempts > 1) parts.push(`${n.attempts} attempts`);
  if (n.duplicateOf !== undefined) parts.push(`duplicate of ${clean(n.duplicateOf)}`);
  return `${n.matched ? '* ' : ''}${parts.join('  ')}`;
}

function consumerLine(c: TraceConsumer): string {
  let text = `${clean(c.actor)}: ${c.outcome}`;
  if (c.attempts > 1) text += ` after ${c.attempts} attempts`;
  if (c.deadLetter)
    text += ` (${clean(c.deadLetter.reason)}: ${clean(c.deadLetter.error).slice(0, 200)}) -> ${clean(c.deadLetter.stream)} ${clean(c.deadLetter.id)}`;
  return text;
}

/** Escapes control characters (terminal escapes in hostile data must not reach the operator's terminal). */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Turns the decoded entries of one flow into the causal tree: one node per envelope id (its topic
 * copy, its retry copies, its dead letters), each actor's outcome from the group state (last
 * delivered id, pending entries) and the idempotency markers, children by causationId.
 * A handful of round trips per trace: one XINFO GROUPS per retry stream, one XPENDING per
 * (stream, group) involved, one batch of marker reads.
 */
import type { GroupInfo, StreamBackend } from '../streams/backend.js';
import type { Keys } from '../streams/keys.js';
import {
  idTimeMs,
  safeCompareIds,
  type TraceConsumer,
  type TraceCopy,
  type TraceDeadLetter,
  type TraceNode,
  type TraceOutcome,
  type TraceRecord,
} from './trace-types.js';

/** Pending ids read per (stream, group); a flow's entries are recent, so the first ones suffice in practice. */
const PENDING_SCAN = 10_000;

/** What buildTrace returns. */
export interface BuiltTrace {
  roots: TraceNode[];
  envelopes: number;
  deadLetters: number;
}

interface Parts {
  topic: TraceRecord[];
  retry: TraceRecord[];
  dlq: TraceRecord[];
}

/** Builds the tree of `records` (all of one or a few flows); `groups` holds XINFO GROUPS of every topic stream. */
export async function buildTrace(
  backend: StreamBackend,
  keys: Keys,
  records: TraceRecord[],
  groups: Map<string, GroupInfo[]>,
  matchedIds: Set<string>,
): Promise<BuiltTrace> {
  const byId = new Map<string, Parts>();
  for (const r of records) {
    let parts = byId.get(r.env.id);
    if (!parts) byId.set(r.env.id, (parts = { topic: [], retry: [], dlq: [] }));
    parts[r.kind].push(r);
  }
  const nodes = new Map<string, TraceNode>();
  const partsOf = new Map<TraceNode, Parts>();
  for (const [id, parts] of byId) {
    const node = toNode(id, parts, matchedIds.has(id));
    nodes.set(id, node);
    partsOf.set(node, parts);
  }
  markDuplicates([...nodes.values()]);
  const roots = link(nodes);

  const state = new GroupState(backend, groups);
  const markerKeys: string[] = [];
  const plans: { node: TraceNode; actor: string; retries: TraceCopy[]; dl: TraceDeadLetter | undefined; last: TraceCopy | undefined; marker: number }[] = [];
  for (const node of nodes.values()) {
    const parts = partsOf.get(node)!;
    const actors = new Set<string>();
    const original = node.copies.find((c) => c.kind === 'topic');
    if (original) for (const g of groups.get(original.stream) ?? []) actors.add(g.name);
    const retryGroup = (c: TraceCopy): string => keys.parse(c.stream)?.topic ?? '';
    for (const c of node.copies) if (c.kind === 'retry') actors.add(retryGroup(c));
    for (const r of parts.dlq) if (r.deadLetter) actors.add(r.deadLetter.actor);
    for (const actor of [...actors].sort()) {
      const retries = node.copies.filter((c) => c.kind === 'retry' && retryGroup(c) === actor);
      const dl = parts.dlq
        .map((r) => r.deadLetter!)
        .filter((d) => d.actor === actor)
        .pop();
      markerKeys.push(keys.idempotency(safeName(actor), node.idempotencyKey, node.partition));
      plans.push({ node, actor, retries, dl, last: retries[retries.length - 1] ?? original, marker: markerKeys.length - 1 });
    }
  }
  const markers = markerKeys.length ? await backend.markersExist(markerKeys) : [];

  for (const p of plans) {
    const attempts = Math.max(1, ...p.retries.map((c) => c.attempt), p.dl?.attempts ?? 0);
    let outcome: TraceOutcome;
    if (p.dl) outcome = 'dead-lettered';
    else if (!p.last || (await state.unread(p.last, p.actor))) outcome = 'unread';
    else if (await state.pending(p.last, p.actor)) outcome = 'in-flight';
    else if (p.node.duplicateOf !== undefined) outcome = 'duplicate';
    else if (markers[p.marker] || p.node.children.length > 0) outcome = 'processed';
    else outcome = 'retrying';
    const consumer: TraceConsumer = { actor: p.actor, outcome, attempts, retries: p.retries };
    if (p.dl) consumer.deadLetter = p.dl;
    p.node.consumers.push(consumer);
  }
  let deadLetters = 0;
  for (const parts of byId.values()) deadLetters += parts.dlq.length;
  return { roots, envelopes: nodes.size, deadLetters };
}

/** One node from the copies of one envelope id; the topic copy is authoritative, then a retry copy, then a DLQ one. */
function toNode(id: string, parts: Parts, matched: boolean): TraceNode {
  const byStreamId = (a: TraceRecord, b: TraceRecord): number => safeCompareIds(a.id, b.id);
  parts.topic.sort(byStreamId);
  parts.retry.sort((a, b) => a.env.attempt - b.env.attempt || byStreamId(a, b));
  parts.dlq.sort(byStreamId);
  const primary = parts.topic[0] ?? parts.retry[0] ?? parts.dlq[0]!;
  const env = primary.env;
  const dl = primary.deadLetter;
  // An envelope known only from its dead letter sits where it was read from.
  const stream = dl ? dl.source : primary.stream;
  const streamId = dl ? dl.sourceId : primary.id;
  const copies: TraceCopy[] = [...parts.topic, ...parts.retry].map((r) => ({
    kind: r.kind as 'topic' | 'retry',
    stream: r.stream,
    id: r.id,
    attempt: r.env.attempt,
    atMs: idTimeMs(r.id),
  }));
  const attempts = Math.max(...copies.map((c) => c.attempt), ...parts.dlq.map((r) => Math.max(r.env.attempt, r.deadLetter?.attempts ?? 0)), 1);
  const node: TraceNode = {
    envelopeId: id,
    type: env.type,
    correlationId: env.correlationId,
    causationId: env.causationId,
    idempotencyKey: env.idempotencyKey,
    createdAt: env.createdAt,
    partition: primary.partition,
    stream,
    streamId,
    atMs: idTimeMs(streamId),
    sinceCauseMs: null,
    attempts,
    matched,
    copies,
    consumers: [],
    children: [],
  };
  if (env.traceparent !== undefined) node.traceparent = env.traceparent;
  return node;
}

/** A later envelope with the same type and idempotency key as an earlier one is its duplicate. */
function markDuplicates(nodes: TraceNode[]): void {
  const first = new Map<string, TraceNode>();
  for (const n of [...nodes].sort((a, b) => a.atMs - b.atMs || safeCompareIds(a.streamId, b.streamId))) {
    const k = `${n.type}\u0000${n.idempotencyKey}`;
    const earlier = first.get(k);
    if (earlier) n.duplicateOf = earlier.envelopeId;
    else first.set(k, n);
  }
}

/** Links children to causes; returns the roots. Iterative, and safe against causation cycles in hostile data. */
function link(nodes: Map<string, TraceNode>): TraceNode[] {
  const order = (a: TraceNode, b: TraceNode): number => a.atMs - b.atMs || safeCompareIds(a.streamId, b.streamId);
  const roots: TraceNode[] = [];
  for (const n of nodes.values()) {
    const parent = n.causationId === null ? undefined : nodes.get(n.causationId);
    if (parent && parent !== n) {
      parent.children.push(n);
      n.sinceCauseMs = n.atMs - parent.atMs;
    } else roots.push(n);
  }
  // Nodes on a cycle have a parent but no root above them: cut each cycle at its earliest node.
  const seen = new Set<TraceNode>();
  const visit = (start: TraceNode): void => {
    const stack = [start];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...n.children);
    }
  };
  roots.forEach(visit);
  for (const n of [...nodes.values()].sort(order)) {
    if (seen.has(n)) continue;
    const parent = n.causationId === null ? undefined : nodes.get(n.causationId);
    if (parent) parent.children = parent.children.filter((c) => c !== n);
    n.sinceCauseMs = null;
    roots.push(n);
    visit(n);
  }
  for (const n of nodes.values()) n.children.sort(order);
  return roots.sort(order);
}

/** Group names come from Redis; one that would break the key layout can have no marker. */
function safeName(name: string): string {
  return /^[A-Za-z0-9._-]+$/.test(name) ? name : '_';
}

/** Group state per stream, read lazily and once: last delivered id and pending ids. */
class GroupState {
  private readonly pendingIds = new Map<string, Promise<Set<string>>>();
  private readonly groupInfo = new Map<string, Promise<GroupInfo[]>>();

  constructor(
    private readonly backend: StreamBackend,
    known: Map<string, GroupInfo[]>,
  ) {
    for (const [stream, gs] of known) this.groupInfo.set(stream, Promise.resolve(gs));
  }

  async unread(copy: TraceCopy, group: string): Promise<boolean> {
    let gs = this.groupInfo.get(copy.stream);
    if (!gs) this.groupInfo.set(copy.stream, (gs = this.backend.groups(copy.stream)));
    const g = (await gs).find((x) => x.name === group);
    return !g || safeCompareIds(copy.id, g.lastDeliveredId) > 0;
  }

  async pending(copy: TraceCopy, group: string): Promise<boolean> {
    const k = `${copy.stream}\u0000${group}`;
    let ids = this.pendingIds.get(k);
    if (!ids) {
      ids = this.backend.pendingEntries(copy.stream, group, { start: '-', end: '+', count: PENDING_SCAN }).then(
        (ps) => new Set(ps.map((p) => p.id)),
        () => new Set<string>(),
      );
      this.pendingIds.set(k, ids);
    }
    return (await ids).has(copy.id);
  }
}

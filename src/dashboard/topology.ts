/**
 * The topology graph: topics and actors discovered from the consumer groups of the streams under
 * the prefix (a group on a topic stream is an actor consuming it), joined with the actor
 * definitions the process has (which add what each actor emits). Works for any actors.
 */
import type { StreamRow } from './collector.js';

/** An actor definition reduced to what the graph needs. */
export interface ActorShape {
  name: string;
  consumes: string[];
  emits: string[];
}

/** One node: a topic (all its partitions) or an actor (a consumer group). */
export interface TopologyNode {
  id: string;
  kind: 'topic' | 'actor';
  name: string;
  /** Topic: entries over its partitions; actor: pending over its groups. */
  length: number;
  /** Topic: appends/s; actor: entries delivered to it per second. */
  rate: number;
  /** Topic: DLQ entries; actor: dead letters it wrote per second since the dashboard started. */
  dlq: number;
  /** Actor only: entries retried per second (failures that will be tried again). */
  failedRate: number;
  consumersAlive: number;
  consumersDead: number;
  /** Seen in Redis (a stream or a group exists), not only in a definition. */
  discovered: boolean;
}

/** One edge: a topic feeding an actor's group, or an actor emitting onto a topic. */
export interface TopologyEdge {
  from: string;
  to: string;
  kind: 'consumes' | 'emits';
  /** consumes: deliveries/s to the group; emits: appends/s of the topic. */
  rate: number;
  lag: number | null;
  pending: number;
}

/** The whole graph. */
export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

const topicId = (t: string): string => `topic:${t}`;
const actorId = (a: string): string => `actor:${a}`;

/** Builds the graph from one collection, the definitions (may be empty) and dead-letter rates per actor. */
export function buildTopology(streams: readonly StreamRow[], definitions: readonly ActorShape[], deadLetterRates: ReadonlyMap<string, number>): Topology {
  const nodes = new Map<string, TopologyNode>();
  const edges = new Map<string, TopologyEdge>();
  const node = (kind: 'topic' | 'actor', name: string): TopologyNode => {
    const id = kind === 'topic' ? topicId(name) : actorId(name);
    let n = nodes.get(id);
    if (!n) {
      n = { id, kind, name, length: 0, rate: 0, dlq: 0, failedRate: 0, consumersAlive: 0, consumersDead: 0, discovered: false };
      nodes.set(id, n);
    }
    return n;
  };
  const seenConsumers = new Map<string, Set<string>>();
  for (const s of streams) {
    if (s.topic === null) continue;
    if (s.kind === 'dlq') {
      node('topic', s.topic).dlq += s.length;
      continue;
    }
    if (s.kind !== 'topic' && s.kind !== 'retry') continue;
    if (s.kind === 'topic') {
      const t = node('topic', s.topic);
      t.discovered = true;
      t.length += s.length;
      t.rate += s.rate;
    } else {
      // A retry stream belongs to the actor named by its topic part: its appends are that actor's failures.
      const a = node('actor', s.topic);
      a.failedRate += s.rate;
    }
    for (const g of s.groups) {
      const a = node('actor', g.name);
      a.discovered = true;
      a.length += g.pending;
      a.rate += g.rate;
      const names = seenConsumers.get(g.name) ?? new Set<string>();
      seenConsumers.set(g.name, names);
      for (const c of g.consumers) {
        if (names.has(c.name)) continue; // one process reads every partition under one consumer name
        names.add(c.name);
        if (c.alive) a.consumersAlive += 1;
        else a.consumersDead += 1;
      }
      if (s.kind !== 'topic') continue;
      const key = `${topicId(s.topic)}>${a.id}`;
      const e = edges.get(key) ?? { from: topicId(s.topic), to: a.id, kind: 'consumes' as const, rate: 0, lag: 0, pending: 0 };
      e.rate += g.rate;
      e.pending += g.pending;
      e.lag = e.lag === null || g.lag === null ? null : e.lag + g.lag;
      edges.set(key, e);
    }
  }
  for (const d of definitions) {
    // Definitions only add to actors that exist in Redis, so another application's prefix is not drawn as ours.
    if (!nodes.get(actorId(d.name))?.discovered) continue;
    for (const t of d.emits) {
      const topic = node('topic', t);
      const key = `${actorId(d.name)}>${topic.id}`;
      if (!edges.has(key)) edges.set(key, { from: actorId(d.name), to: topic.id, kind: 'emits', rate: topic.rate, lag: null, pending: 0 });
    }
  }
  for (const [name, rate] of deadLetterRates) {
    const a = nodes.get(actorId(name));
    if (a) a.dlq = rate;
  }
  return { nodes: [...nodes.values()].sort((a, b) => a.id.localeCompare(b.id)), edges: [...edges.values()] };
}

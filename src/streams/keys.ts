/**
 * The one place Redis key names are built. Every key of partition i carries the hash tag
 * `{<prefix>:p<i>}`, so a topic's stream, its DLQ, its delayed set and the idempotency markers of
 * the actors reading it share one Redis Cluster slot: an actor's commit stays atomic on one node.
 *
 *   <prefix>:{<prefix>:p<i>}:topic:<topic>           stream of envelopes of one type
 *   <prefix>:{<prefix>:p<i>}:dlq:<topic>             dead letters of that stream
 *   <prefix>:{<prefix>:p<i>}:delayed:<topic>         sorted set of envelopes due later
 *   <prefix>:{<prefix>:p<i>}:retry:<group>           retries of one actor (only its group reads it)
 *   <prefix>:{<prefix>:p<i>}:delayed-retry:<group>   sorted set of that actor's retries waiting for their backoff
 *   <prefix>:{<prefix>:p<i>}:idem:<group>:<key>      idempotency marker of one actor
 *   <prefix>:{<prefix>:p<i>}:dlqm:<group>:<id>:<src> marker of one dead letter (src: full source stream key)
 *   <prefix>:{<prefix>:p<i>}:entity:<entity>         event log of one entity type (never trimmed: the event store)
 *   <prefix>:{<prefix>:p<i>}:snap:<entity>:<id>      snapshot of one entity (string: version, last event id, state)
 *   <prefix>:hb:<group>:<consumer>                   heartbeat (TTL key) of one consumer
 *   <prefix>:smoke:<token>                           scratch stream of one `redis-health --smoke` run
 */

/** Default key prefix. */
export const DEFAULT_PREFIX = 'sa';

const NAME_RE = /^[A-Za-z0-9._-]+$/;

/** Kinds of partitioned keys; for retry kinds, `topic` is the group name. */
export type KeyKind = 'topic' | 'dlq' | 'delayed' | 'retry' | 'delayed-retry';

/** Key builder bound to a prefix. */
export interface Keys {
  readonly prefix: string;
  /** The cluster hash tag of a partition. */
  tag(partition?: number): string;
  /** Stream of a topic. */
  topic(topic: string, partition?: number): string;
  /** DLQ stream of a topic. */
  dlq(topic: string, partition?: number): string;
  /** Sorted set of delayed envelopes for a topic. */
  delayed(topic: string, partition?: number): string;
  /** Retry stream of one actor: failed envelopes come back here after their backoff, seen by no other group. */
  retry(group: string, partition?: number): string;
  /** Sorted set where one actor's retries wait for their backoff. */
  retryDelayed(group: string, partition?: number): string;
  /** Idempotency marker of one group (actor) for one key. */
  idempotency(group: string, idempotencyKey: string, partition?: number): string;
  /**
   * Marker of the dead letter an actor wrote for one entry (id of `source`, a full stream key):
   * its own kind, so no idempotency key can forge it, and the whole source key, so entries with
   * the same id on two streams never share one.
   */
  deadLetterMarker(group: string, source: string, id: string, partition?: number): string;
  /** Event log of one entity type in one partition: every event of its entities, the entity id on each entry. */
  entityLog(entity: string, partition?: number): string;
  /** Snapshot of one entity (its id is user data, kept verbatim). */
  snapshot(entity: string, id: string, partition?: number): string;
  /** SCAN pattern matching every snapshot of an entity type, in every partition. */
  snapshotPattern(entity: string): string;
  /** Heartbeat TTL key of one consumer. */
  heartbeat(group: string, consumer: string): string;
  /** Scratch stream of one `redis-health --smoke` run (deleted by the run). */
  smoke(token: string): string;
  /** SCAN pattern matching every heartbeat of a group (or all groups). */
  heartbeatPattern(group?: string): string;
  /** SCAN pattern matching every topic stream of the prefix. */
  topicPattern(): string;
  /** SCAN pattern matching every DLQ stream of the prefix. */
  dlqPattern(): string;
  /** Parses a stream key back into its kind, topic and partition; null when it is not ours. */
  parse(key: string): { kind: KeyKind; topic: string; partition: number } | null;
}

/**
 * The partition of a partitionKey among P partitions: FNV-1a over its UTF-8 bytes, mod P. Stable
 * across processes and versions, so every producer routes one key to the same partition.
 */
export function partitionOf(partitionKey: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new TypeError(`partitions must be an integer >= 1, got ${partitions}`);
  if (partitions === 1) return 0;
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(partitionKey, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

/** Throws when a name would break the key layout (empty, or with ':', '{', '}', spaces). */
export function assertName(what: string, name: string): void {
  if (!NAME_RE.test(name)) throw new TypeError(`${what} "${name}" must match ${NAME_RE} (letters, digits, . _ -)`);
}

/** Names (topics, groups) and partitions whose keys createKeys remembers. */
const MEMO_NAMES = 1024;
const MEMO_PARTITIONS = 1024;

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Builds the key module for a prefix. */
export function createKeys(prefix: string = DEFAULT_PREFIX): Keys {
  assertName('prefix', prefix);
  const tag = (p = 0): string => {
    if (!Number.isInteger(p) || p < 0) throw new TypeError(`partition must be a non-negative integer, got ${p}`);
    return `{${prefix}:p${p}}`;
  };
  const scoped = (kind: string, name: string, p?: number): string => `${prefix}:${tag(p)}:${kind}:${name}`;
  // Hot path (every input's marker, every output's stream): what a name and partition give is
  // built once. Only names that passed assertName are remembered, and only so many of them.
  const memo = (build: (name: string, p: number) => string): ((name: string, p?: number) => string) => {
    const known = new Map<string, string[]>();
    return (name, p = 0) => {
      const hit = typeof p === 'number' ? known.get(name)?.[p] : undefined;
      if (hit !== undefined) return hit;
      const built = build(name, p);
      if (known.size >= MEMO_NAMES) known.clear();
      let byPartition = known.get(name);
      if (!byPartition) known.set(name, (byPartition = []));
      if (p < MEMO_PARTITIONS) byPartition[p] = built;
      return built;
    };
  };
  const topicKey = memo((t, p) => (assertName('topic', t), scoped('topic', t, p)));
  const markerPrefix = memo((g, p) => (assertName('group', g), `${prefix}:${tag(p)}:idem:${g}:`));
  const re = prefix.replace(/[.-]/g, '\\$&');
  const parseRe = new RegExp(`^${re}:\\{${re}:p(\\d+)\\}:(topic|dlq|delayed|retry|delayed-retry):(.+)$`);
  return {
    prefix,
    tag,
    topic: topicKey,
    dlq: (t, p) => (assertName('topic', t), scoped('dlq', t, p)),
    delayed: (t, p) => (assertName('topic', t), scoped('delayed', t, p)),
    retry: (g, p) => (assertName('group', g), scoped('retry', g, p)),
    retryDelayed: (g, p) => (assertName('group', g), scoped('delayed-retry', g, p)),
    // The idempotency key is user data: it is kept verbatim (any characters) as the key's last part.
    idempotency: (g, k, p) => markerPrefix(g, p) + k,
    // The id has no ':' and comes before the source key, so the marker names exactly one (stream, id).
    deadLetterMarker: (g, src, id, p) => (assertName('group', g), `${prefix}:${tag(p)}:dlqm:${g}:${id}:${src}`),
    entityLog: (e, p) => (assertName('entity', e), scoped('entity', e, p)),
    snapshot: (e, id, p) => (assertName('entity', e), `${prefix}:${tag(p)}:snap:${e}:${id}`),
    snapshotPattern: (e) => `${escapeGlob(prefix)}:{${escapeGlob(prefix)}:p*}:snap:${escapeGlob(e)}:*`,
    heartbeat: (g, c) => (assertName('group', g), assertName('consumer', c), `${prefix}:hb:${g}:${c}`),
    smoke: (t) => (assertName('smoke token', t), `${prefix}:smoke:${t}`),
    heartbeatPattern: (g) => `${escapeGlob(prefix)}:hb:${g === undefined ? '*' : `${escapeGlob(g)}:*`}`,
    topicPattern: () => `${escapeGlob(prefix)}:{${escapeGlob(prefix)}:p*}:topic:*`,
    dlqPattern: () => `${escapeGlob(prefix)}:{${escapeGlob(prefix)}:p*}:dlq:*`,
    parse: (key) => {
      const m = parseRe.exec(key);
      if (!m) return null;
      return { kind: m[2] as KeyKind, topic: m[3]!, partition: Number(m[1]) };
    },
  };
}

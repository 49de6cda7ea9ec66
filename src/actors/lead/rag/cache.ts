/**
 * A small LRU cache with an age limit, one per RAG agent instance (no module-level state): a Map
 * keeps insertion order, so re-inserting on a hit makes the first key the least recently used.
 */
import type { Clock } from '../../../clock.js';

/** A bounded, time-limited LRU map. */
export class LruCache<V> {
  readonly #entries = new Map<string, { value: V; storedAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** The value if present and younger than the TTL (and marks it recently used). */
  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (this.clock.now() - e.storedAt >= this.ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e.value;
  }

  /** Stores a value, evicting the least recently used entries beyond the bound. */
  set(key: string, value: V): void {
    if (this.maxEntries < 1) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, storedAt: this.clock.now() });
    while (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  /** Drops every entry whose value matches (e.g. results a write made stale). */
  deleteWhere(stale: (value: V) => boolean): void {
    for (const [key, e] of this.#entries) if (stale(e.value)) this.#entries.delete(key);
  }

  /** Entries held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * A size-bounded map that drops its least recently used entry first (Map order = recency).
 * An entry may also carry a deadline (epoch ms): it is gone from that moment, and dropped
 * when next met. The service's in-memory caches (decisions, verified tokens) use this one.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, { value: V; until: number }>();

  /** `max` entries at most; 0 (or less) keeps nothing. */
  constructor(readonly max: number) {}

  /** The value, made the most recently used; undefined when absent or past its deadline. */
  get(key: K, now = Date.now()): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (e.until <= now) return undefined;
    this.map.set(key, e);
    return e.value;
  }

  /** Stores `value` as the most recently used, until `until` (no deadline by default). */
  set(key: K, value: V, until = Infinity): void {
    if (this.max <= 0) return;
    this.map.delete(key);
    this.map.set(key, { value, until });
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  /** Entries held, expired ones not yet met included. */
  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

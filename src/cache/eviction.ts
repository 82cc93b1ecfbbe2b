/**
 * Eviction: removing copies (on request, when stale, or least recently used to make room) and
 * reserving room for fills, so that cached bytes plus reserved bytes never exceed `maxSize`.
 */
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { CacheLedger } from './ledger.js';
import type { CacheStats } from './stats.js';

export type EvictionReason = 'lru' | 'stale' | 'request';

export class Eviction {
  /** Bumped by evict/clear: a fill started under an older generation is not kept. */
  private readonly generations = new Map<string, number>();
  private clearGeneration = 0;

  constructor(
    private readonly dir: string,
    private readonly maxSize: number,
    private readonly ledger: CacheLedger,
    private readonly stats: CacheStats,
    private readonly log: Logger,
  ) {}

  /** Changes whenever the copy of `id` is evicted or the cache cleared. */
  generationOf(id: string): string {
    return `${this.clearGeneration}.${this.generations.get(id) ?? 0}`;
  }

  /** Removes the copy of `id` and stops any fill of it from being kept. True if a copy was removed. */
  async evict(id: string, why: EvictionReason = 'request'): Promise<boolean> {
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
    const e = this.ledger.drop(id);
    if (!e) return false;
    this.stats.counters.evictions++;
    await unlink(join(this.dir, id)).catch(() => undefined);
    this.log.info({ image_id: id, size: e.size, reason: why }, 'image evicted from cache');
    await this.ledger.save();
    return true;
  }

  /** Removes every cached copy; returns how many. */
  async clear(): Promise<number> {
    this.clearGeneration++;
    const ids = this.ledger.all().map((e) => e.id);
    for (const id of ids) await this.evict(id);
    return ids.length;
  }

  /**
   * Makes room for `size` more bytes, evicting least-recently-used copies (the bookkeeping is
   * immediate; `evicting` settles when their files are gone). Null if it cannot be done.
   */
  reserve(size: number): { evicting: Promise<unknown> } | null {
    if (size > this.maxSize) return null;
    const l = this.ledger;
    const victims = l.lruOrder();
    let freeable = 0;
    for (const v of victims) if (l.cachedBytes - freeable + l.reservedBytes + size > this.maxSize) freeable += v.size;
    if (l.cachedBytes - freeable + l.reservedBytes + size > this.maxSize) return null; // running fills hold the space
    const removals: Promise<unknown>[] = [];
    while (l.cachedBytes + l.reservedBytes + size > this.maxSize && victims.length) removals.push(this.evict(victims.shift()!.id, 'lru'));
    l.reservedBytes += size;
    return { evicting: Promise.all(removals) };
  }

  /** Least-recently-used copies removed until the cache is within its maximum size. */
  async prune(): Promise<{ files: number; bytes: number }> {
    let files = 0;
    let bytes = 0;
    const l = this.ledger;
    const victims = l.lruOrder();
    while (l.cachedBytes + l.reservedBytes > this.maxSize && victims.length) {
      const v = victims.shift()!;
      if (await this.evict(v.id, 'lru')) {
        files++;
        bytes += v.size;
      }
    }
    return { files, bytes };
  }
}

/**
 * The cache's bookkeeping: the verified copies (sizes, hits, times, digests), the bytes they and
 * running fills take, and the prefetch queue, persisted to the index file.
 */
import type { Logger } from '../log.js';
import { writeIndex, type Entry } from './index-file.js';
import type { CachedImageInfo } from './types.js';

export class CacheLedger {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: string[] = [];
  /** Bytes on disk in cached copies. */
  cachedBytes = 0;
  /** Bytes promised to fills in progress. */
  reservedBytes = 0;
  private saveTimer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    /** Delay before hit counters are written to the index (ms). */
    private readonly saveDelay: number,
  ) {}

  get(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get count(): number {
    return this.entries.size;
  }

  all(): Entry[] {
    return [...this.entries.values()];
  }

  /** Records a copy, replacing any older copy of the same image. */
  put(e: Entry): void {
    const old = this.entries.get(e.id);
    if (old) this.cachedBytes -= old.size;
    this.entries.set(e.id, e);
    this.cachedBytes += e.size;
  }

  /** Forgets a copy; returns it if there was one. */
  drop(id: string): Entry | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.cachedBytes -= e.size;
    return e;
  }

  /** Counts a read of the copy (written to the index a little later). */
  touch(e: Entry): void {
    e.hits++;
    e.lastAccessed = Date.now();
    this.scheduleSave();
  }

  /** The copies, least recently used first: the order of eviction. */
  lruOrder(): Entry[] {
    return this.all().sort((a, b) => a.lastAccessed - b.lastAccessed || a.lastModified - b.lastModified);
  }

  list(): CachedImageInfo[] {
    return this.all()
      .sort((a, b) => b.lastAccessed - a.lastAccessed)
      .map((e) => ({ image_id: e.id, hits: e.hits, last_accessed: e.lastAccessed / 1000, last_modified: e.lastModified / 1000, size: e.size }));
  }

  // ---------------------------------------------------------------- prefetch queue

  queued(): string[] {
    return [...this.queue];
  }

  /** Adds `id` to the prefetch queue without saving (no-op if queued). */
  addQueued(id: string): boolean {
    if (this.queue.includes(id)) return false;
    this.queue.push(id);
    return true;
  }

  removeQueued(id: string): boolean {
    const i = this.queue.indexOf(id);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    return true;
  }

  clearQueued(): number {
    const n = this.queue.length;
    this.queue.length = 0;
    return n;
  }

  // ---------------------------------------------------------------- persistence

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, this.saveDelay);
    this.saveTimer.unref();
  }

  /** Writes the index (serialized: writes never overlap). */
  save(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    const next = this.saving.then(() => writeIndex(this.dir, { entries: this.all(), queued: [...this.queue] })).catch((e: Error) => {
      this.log.error({ err: e.message }, 'cannot write the cache index');
    });
    this.saving = next;
    return next;
  }
}

/**
 * The local read-through image cache: verified copies of active images under `<dir>/<id>`,
 * fills in progress under `<dir>/incomplete/`, bookkeeping in `<dir>/index.json`.
 *
 * - `serve()` is the download hook: a verified copy when there is one (ranges included),
 *   else the store's stream, teed into a new fill when the whole image is read and no fill
 *   of that image is running (single flight per image id).
 * - Least-recently-used copies are evicted so that cached bytes plus the space reserved
 *   by running fills never exceed `maxSize`.
 * - A process owns its directory: `create()` removes every incomplete fill and every file
 *   the index does not vouch for.
 *
 * This class is the facade; the parts are the ledger (bookkeeping and index), eviction,
 * fills, integrity checks, start-up recovery and the counters.
 */
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable } from 'node:stream';
import type { Logger } from '../log.js';
import type { Entry } from './index-file.js';
import { VerificationError } from './fill.js';
import { FileRangeStream } from '../stores/file-stream.js';
import { CacheLedger } from './ledger.js';
import { CacheStats } from './stats.js';
import { Eviction, type EvictionReason } from './eviction.js';
import { Fills } from './fills.js';
import { copyIntact } from './integrity.js';
import { reconcile } from './recovery.js';
import type { ByteRange, CacheableImage, CachedImageInfo, CacheMetrics } from './types.js';

export interface ImageCacheOptions {
  dir: string;
  maxSize: number;
  log: Logger;
  /** Delay before hit counters are written to the index (ms). */
  saveDelay?: number;
  /** How often the counters are logged when they changed (ms; 0 = never). */
  statsIntervalMs?: number;
}

export interface Served {
  stream: Readable;
  source: 'cache' | 'store';
}

export class ImageCache {
  readonly dir: string;
  readonly incompleteDir: string;
  readonly maxSize: number;
  private readonly log: Logger;
  private readonly ledger: CacheLedger;
  private readonly stats: CacheStats;
  private readonly eviction: Eviction;
  private readonly fills: Fills;

  private constructor(o: ImageCacheOptions) {
    this.dir = o.dir;
    this.incompleteDir = join(o.dir, 'incomplete');
    this.maxSize = o.maxSize;
    this.log = o.log.child({ component: 'image-cache' });
    this.ledger = new CacheLedger(this.dir, this.log, o.saveDelay ?? 1000);
    this.stats = new CacheStats(this.ledger, this.maxSize, this.log);
    this.eviction = new Eviction(this.dir, this.maxSize, this.ledger, this.stats, this.log);
    this.fills = new Fills(this.dir, this.incompleteDir, this.ledger, this.eviction, this.stats, this.log);
  }

  /** Opens (creating if needed) the cache directory and reconciles it with its index. */
  static async create(o: ImageCacheOptions): Promise<ImageCache> {
    const c = new ImageCache(o);
    const removed = await reconcile(c.dir, c.incompleteDir, c.ledger, c.log);
    const pruned = await c.prune();
    c.log.info(
      { dir: c.dir, cached_images: c.ledger.count, cached_bytes: c.ledger.cachedBytes, queued: c.ledger.queued().length, removed_files: removed, pruned_files: pruned.files },
      'image cache ready',
    );
    await c.save();
    c.stats.start(o.statsIntervalMs ?? 60_000);
    return c;
  }

  // ---------------------------------------------------------------- download hook

  /** Whether a copy of this image may be kept at all. */
  cacheable(image: CacheableImage): boolean {
    return image.status === 'active' && image.size !== null && image.size > 0 && image.size <= this.maxSize && Boolean(image.checksum || image.os_hash_value);
  }

  /** The copy of this image, if there is a verified one that still matches the record. */
  private entryFor(image: CacheableImage): Entry | undefined {
    const e = this.ledger.get(image.id);
    if (!e) return undefined;
    if (image.status !== 'active' || e.size !== image.size || (image.checksum ?? null) !== e.checksum || (image.os_hash_value ?? null) !== e.osHashValue) return undefined;
    return e;
  }

  isCached(id: string): boolean {
    return this.ledger.has(id);
  }

  /**
   * Image data for a download the caller has already authorized: from the cache when a copy
   * is there, else from `openStore` (filling the cache on a whole-image read).
   */
  async serve(image: CacheableImage, range: ByteRange | undefined, openStore: (range?: ByteRange) => Promise<Readable>): Promise<Served> {
    const cached = await this.openCached(image, range);
    if (cached) return { stream: cached, source: 'cache' };
    this.stats.counters.misses++;
    // A copy made from an older record (same id, other bytes) is useless now.
    if (image.status === 'active' && this.ledger.has(image.id)) await this.evict(image.id, 'stale');
    const store = range || this.fills.busy(image.id) || !this.cacheable(image) ? null : await this.fills.admit(image, () => openStore(undefined));
    if (!store) return { stream: this.stats.countStore(await openStore(range)), source: 'store' };
    return { stream: this.fills.start(image, store, true).stream, source: 'store' };
  }

  /** A stream of the cached copy (or of `range` of it); null when not cached. Counts a hit. */
  async openCached(image: CacheableImage, range?: ByteRange): Promise<Readable | null> {
    const e = this.entryFor(image);
    if (!e) return null;
    let fh;
    try {
      fh = await open(join(this.dir, image.id), 'r');
      const st = await fh.stat();
      if (st.size !== e.size) throw new Error(`cached copy has ${st.size} bytes, expected ${e.size}`);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      this.log.warn({ image_id: image.id, err: (err as Error).message }, 'cached copy unusable: evicting');
      await this.evict(image.id);
      return null;
    }
    this.ledger.touch(e);
    this.stats.counters.hits++;
    const rs = new FileRangeStream(fh, range?.start, range?.end);
    rs.on('close', () => {
      this.stats.counters.bytes_from_cache += rs.sent;
    });
    this.log.debug({ image_id: image.id, range }, 'image data from cache');
    return rs;
  }

  /**
   * For another worker's download: the path of a verified copy that matches the record (a
   * hit), or null (a miss). The caller opens the file itself; an eviction meanwhile only
   * unlinks it, so an opened copy stays readable.
   */
  lookup(image: CacheableImage, whole: boolean): { path: string; size: number } | null {
    const e = this.entryFor(image);
    if (!e) {
      this.stats.counters.misses++;
      return null;
    }
    this.ledger.touch(e);
    this.stats.counters.hits++;
    if (whole) this.stats.counters.bytes_from_cache += e.size;
    return { path: join(this.dir, image.id), size: e.size };
  }

  /**
   * Fills the cache with `image` without a client (the prefetcher). Waits for a fill already
   * running. Resolves to whether the image is cached afterwards; throws on store errors.
   */
  async prefetch(image: CacheableImage, openStore: () => Promise<Readable>): Promise<boolean> {
    if (this.entryFor(image)) return true;
    const running = this.fills.running(image.id);
    if (running) {
      if (await running.listed) return true;
    }
    if (!this.cacheable(image) || this.fills.busy(image.id)) return false;
    if (this.ledger.has(image.id)) await this.evict(image.id, 'stale');
    const store = await this.fills.admit(image, openStore);
    if (!store) return false;
    const flight = this.fills.start(image, store, false);
    const drained = pipeline(flight.stream, new Writable({ write: (_c, _e, cb) => cb() }));
    // once listed, the copy is the answer; the stream still drains and the index is saved behind it
    drained.catch(() => undefined);
    if (await flight.listed) return true;
    try {
      await drained;
    } catch (e) {
      if (e instanceof VerificationError) return false;
      throw e;
    }
    return false;
  }

  // ---------------------------------------------------------------- management

  /** Removes the copy of `id` and stops any fill of it from being kept. True if a copy was removed. */
  evict(id: string, why: EvictionReason = 'request'): Promise<boolean> {
    return this.eviction.evict(id, why);
  }

  /** Removes every cached copy; returns how many. */
  clearCache(): Promise<number> {
    return this.eviction.clear();
  }

  list(): CachedImageInfo[] {
    return this.ledger.list();
  }

  /** Least-recently-used copies removed until the cache is within its maximum size. */
  prune(): Promise<{ files: number; bytes: number }> {
    return this.eviction.prune();
  }

  /**
   * Removes what should not be there: incomplete files no running fill owns, and copies whose
   * bytes no longer match the digests they were verified against (re-hashes every copy).
   */
  async clean(): Promise<{ incomplete: number; invalid: number }> {
    const active = this.fills.tmpPaths();
    let incomplete = 0;
    for (const name of await readdir(this.incompleteDir).catch(() => [] as string[])) {
      const p = join(this.incompleteDir, name);
      if (active.has(p)) continue;
      await rm(p, { recursive: true, force: true });
      incomplete++;
    }
    let invalid = 0;
    for (const e of this.ledger.all()) {
      if (!(await copyIntact(join(this.dir, e.id), e, () => this.ledger.has(e.id), this.log))) {
        this.log.warn({ image_id: e.id }, 'cached copy is corrupt');
        await this.evict(e.id);
        invalid++;
      }
    }
    if (incomplete || invalid) this.log.info({ incomplete, invalid }, 'cache cleaned');
    return { incomplete, invalid };
  }

  // ---------------------------------------------------------------- prefetch queue

  queued(): string[] {
    return this.ledger.queued();
  }

  /** Adds `id` to the prefetch queue (no-op if queued or cached). True if newly queued. */
  async enqueue(id: string): Promise<boolean> {
    if (this.ledger.has(id) || !this.ledger.addQueued(id)) return false;
    await this.save();
    return true;
  }

  async dequeue(id: string): Promise<boolean> {
    if (!this.ledger.removeQueued(id)) return false;
    await this.save();
    return true;
  }

  async clearQueue(): Promise<number> {
    const n = this.ledger.clearQueued();
    await this.save();
    return n;
  }

  // ---------------------------------------------------------------- metrics, persistence

  metrics(): CacheMetrics {
    return this.stats.metrics();
  }

  /** Logs the counters (hit ratio, bytes from cache vs store) if they changed since last time. */
  logStats(): void {
    this.stats.logStats();
  }

  /** Bytes on disk in cached copies (not counting fills in progress). */
  get size(): number {
    return this.ledger.cachedBytes;
  }

  /** Writes the index (serialized: writes never overlap). */
  save(): Promise<void> {
    return this.ledger.save();
  }

  /** Stops running fills (their temporary files are removed) and writes the index. */
  async close(): Promise<void> {
    this.stats.stop();
    await this.fills.stopAll();
    await this.save();
  }
}

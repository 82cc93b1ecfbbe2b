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
 */
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, Writable, type Readable } from 'node:stream';
import type { Logger } from '../log.js';
import { isCanonicalUuid } from '../domain/ids.js';
import { readIndex, writeIndex, type Entry } from './index-file.js';
import { FillStream, VerificationError } from './fill.js';
import { FileRangeStream } from '../stores/file-stream.js';
import { hashSupported, StreamDigests } from '../stores/hashing.js';
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


interface Flight {
  done: Promise<boolean>;
  stream: FillStream;
}

export class ImageCache {
  readonly dir: string;
  readonly incompleteDir: string;
  readonly maxSize: number;
  private readonly log: Logger;
  private readonly entries = new Map<string, Entry>();
  private readonly queue: string[] = [];
  private readonly flights = new Map<string, Flight>();
  /** Images whose fill is being set up (store stream not yet open): part of the single flight. */
  private readonly starting = new Set<string>();
  /** Bumped by evict/clear: a fill started under an older generation is not kept. */
  private readonly generations = new Map<string, number>();
  private clearGeneration = 0;
  private cachedBytes = 0;
  private reservedBytes = 0;
  private saveTimer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();
  private readonly saveDelay: number;
  private statsTimer?: NodeJS.Timeout;
  private lastStats = '';
  private readonly counters = {
    hits: 0,
    misses: 0,
    bytes_from_cache: 0,
    bytes_from_store: 0,
    bytes_prefetched: 0,
    fills: 0,
    fill_failures: 0,
    verification_failures: 0,
    evictions: 0,
  };

  private constructor(o: ImageCacheOptions) {
    this.dir = o.dir;
    this.incompleteDir = join(o.dir, 'incomplete');
    this.maxSize = o.maxSize;
    this.log = o.log.child({ component: 'image-cache' });
    this.saveDelay = o.saveDelay ?? 1000;
  }

  /** Opens (creating if needed) the cache directory and reconciles it with its index. */
  static async create(o: ImageCacheOptions): Promise<ImageCache> {
    const c = new ImageCache(o);
    await c.recover();
    const every = o.statsIntervalMs ?? 60_000;
    if (every > 0) {
      c.statsTimer = setInterval(() => c.logStats(), every);
      c.statsTimer.unref();
    }
    return c;
  }

  private async recover(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Fills a previous process left behind are never resumed.
    await rm(this.incompleteDir, { recursive: true, force: true });
    await mkdir(this.incompleteDir, { recursive: true });
    const { data, problem } = await readIndex(this.dir);
    if (problem) this.log.warn({ problem }, 'cache index unreadable: starting empty');
    const known = new Map(data.entries.map((e) => [e.id, e]));
    let removed = 0;
    for (const name of await readdir(this.dir)) {
      if (name === 'incomplete' || name === 'index.json') continue;
      const e = known.get(name);
      const p = join(this.dir, name);
      const st = await stat(p).catch(() => undefined);
      if (e && isCanonicalUuid(name) && st?.isFile() && st.size === e.size) {
        this.entries.set(name, e);
        this.cachedBytes += e.size;
      } else {
        await rm(p, { recursive: true, force: true });
        removed++;
      }
    }
    for (const id of data.queued) if (isCanonicalUuid(id) && !this.queue.includes(id)) this.queue.push(id);
    const pruned = await this.prune();
    this.log.info({ dir: this.dir, cached_images: this.entries.size, cached_bytes: this.cachedBytes, queued: this.queue.length, removed_files: removed, pruned_files: pruned.files }, 'image cache ready');
    await this.save();
  }

  // ---------------------------------------------------------------- download hook

  /** Whether a copy of this image may be kept at all. */
  cacheable(image: CacheableImage): boolean {
    return image.status === 'active' && image.size !== null && image.size > 0 && image.size <= this.maxSize && Boolean(image.checksum || image.os_hash_value);
  }

  /** The copy of this image, if there is a verified one that still matches the record. */
  private entryFor(image: CacheableImage): Entry | undefined {
    const e = this.entries.get(image.id);
    if (!e) return undefined;
    if (image.status !== 'active' || e.size !== image.size || (image.checksum ?? null) !== e.checksum || (image.os_hash_value ?? null) !== e.osHashValue) return undefined;
    return e;
  }

  isCached(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * Image data for a download the caller has already authorized: from the cache when a copy
   * is there, else from `openStore` (filling the cache on a whole-image read).
   */
  async serve(image: CacheableImage, range: ByteRange | undefined, openStore: (range?: ByteRange) => Promise<Readable>): Promise<Served> {
    const cached = await this.openCached(image, range);
    if (cached) return { stream: cached, source: 'cache' };
    this.counters.misses++;
    // A copy made from an older record (same id, other bytes) is useless now.
    if (image.status === 'active' && this.entries.has(image.id)) await this.evict(image.id, 'stale');
    const room = range || this.flights.has(image.id) || this.starting.has(image.id) || !this.cacheable(image) ? null : this.reserve(image.size!);
    if (!room) return { stream: this.countStore(await openStore(range)), source: 'store' };
    this.starting.add(image.id);
    let store: Readable;
    try {
      await room.evicting;
      store = await openStore(undefined);
    } catch (e) {
      this.reservedBytes -= image.size!;
      throw e;
    } finally {
      this.starting.delete(image.id);
    }
    const fill = this.startFill(image, store, true);
    return { stream: fill.stream, source: 'store' };
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
    e.hits++;
    e.lastAccessed = Date.now();
    this.counters.hits++;
    this.scheduleSave();
    const rs = new FileRangeStream(fh, range?.start, range?.end);
    rs.on('close', () => {
      this.counters.bytes_from_cache += rs.sent;
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
      this.counters.misses++;
      return null;
    }
    e.hits++;
    e.lastAccessed = Date.now();
    this.counters.hits++;
    if (whole) this.counters.bytes_from_cache += e.size;
    this.scheduleSave();
    return { path: join(this.dir, image.id), size: e.size };
  }

  private countStore(s: Readable): Readable {
    if (s instanceof FileRangeStream) {
      // counted as it is sent, so the download can still be pumped without a copy (respond.ts)
      s.onBytes = (n) => {
        this.counters.bytes_from_store += n;
      };
      return s;
    }
    const counter = new Transform({
      transform: (chunk: Buffer, _e, cb) => {
        this.counters.bytes_from_store += chunk.length;
        cb(null, chunk);
      },
    });
    s.on('error', (e) => counter.destroy(e));
    counter.on('close', () => {
      if (!s.destroyed) s.destroy();
    });
    return s.pipe(counter);
  }

  /**
   * Makes room for `size` more bytes, evicting least-recently-used copies (the bookkeeping is
   * immediate; `evicting` settles when their files are gone). Null if it cannot be done.
   */
  private reserve(size: number): { evicting: Promise<unknown> } | null {
    if (size > this.maxSize) return null;
    const victims = [...this.entries.values()].sort((a, b) => a.lastAccessed - b.lastAccessed || a.lastModified - b.lastModified);
    let freeable = 0;
    for (const v of victims) if (this.cachedBytes - freeable + this.reservedBytes + size > this.maxSize) freeable += v.size;
    if (this.cachedBytes - freeable + this.reservedBytes + size > this.maxSize) return null; // running fills hold the space
    const removals: Promise<unknown>[] = [];
    while (this.cachedBytes + this.reservedBytes + size > this.maxSize && victims.length) removals.push(this.evict(victims.shift()!.id, 'lru'));
    this.reservedBytes += size;
    return { evicting: Promise.all(removals) };
  }

  private generationOf(id: string): string {
    return `${this.clearGeneration}.${this.generations.get(id) ?? 0}`;
  }

  /** Tees `store` into a fill of `image`. The space (image.size) must already be reserved. */
  private startFill(image: CacheableImage, store: Readable, forClient: boolean): Flight {
    const size = image.size!;
    const generation = this.generationOf(image.id);
    const started = Date.now();
    let resolve!: (ok: boolean) => void;
    const done = new Promise<boolean>((r) => (resolve = r));
    const stream = new FillStream(this.incompleteDir, image, {
      onBytes: (n) => {
        if (forClient) this.counters.bytes_from_store += n;
        else this.counters.bytes_prefetched += n;
      },
      commit: async (tmp, written) => {
        if (this.generationOf(image.id) !== generation) return false;
        await rename(tmp, join(this.dir, image.id));
        const now = Date.now();
        const old = this.entries.get(image.id);
        if (old) this.cachedBytes -= old.size;
        this.entries.set(image.id, {
          id: image.id,
          size: written,
          hits: 0,
          lastAccessed: now,
          lastModified: now,
          checksum: image.checksum ?? null,
          osHashAlgo: image.os_hash_algo ?? null,
          osHashValue: image.os_hash_value ?? null,
        });
        this.cachedBytes += written;
        this.reservedBytes -= size;
        reserved = false;
        this.dequeue(image.id);
        await this.save();
        return true;
      },
      done: (outcome, detail) => {
        if (reserved) this.reservedBytes -= size;
        reserved = false;
        if (this.flights.get(image.id)?.stream === stream) this.flights.delete(image.id);
        if (outcome === 'cached') {
          this.counters.fills++;
          this.log.info({ image_id: image.id, size, duration_ms: Date.now() - started, prefetch: !forClient }, 'image cached');
        } else if (outcome === 'mismatch') {
          this.counters.verification_failures++;
          this.log.warn({ image_id: image.id, detail }, 'cache fill discarded: the data does not match the image record');
        } else if (outcome === 'failed') {
          this.counters.fill_failures++;
          this.log.info({ image_id: image.id, detail }, 'cache fill abandoned');
        }
        resolve(outcome === 'cached');
      },
    });
    let reserved = true;
    const flight = { done, stream };
    this.flights.set(image.id, flight);
    store.on('error', (e) => stream.destroy(e));
    stream.on('close', () => {
      if (!store.destroyed) store.destroy();
    });
    store.pipe(stream);
    return flight;
  }

  /**
   * Fills the cache with `image` without a client (the prefetcher). Waits for a fill already
   * running. Resolves to whether the image is cached afterwards; throws on store errors.
   */
  async prefetch(image: CacheableImage, openStore: () => Promise<Readable>): Promise<boolean> {
    if (this.entryFor(image)) return true;
    const running = this.flights.get(image.id);
    if (running) {
      if (await running.done) return true;
    }
    if (!this.cacheable(image) || this.flights.has(image.id) || this.starting.has(image.id)) return false;
    if (this.entries.has(image.id)) await this.evict(image.id, 'stale');
    const room = this.reserve(image.size!);
    if (!room) return false;
    this.starting.add(image.id);
    let store: Readable;
    try {
      await room.evicting;
      store = await openStore();
    } catch (e) {
      this.reservedBytes -= image.size!;
      throw e;
    } finally {
      this.starting.delete(image.id);
    }
    const flight = this.startFill(image, store, false);
    try {
      await pipeline(flight.stream, new Writable({ write: (_c, _e, cb) => cb() }));
    } catch (e) {
      if (e instanceof VerificationError) return false;
      throw e;
    }
    return flight.done;
  }

  // ---------------------------------------------------------------- management

  /** Removes the copy of `id` and stops any fill of it from being kept. True if a copy was removed. */
  async evict(id: string, why: 'lru' | 'stale' | 'request' = 'request'): Promise<boolean> {
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
    const e = this.entries.get(id);
    if (!e) return false;
    this.entries.delete(id);
    this.cachedBytes -= e.size;
    this.counters.evictions++;
    await unlink(join(this.dir, id)).catch(() => undefined);
    this.log.info({ image_id: id, size: e.size, reason: why }, 'image evicted from cache');
    await this.save();
    return true;
  }

  /** Removes every cached copy; returns how many. */
  async clearCache(): Promise<number> {
    this.clearGeneration++;
    const ids = [...this.entries.keys()];
    for (const id of ids) await this.evict(id);
    return ids.length;
  }

  list(): CachedImageInfo[] {
    return [...this.entries.values()]
      .sort((a, b) => b.lastAccessed - a.lastAccessed)
      .map((e) => ({ image_id: e.id, hits: e.hits, last_accessed: e.lastAccessed / 1000, last_modified: e.lastModified / 1000, size: e.size }));
  }

  /** Least-recently-used copies removed until the cache is within its maximum size. */
  async prune(): Promise<{ files: number; bytes: number }> {
    let files = 0;
    let bytes = 0;
    const victims = [...this.entries.values()].sort((a, b) => a.lastAccessed - b.lastAccessed || a.lastModified - b.lastModified);
    while (this.cachedBytes + this.reservedBytes > this.maxSize && victims.length) {
      const v = victims.shift()!;
      if (await this.evict(v.id, 'lru')) {
        files++;
        bytes += v.size;
      }
    }
    return { files, bytes };
  }

  /**
   * Removes what should not be there: incomplete files no running fill owns, and copies whose
   * bytes no longer match the digests they were verified against (re-hashes every copy).
   */
  async clean(): Promise<{ incomplete: number; invalid: number }> {
    const active = new Set([...this.flights.values()].map((f) => f.stream.tmpPath));
    let incomplete = 0;
    for (const name of await readdir(this.incompleteDir).catch(() => [] as string[])) {
      const p = join(this.incompleteDir, name);
      if (active.has(p)) continue;
      await rm(p, { recursive: true, force: true });
      incomplete++;
    }
    let invalid = 0;
    for (const e of [...this.entries.values()]) {
      if (!(await this.intact(e))) {
        this.log.warn({ image_id: e.id }, 'cached copy is corrupt');
        await this.evict(e.id);
        invalid++;
      }
    }
    if (incomplete || invalid) this.log.info({ incomplete, invalid }, 'cache cleaned');
    return { incomplete, invalid };
  }

  /** Whether the copy still matches its digests, re-hashed by the hash workers' pool. */
  private async intact(e: Entry): Promise<boolean> {
    const algo = e.osHashValue && e.osHashAlgo ? e.osHashAlgo.toLowerCase() : null;
    const multi = algo && hashSupported(algo) ? algo : null;
    const digests = new StreamDigests(multi ? ['md5', multi] : ['md5']);
    let size = 0;
    let hex: string[];
    let hashing = false;
    try {
      for await (const chunk of createReadStream(join(this.dir, e.id)) as AsyncIterable<Buffer>) {
        size += chunk.length;
        hashing = true;
        digests.update(chunk);
        await digests.drained();
        hashing = false;
      }
      hashing = true;
      hex = await digests.digest();
    } catch (err) {
      digests.abandon();
      if (!hashing) return !this.entries.has(e.id); // evicted meanwhile: not ours to judge
      // a failed hash worker says nothing about the bytes: keep the copy
      this.log.warn({ image_id: e.id, err: (err as Error).message }, 'cannot verify the cached copy');
      return true;
    }
    if (size !== e.size) return false;
    if (e.checksum && hex[0] !== e.checksum.toLowerCase()) return false;
    if (multi && hex[1] !== e.osHashValue!.toLowerCase()) return false;
    return true;
  }

  // ---------------------------------------------------------------- prefetch queue

  queued(): string[] {
    return [...this.queue];
  }

  /** Adds `id` to the prefetch queue (no-op if queued or cached). True if newly queued. */
  async enqueue(id: string): Promise<boolean> {
    if (this.queue.includes(id) || this.entries.has(id)) return false;
    this.queue.push(id);
    await this.save();
    return true;
  }

  async dequeue(id: string): Promise<boolean> {
    const i = this.queue.indexOf(id);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    await this.save();
    return true;
  }

  async clearQueue(): Promise<number> {
    const n = this.queue.length;
    this.queue.length = 0;
    await this.save();
    return n;
  }

  // ---------------------------------------------------------------- metrics, persistence

  metrics(): CacheMetrics {
    const c = this.counters;
    const lookups = c.hits + c.misses;
    return { ...c, hit_ratio: lookups ? Math.round((c.hits / lookups) * 1000) / 1000 : 0, cached_images: this.entries.size, cached_bytes: this.cachedBytes, max_size: this.maxSize };
  }

  /** Logs the counters (hit ratio, bytes from cache vs store) if they changed since last time. */
  logStats(): void {
    const m = this.metrics();
    const key = JSON.stringify(m);
    if (key === this.lastStats) return;
    this.lastStats = key;
    this.log.info(m, 'image cache stats');
  }

  /** Bytes on disk in cached copies (not counting fills in progress). */
  get size(): number {
    return this.cachedBytes;
  }

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
    const next = this.saving.then(() => writeIndex(this.dir, { entries: [...this.entries.values()], queued: [...this.queue] })).catch((e: Error) => {
      this.log.error({ err: e.message }, 'cannot write the cache index');
    });
    this.saving = next;
    return next;
  }

  /** Stops running fills (their temporary files are removed) and writes the index. */
  async close(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.logStats();
    for (const f of this.flights.values()) f.stream.destroy(new Error('cache closing'));
    await Promise.all([...this.flights.values()].map((f) => f.done));
    await this.save();
  }
}

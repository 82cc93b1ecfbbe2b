/**
 * Fills in progress: at most one per image (single flight, counting the time its store
 * stream is being opened), each teeing the store's bytes into `<dir>/incomplete/` and, once
 * verified, committing the copy to the ledger.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../log.js';
import { FillStream } from './fill.js';
import type { CacheLedger } from './ledger.js';
import type { Eviction } from './eviction.js';
import type { CacheStats } from './stats.js';
import type { CacheableImage } from './types.js';

export interface Flight {
  /** Whether the image ended up cached; settles once the fill has ended. */
  done: Promise<boolean>;
  /**
   * Whether the image is cached; settles in the turn the copy is listed (before its index is
   * saved), or when the fill ends without one. Whoever counts the copy counts it with the listing.
   */
  listed: Promise<boolean>;
  stream: FillStream;
}

export class Fills {
  private readonly flights = new Map<string, Flight>();
  /** Images whose fill is being set up (store stream not yet open): part of the single flight. */
  private readonly starting = new Set<string>();

  constructor(
    private readonly dir: string,
    private readonly incompleteDir: string,
    private readonly ledger: CacheLedger,
    private readonly eviction: Eviction,
    private readonly stats: CacheStats,
    private readonly log: Logger,
  ) {}

  running(id: string): Flight | undefined {
    return this.flights.get(id);
  }

  /** Whether a fill of `id` is running or being set up. */
  busy(id: string): boolean {
    return this.flights.has(id) || this.starting.has(id);
  }

  /** The temporary files of running fills. */
  tmpPaths(): Set<string> {
    return new Set([...this.flights.values()].map((f) => f.stream.tmpPath));
  }

  /**
   * Reserves room for `image` and opens its store stream, holding the image's single flight
   * meanwhile. Null when there is no room; the reservation is returned if opening fails.
   */
  async admit(image: CacheableImage, openStore: () => Promise<Readable>): Promise<Readable | null> {
    const room = this.eviction.reserve(image.size!);
    if (!room) return null;
    this.starting.add(image.id);
    try {
      await room.evicting;
      return await openStore();
    } catch (e) {
      this.ledger.reservedBytes -= image.size!;
      throw e;
    } finally {
      this.starting.delete(image.id);
    }
  }

  /** Tees `store` into a fill of `image`. The space (image.size) must already be reserved (`admit`). */
  start(image: CacheableImage, store: Readable, forClient: boolean): Flight {
    const size = image.size!;
    const generation = this.eviction.generationOf(image.id);
    const started = Date.now();
    const counters = this.stats.counters;
    let reserved = true;
    const release = () => {
      if (reserved) this.ledger.reservedBytes -= size;
      reserved = false;
    };
    let resolve!: (ok: boolean) => void;
    const done = new Promise<boolean>((r) => (resolve = r));
    let list!: (ok: boolean) => void;
    const listed = new Promise<boolean>((r) => (list = r));
    let committed = false;
    const stream = new FillStream(this.incompleteDir, image, {
      onBytes: (n) => {
        if (forClient) counters.bytes_from_store += n;
        else counters.bytes_prefetched += n;
      },
      commit: async (tmp, written) => {
        if (this.eviction.generationOf(image.id) !== generation) return false;
        await rename(tmp, join(this.dir, image.id));
        const now = Date.now();
        this.ledger.put({
          id: image.id,
          size: written,
          hits: 0,
          lastAccessed: now,
          lastModified: now,
          checksum: image.checksum ?? null,
          osHashAlgo: image.os_hash_algo ?? null,
          osHashValue: image.os_hash_value ?? null,
        });
        release();
        this.ledger.removeQueued(image.id);
        committed = true;
        list(true);
        await this.ledger.save();
        return true;
      },
      done: (ended, detail) => {
        // a listed copy stays cached whatever ends the stream after (a close while its index is saved)
        const outcome = committed ? 'cached' : ended;
        release();
        if (this.flights.get(image.id)?.stream === stream) this.flights.delete(image.id);
        if (outcome === 'cached') {
          counters.fills++;
          this.log.info({ image_id: image.id, size, duration_ms: Date.now() - started, prefetch: !forClient }, 'image cached');
        } else if (outcome === 'mismatch') {
          counters.verification_failures++;
          this.log.warn({ image_id: image.id, detail }, 'cache fill discarded: the data does not match the image record');
        } else if (outcome === 'failed') {
          counters.fill_failures++;
          this.log.info({ image_id: image.id, detail }, 'cache fill abandoned');
        }
        list(outcome === 'cached');
        resolve(outcome === 'cached');
      },
    });
    const flight = { done, listed, stream };
    this.flights.set(image.id, flight);
    store.on('error', (e) => stream.destroy(e));
    stream.on('close', () => {
      if (!store.destroyed) store.destroy();
    });
    store.pipe(stream);
    return flight;
  }

  /** Stops every running fill (their temporary files are removed) and waits for them to end. */
  async stopAll(): Promise<void> {
    for (const f of this.flights.values()) f.stream.destroy(new Error('cache closing'));
    await Promise.all([...this.flights.values()].map((f) => f.done));
  }
}

/**
 * The prefetcher: fills the cache with the images queued by PUT /v2/cache/{id}, in the
 * background, at most `concurrency` at a time, retrying failed store reads with exponential
 * back-off. An image stays in `queued_images` until it is cached or given up on; the ones
 * being fetched right now and the totals are in `status()`.
 */
import type { Readable } from 'node:stream';
import type { Logger } from '../log.js';
import type { ImageCache } from './image-cache.js';
import type { CacheableImage } from './types.js';

/** Where the prefetcher gets image records and bytes (the images repository and the stores). */
export interface PrefetchSource {
  /** The image record, or null if there is none (deleted). */
  load(id: string): Promise<CacheableImage | null>;
  /** A stream of the image's whole data from its store. */
  open(image: CacheableImage): Promise<Readable>;
}

export interface PrefetcherOptions {
  concurrency: number;
  retries: number;
  backoffMs: number;
  log: Logger;
}

export interface PrefetchStatus {
  active: string[];
  completed: number;
  failed: number;
}

export class Prefetcher {
  private readonly active = new Set<string>();
  private completed = 0;
  private failed = 0;
  private stopped = false;
  private readonly log: Logger;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly cache: ImageCache,
    private readonly source: PrefetchSource | undefined,
    private readonly o: PrefetcherOptions,
  ) {
    this.log = o.log.child({ component: 'prefetcher' });
  }

  /** Starts workers for queued images, up to the concurrency limit. */
  kick(): void {
    if (this.stopped || !this.source) return this.settle();
    for (const id of this.cache.queued()) {
      if (this.active.size >= this.o.concurrency) break;
      if (this.active.has(id)) continue;
      this.active.add(id);
      void this.run(id).finally(() => {
        this.active.delete(id);
        this.kick();
      });
    }
    this.settle();
  }

  private settle(): void {
    if (this.active.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /** Resolves when nothing is being fetched (tests, shutdown). */
  idle(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  status(): PrefetchStatus {
    return { active: [...this.active], completed: this.completed, failed: this.failed };
  }

  private async run(id: string): Promise<void> {
    const source = this.source!;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped || !this.cache.queued().includes(id)) return; // dequeued meanwhile
      try {
        const image = await source.load(id);
        if (!image || image.status !== 'active') {
          this.log.warn({ image_id: id, status: image?.status ?? null }, 'prefetch skipped: the image is not active');
          this.failed++;
          await this.cache.dequeue(id);
          return;
        }
        this.log.info({ image_id: id, attempt: attempt + 1, size: image.size }, 'prefetching image');
        const ok = await this.cache.prefetch(image, () => source.open(image));
        // cache.prefetch answers in the turn the copy is listed: a copy listed as cached is a completed prefetch
        if (ok) this.completed++;
        else this.failed++;
        await this.cache.dequeue(id);
        if (ok) this.log.info({ image_id: id }, 'prefetch done');
        else this.log.warn({ image_id: id }, 'prefetch gave up: the image cannot be cached (too large, unverifiable or its data does not match its record)');
        return;
      } catch (e) {
        if (attempt >= this.o.retries) {
          this.failed++;
          this.log.error({ image_id: id, attempts: attempt + 1, err: (e as Error).message }, 'prefetch failed');
          await this.cache.dequeue(id);
          return;
        }
        const delay = this.o.backoffMs * 2 ** attempt;
        this.log.warn({ image_id: id, attempt: attempt + 1, retry_in_ms: delay, err: (e as Error).message }, 'prefetch attempt failed');
        await this.sleep(delay);
      }
    }
  }

  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleepers.delete(t);
        resolve();
      }, ms);
      this.sleepers.set(t, resolve);
    });
  }

  /** Stops starting work and cuts back-off waits short. */
  stop(): void {
    this.stopped = true;
    for (const [t, wake] of this.sleepers) {
      clearTimeout(t);
      wake();
    }
    this.sleepers.clear();
  }

  async close(): Promise<void> {
    this.stop();
    await this.idle();
  }
}

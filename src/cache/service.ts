/**
 * The image cache as the rest of the service sees it: the management API (§2.6 of the API
 * reference: policy first, 403; then 404 when the cache is disabled), the download hook
 * (`serve`) and the eviction hook (`evict`, for image delete/deactivate).
 */
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import type { Document } from 'mongodb';
import type { ImageRecord } from '../repositories/images.js';
import type { RequestContext } from '../authn/context.js';
import type { PolicyRule } from '../authz/index.js';
import type { Config } from '../config/config.js';
import { DomainError, forbidden, invalid, notFound, imageNotFoundMessage } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { ImageCache } from './image-cache.js';
import { Prefetcher, type PrefetchStatus } from './prefetcher.js';
import type { ByteRange, CacheableImage, CachedImageInfo, CacheMetrics } from './types.js';

type Maybe<T> = T | Promise<T>;

/**
 * What the service needs of a cache: the local ImageCache, or (in a worker that does not own
 * the cache directory) a client of the owner's (src/cache/remote.ts).
 */
export interface CacheBackend {
  serve(image: CacheableImage, range: ByteRange | undefined, openStore: (range?: ByteRange) => Promise<Readable>): Promise<{ stream: Readable; source: 'cache' | 'store' }>;
  evict(id: string): Promise<unknown>;
  dequeue(id: string): Promise<unknown>;
  list(): Maybe<CachedImageInfo[]>;
  queued(): Maybe<string[]>;
  metrics(): Maybe<CacheMetrics>;
  isCached(id: string): Maybe<boolean>;
  enqueue(id: string): Promise<boolean>;
  clearCache(): Promise<number>;
  clearQueue(): Promise<number>;
  clean(): Promise<unknown>;
  prune(): Promise<{ files: number; bytes: number }>;
  close(): Promise<void>;
}

/** The prefetcher as the service drives it (local, or the owner's through a client). */
export interface PrefetchControl {
  status(): Maybe<PrefetchStatus>;
  kick(): void;
  stop(): void;
  idle(): Promise<void>;
}

/** The part of the authorizer the cache uses (src/authz: `s.authz`). */
export interface CachePolicy {
  can(ctx: RequestContext, rule: PolicyRule, subject: 'Image' | 'Global', resource?: object): boolean;
}

/** An image record as loaded for the cache: the policy target plus the fields the cache needs. */
export interface LoadedImage {
  doc: Document;
  image: CacheableImage;
}

export interface ImageLookup {
  find(id: string): Promise<LoadedImage | null>;
}

/** Image records through the catalogue's repository, as the cache may serve them. */
export function repositoryImageLookup(repo: { get(id: string): Promise<ImageRecord | null> }): ImageLookup {
  return {
    async find(id) {
      const img = await repo.get(id);
      if (!img || img.deleted || img.status === 'deleted' || img.status === 'pending_delete') return null;
      const doc = img as unknown as Document;
      return { doc, image: toCacheable(doc) };
    },
  };
}

export function toCacheable(doc: Document): CacheableImage {
  return {
    id: String(doc._id ?? doc.id),
    status: String(doc.status),
    size: typeof doc.size === 'number' ? doc.size : null,
    checksum: typeof doc.checksum === 'string' ? doc.checksum : null,
    os_hash_algo: typeof doc.os_hash_algo === 'string' ? doc.os_hash_algo : null,
    os_hash_value: typeof doc.os_hash_value === 'string' ? doc.os_hash_value : null,
  };
}

export interface CacheListing {
  cached_images: CachedImageInfo[];
  queued_images: string[];
  stats: CacheMetrics & { prefetch: { active: string[]; completed: number; failed: number } };
}

export const CLEAR_TARGETS = ['', 'cache', 'queue'] as const;

export interface CacheServiceOptions {
  /** null: caching disabled. */
  cache: CacheBackend | null;
  prefetcher: PrefetchControl | null;
  policy: CachePolicy;
  images: ImageLookup;
  log: Logger;
}

export class CacheService {
  constructor(private readonly o: CacheServiceOptions) {}

  get enabled(): boolean {
    return this.o.cache !== null;
  }

  /** The local cache (tests, metrics), or null when disabled or owned by another worker. */
  get cache(): ImageCache | null {
    return this.o.cache instanceof ImageCache ? this.o.cache : null;
  }

  get prefetcher(): Prefetcher | null {
    return this.o.prefetcher instanceof Prefetcher ? this.o.prefetcher : null;
  }

  // ---------------------------------------------------------------- hooks for image data

  /**
   * Image data for a download that has already passed every access check of an uncached
   * download. Serves a verified copy when there is one; otherwise reads the store (filling
   * the cache on a whole-image read). Only `active` images are ever served from the cache.
   */
  async serve(image: CacheableImage, range: ByteRange | undefined, openStore: (range?: ByteRange) => Promise<Readable>): Promise<{ stream: Readable; source: 'cache' | 'store' }> {
    if (!this.o.cache) return { stream: await openStore(range), source: 'store' };
    return this.o.cache.serve(image, range, openStore);
  }

  /** Drops the cached copy and queue entry of an image (deleted, deactivated, data changed). */
  async evict(id: string): Promise<void> {
    if (!this.o.cache) return;
    await this.o.cache.evict(id);
    await this.o.cache.dequeue(id);
  }

  // ---------------------------------------------------------------- management API

  private allow(ctx: RequestContext, rule: PolicyRule, target?: Document): void {
    if (!this.o.policy.can(ctx, rule, target ? 'Image' : 'Global', target ?? {})) {
      throw forbidden(`You are not authorized to complete ${rule} action.`);
    }
  }

  private enabledCache(): CacheBackend {
    if (!this.o.cache) throw notFound('Caching via API is not supported at this site.');
    return this.o.cache;
  }

  /** The image by id, as the caller may see it (404 otherwise). */
  private async visibleImage(ctx: RequestContext, id: string): Promise<LoadedImage | null> {
    const found = await this.o.images.find(id);
    if (!found) return null;
    if (!this.o.policy.can(ctx, 'get_image', 'Image', found.doc)) return null;
    return found;
  }

  async list(ctx: RequestContext): Promise<CacheListing> {
    this.allow(ctx, 'cache_list');
    const cache = this.enabledCache();
    const prefetch = (await this.o.prefetcher?.status()) ?? { active: [], completed: 0, failed: 0 };
    return { cached_images: await cache.list(), queued_images: await cache.queued(), stats: { ...(await cache.metrics()), prefetch } };
  }

  /** PUT /v2/cache/{id}: queue an active image for prefetching. */
  async queue(ctx: RequestContext, id: string): Promise<void> {
    const found = await this.visibleImage(ctx, id);
    if (!found) throw notFound(imageNotFoundMessage(id));
    this.allow(ctx, 'cache_image', found.doc);
    const cache = this.enabledCache();
    if (found.image.status !== 'active') throw invalid(`Only images with status active can be targeted for queueing; image ${id} is ${found.image.status}.`);
    if (await cache.enqueue(found.image.id)) this.o.log.info({ image_id: found.image.id, request_id: ctx.requestId }, 'image queued for prefetch');
    this.o.prefetcher?.kick();
  }

  /** DELETE /v2/cache/{id}: remove the cached copy and the queue entry. */
  async remove(ctx: RequestContext, id: string): Promise<void> {
    // ids arrive canonical (src/http/api.ts)
    const key = id;
    const found = await this.visibleImage(ctx, key);
    const cache = this.o.cache;
    if (!found && !(cache && ((await cache.isCached(key)) || (await cache.queued()).includes(key)))) throw notFound(imageNotFoundMessage(id));
    this.allow(ctx, 'cache_delete', found?.doc);
    const c = this.enabledCache();
    await c.evict(key);
    await c.dequeue(key);
  }

  /** DELETE /v2/cache: header value '' (both), 'cache' or 'queue'. */
  async clear(ctx: RequestContext, target: string | undefined): Promise<{ cache_deleted: number; queue_deleted: number }> {
    this.allow(ctx, 'cache_delete');
    const cache = this.enabledCache();
    const t = (target ?? '').trim().toLowerCase();
    if (!(CLEAR_TARGETS as readonly string[]).includes(t)) {
      throw new DomainError('Invalid', "If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string.");
    }
    const out = { cache_deleted: 0, queue_deleted: 0 };
    if (t === '' || t === 'cache') out.cache_deleted = await cache.clearCache();
    if (t === '' || t === 'queue') out.queue_deleted = await cache.clearQueue();
    this.o.log.info({ ...out, target: t || 'both', request_id: ctx.requestId }, 'image cache cleared');
    return out;
  }

  async clean(ctx: RequestContext): Promise<void> {
    this.allow(ctx, 'cache_clean');
    await this.enabledCache().clean();
  }

  async prune(ctx: RequestContext): Promise<{ total_files_pruned: number; total_bytes_pruned: number }> {
    this.allow(ctx, 'cache_prune');
    const { files, bytes } = await this.enabledCache().prune();
    return { total_files_pruned: files, total_bytes_pruned: bytes };
  }

  async close(): Promise<void> {
    this.o.prefetcher?.stop();
    await this.o.cache?.close();
    await this.o.prefetcher?.idle();
  }
}

export interface CacheSettings {
  enabled: boolean;
  dir: string;
  maxSize: number;
  prefetchConcurrency: number;
  prefetchRetries: number;
  prefetchBackoffMs: number;
}

/**
 * Builds the cache service; a disabled cache still answers the API (403/404). `remote`: this
 * process does not own the cache directory and reaches the owner's cache through it.
 */
export async function createCacheService(
  settings: CacheSettings,
  {
    open,
    remote,
    ...deps
  }: { policy: CachePolicy; images: ImageLookup; log: Logger; /** Where the prefetcher reads an image's bytes. */ open: (image: CacheableImage) => Promise<Readable>; remote?: { cache: CacheBackend; prefetcher: PrefetchControl } },
): Promise<CacheService> {
  if (!settings.enabled) return new CacheService({ cache: null, prefetcher: null, ...deps });
  if (remote) return new CacheService({ ...remote, ...deps });
  const cache = await ImageCache.create({ dir: settings.dir, maxSize: settings.maxSize, log: deps.log });
  const source = { load: async (id: string) => (await deps.images.find(id))?.image ?? null, open };
  const prefetcher = new Prefetcher(cache, source, {
    concurrency: settings.prefetchConcurrency,
    retries: settings.prefetchRetries,
    backoffMs: settings.prefetchBackoffMs,
    log: deps.log,
  });
  return new CacheService({ cache, prefetcher, ...deps });
}

/** The cache settings from the configuration (see README, "Image cache"). */
export function cacheSettingsFrom(config: Config): CacheSettings {
  return {
    enabled: config.IMAGE_CACHE_ENABLED ?? config.MONGODB_URI === null,
    dir: config.IMAGE_CACHE_DIR ?? join(config.DATA_DIR, 'image-cache'),
    maxSize: config.IMAGE_CACHE_MAX_SIZE,
    prefetchConcurrency: config.IMAGE_CACHE_PREFETCH_CONCURRENCY,
    prefetchRetries: config.IMAGE_CACHE_PREFETCH_RETRIES,
    prefetchBackoffMs: config.IMAGE_CACHE_PREFETCH_BACKOFF,
  };
}

import type { operations } from '../generated/openapi.js';

/** What the cache needs to know about an image (a subset of the image record). */
export interface CacheableImage {
  id: string;
  status: string;
  size: number | null;
  /** MD5, hex. */
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
}

export type { ByteRange } from '../stores/store.js';

/** One row of GET /v2/cache `cached_images` (times are epoch seconds, as floats). */
export interface CachedImageInfo {
  image_id: string;
  hits: number;
  last_accessed: number;
  last_modified: number;
  size: number;
}

/** The cache counters of `GET /v2/cache` (`stats`, less the prefetcher part), as the OpenAPI document defines them. */
export type CacheMetrics = Omit<NonNullable<CacheListing['stats']>, 'prefetch'>;
type CacheListing = operations['listCachedImages']['responses'][200]['content']['application/json'];

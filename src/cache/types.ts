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

/** Inclusive byte range (the same shape as the stores' ByteRange). */
export interface ByteRange {
  start: number;
  end: number;
}

/** One row of GET /v2/cache `cached_images` (times are epoch seconds, as floats). */
export interface CachedImageInfo {
  image_id: string;
  hits: number;
  last_accessed: number;
  last_modified: number;
  size: number;
}

export interface CacheMetrics {
  hits: number;
  misses: number;
  hit_ratio: number;
  bytes_from_cache: number;
  bytes_from_store: number;
  bytes_prefetched: number;
  fills: number;
  fill_failures: number;
  verification_failures: number;
  evictions: number;
  cached_images: number;
  cached_bytes: number;
  max_size: number;
}

/**
 * The store driver interface: where image bytes live. Every driver writes a stream (measuring
 * size, MD5 and the configured multihash while the bytes pass), reads a stream with an optional
 * byte range, deletes, and tells which locations it owns. Drivers never buffer an image.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { DomainError } from '../domain/errors.js';
import { isCanonicalUuid } from '../domain/ids.js';
import { StreamDigests } from './hashing.js';

export type StoreType = 'file' | 'gridfs' | 'http' | 'swift' | 's3' | 'rbd';

export interface WriteResult {
  size: number;
  /** MD5, hex. */
  checksum: string;
  os_hash_algo: string;
  os_hash_value: string;
  /** Location URL of the written data (what `read`/`delete` take). */
  url: string;
}

export interface WriteOptions {
  /** Hash algorithm for os_hash_value (node:crypto name, e.g. sha512). */
  hashAlgo: string;
  /** Largest accepted size in bytes; beyond it the write fails with TooLarge (413). */
  maxSize?: number;
}

/** Inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A requested range, checked for syntax by the HTTP layer (src/http/range.ts) and resolved by
 * the download against the image size, which only it knows: 416 when it cannot be satisfied.
 */
export interface RangeRequest {
  resolve(size: number): ByteRange;
}

export interface StoreDriver {
  readonly id: string;
  readonly type: StoreType;
  readonly readOnly: boolean;
  readonly description?: string;
  readonly weight: number;
  /** Stream `data` into the store as the bytes of `imageId`. On failure nothing is left behind. */
  write(imageId: string, data: Readable, opts: WriteOptions): Promise<WriteResult>;
  /** A stream of the bytes at `url`, or of `range` of them. */
  read(url: string, range?: ByteRange): Promise<Readable>;
  /** Remove the bytes at `url`; missing data is not an error. */
  delete(url: string): Promise<void>;
  /** The location a writable store gives an image's data (read-only stores have none). */
  urlFor?(imageId: string): string;
  /** Whether `url` is a location this store handles. */
  owns(url: string): boolean;
  /**
   * Called before an image's record is marked deleted: a store whose data can be in use
   * elsewhere (RBD clones) refuses here with Conflict (409) and keeps the data; `undo` reverts
   * the preparation when the deletion does not go ahead.
   */
  prepareDelete?(url: string): Promise<{ undo(): Promise<void> }>;
  /** Checks a remote store's credentials and container/bucket (logged at start, never fatal). */
  check?(): Promise<void>;
  /** Type-specific properties shown by GET /v2/info/stores/detail (never a secret). */
  properties(): Record<string, unknown>;
}

/**
 * Image ids become file names and object ids: only canonical (lower-case) UUIDs are accepted.
 * Folding the case here instead would let two catalogue ids share one object.
 */
export function assertImageId(id: string): string {
  if (!isCanonicalUuid(id)) throw new DomainError('Invalid', `Image id ${JSON.stringify(id).slice(0, 80)} is not a UUID in canonical (lower-case) form.`);
  return id;
}

/** The image id a location URL names right after `prefix` (a canonical UUID and nothing more), or null. */
export function imageIdAfter(url: string, prefix: string): string | null {
  if (!url.startsWith(prefix)) return null;
  const rest = url.slice(prefix.length);
  return isCanonicalUuid(rest) ? rest : null;
}

/** What a store found in a location URL, or the error for a location that is not in that store. */
export function inStore<T>(found: T | null, url: string, storeId: string): T {
  if (found === null) throw new Error(`location ${url} is not in store ${storeId}`);
  return found;
}

/**
 * A pass-through that measures the bytes: size, MD5, the multihash, and the size cap. Chunks pass
 * downstream untouched; a copy is gathered into batches of BATCH bytes in shared memory, and each
 * batch goes to both digests, computed in worker threads (StreamDigests, src/stores/hashing.ts) in parallel with
 * each other and with the I/O, which read it in place. Each byte is copied once. The in-flight
 * amount is bounded (backpressure). `result()` is valid once the stream has finished.
 */
export class Meter extends Transform {
  size = 0;
  private readonly hashing: StreamDigests;
  private digests?: { md5: string; multi: string };
  constructor(
    readonly hashAlgo: string,
    private readonly maxSize = Number.MAX_SAFE_INTEGER,
  ) {
    super();
    this.hashing = new StreamDigests(['md5', hashAlgo]);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxSize) {
      cb(new DomainError('TooLarge', `Image exceeds the storage limit of ${this.maxSize} bytes.`));
      return;
    }
    try {
      this.hashing.update(chunk);
    } catch (e) {
      cb(e as Error);
      return;
    }
    this.push(chunk);
    this.hashing.drained().then(() => cb(), cb);
  }
  override _flush(cb: TransformCallback): void {
    this.hashing.digest().then(([md5, multi]) => {
      this.digests = { md5, multi };
      cb();
    }, cb);
  }
  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (!this.digests) this.hashing.abandon();
    cb(err);
  }
  result(url: string): WriteResult {
    if (!this.digests) throw new Error('Meter.result() before the stream finished');
    return { size: this.size, checksum: this.digests.md5, os_hash_algo: this.hashAlgo, os_hash_value: this.digests.multi, url };
  }
}

/**
 * The store driver interface: where image bytes live. Every driver writes a stream (measuring
 * size, MD5 and the configured multihash while the bytes pass), reads a stream with an optional
 * byte range, deletes, and answers whether a location still exists. Drivers never buffer an image.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { DomainError } from '../domain/errors.js';

export type StoreType = 'file' | 'gridfs' | 'http';

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
  exists(url: string): Promise<boolean>;
  /** Whether `url` is a location this store handles. */
  owns(url: string): boolean;
  /** Type-specific properties shown by GET /v2/info/stores/detail. */
  properties(): Record<string, unknown>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Image ids become file names and object ids: only canonical UUIDs are accepted. */
export function assertImageId(id: string): string {
  if (!UUID_RE.test(id)) throw new DomainError('Invalid', `Image id ${JSON.stringify(id).slice(0, 80)} is not a UUID.`);
  return id.toLowerCase();
}

export const HASH_ALGORITHMS = ['sha512', 'sha384', 'sha256', 'sha1', 'md5'] as const;

/**
 * A pass-through that measures the bytes: size, MD5, the multihash, and the size cap.
 * `result()` is valid once the stream has finished.
 */
export class Meter extends Transform {
  size = 0;
  private md5: Hash = createHash('md5');
  private multi: Hash;
  private digests?: { md5: string; multi: string };
  constructor(
    readonly hashAlgo: string,
    private readonly maxSize = Number.MAX_SAFE_INTEGER,
  ) {
    super();
    this.multi = createHash(hashAlgo);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxSize) {
      cb(new DomainError('TooLarge', `Image exceeds the storage limit of ${this.maxSize} bytes.`));
      return;
    }
    this.md5.update(chunk);
    this.multi.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.digests = { md5: this.md5.digest('hex'), multi: this.multi.digest('hex') };
    cb();
  }
  result(url: string): WriteResult {
    if (!this.digests) throw new Error('Meter.result() before the stream finished');
    return { size: this.size, checksum: this.digests.md5, os_hash_algo: this.hashAlgo, os_hash_value: this.digests.multi, url };
  }
}

export class StoreError extends Error {}

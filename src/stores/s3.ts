/**
 * S3 store: image bytes as objects of one bucket, keyed by the image id, through the AWS SDK v3.
 * Uploads stream through the Meter into lib-storage's Upload: data that ends within one part is
 * a single PUT, more becomes a multipart upload whose part size adapts to the largest size the
 * upload may reach (its maxSize), so even a 1 TiB image fits in S3's 10,000 parts. Parts are
 * buffered by lib-storage: at most thread_pools of them are uploaded at once, fewer when they
 * are larger than large_object_chunk_size, so memory per upload stays near
 * thread_pools × large_object_chunk_size (or two parts, when one part is larger than that). A failed upload is aborted (no orphan parts)
 * and any object written is deleted. Locations are `s3://<host>/<bucket>/<id>`, or
 * `s3+https://…` for TLS endpoints: never with credentials.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { PassThrough, type Readable } from 'node:stream';
import { DomainError } from '../domain/errors.js';
import { Meter, assertImageId, imageIdAfter, inStore, type ByteRange, type StoreDriver, type WriteOptions, type WriteResult } from './store.js';

const MiB = 1 << 20;
const MAX_PARTS = 10_000;
/** S3's limits on one part. */
const MIN_PART = 5 * MiB;
const MAX_PART = 5 * 1024 * MiB;
/** The size limit assumed when a write has none (MAX_IMAGE_SIZE's default, 1 TiB). */
const DEFAULT_LIMIT = 1024 * 1024 * MiB;

/** The AWS SDK, loaded when an S3 store is first used: about 25 MiB and a quarter second that no other deployment should pay at start. */
let sdk: Promise<{ s3: typeof import('@aws-sdk/client-s3'); storage: typeof import('@aws-sdk/lib-storage') }> | undefined;
const loadSdk = () => (sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({ s3, storage })));

/** An error S3 answered (the SDK's S3ServiceException), recognised without loading the SDK. */
interface S3Error extends Error {
  $metadata: { httpStatusCode?: number };
}
const isS3Error = (e: unknown): e is S3Error => e instanceof Error && '$fault' in e && typeof (e as { $metadata?: unknown }).$metadata === 'object';

export interface S3StoreOptions {
  id: string;
  endpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  pathStyle: boolean;
  createBucket: boolean;
  largeObjectSize: number;
  largeObjectChunkSize: number;
  threadPools: number;
  description?: string;
  weight?: number;
}

/** The part size for an upload of at most `maxSize` bytes: at least `chunk`, at most 10,000 parts. */
export function partSizeFor(maxSize: number, chunk: number): number {
  const need = Math.ceil(maxSize / MAX_PARTS);
  const size = Math.max(chunk, MIN_PART, Math.ceil(need / MiB) * MiB);
  return Math.min(size, MAX_PART);
}

export class S3Store implements StoreDriver {
  readonly type = 's3' as const;
  readonly readOnly = false;
  readonly id: string;
  readonly description?: string;
  readonly weight: number;
  private readonly base: string;
  private clientP?: Promise<S3Client>;
  private ready?: Promise<void>;

  constructor(private readonly o: S3StoreOptions) {
    this.id = o.id;
    this.description = o.description;
    this.weight = o.weight ?? 0;
    const u = new URL(o.endpoint);
    this.base = `${u.protocol === 'https:' ? 's3+https' : 's3'}://${u.host}/${encodeURIComponent(o.bucket)}/`;
  }

  /** The SDK with this store's client. */
  private async sdk(): Promise<Awaited<ReturnType<typeof loadSdk>> & { client: S3Client }> {
    return { ...(await loadSdk()), client: await this.client() };
  }

  /** The SDK client, made on first use. */
  client(): Promise<S3Client> {
    return (this.clientP ??= loadSdk().then(
      ({ s3 }) =>
        new s3.S3Client({
          endpoint: this.o.endpoint,
          region: this.o.region,
          forcePathStyle: this.o.pathStyle,
          credentials: { accessKeyId: this.o.accessKey, secretAccessKey: this.o.secretKey },
          maxAttempts: 3,
          // checksums of streamed bodies would need the whole body first; S3-compatible servers vary
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
    ));
  }

  urlFor(imageId: string): string {
    return this.base + assertImageId(imageId);
  }

  private keyOf(url: string): string | null {
    return imageIdAfter(url, this.base);
  }

  owns(url: string): boolean {
    return this.keyOf(url) !== null;
  }

  private mustKey(url: string): string {
    return inStore(this.keyOf(url), url, this.id);
  }

  /** An S3 failure as the API reports it: 503 naming the store and S3's error code only. */
  private fail(e: unknown): never {
    if (e instanceof DomainError) throw e;
    if (isS3Error(e)) {
      const status = e.$metadata.httpStatusCode;
      const why = e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch' || status === 403 ? 'the access key or secret was refused' : e.name;
      throw new DomainError('Unavailable', `Store ${this.id} (s3) is unavailable: ${why} (HTTP ${status ?? '?'})`);
    }
    const code = (e as { code?: string }).code;
    if (code && /^E[A-Z]+$/.test(code)) throw new DomainError('Unavailable', `Store ${this.id} (s3) is unavailable: ${code}`);
    throw e;
  }

  private ensureBucket(): Promise<void> {
    const p = (this.ready ??= (async () => {
      const { s3, client } = await this.sdk();
      try {
        await client.send(new s3.HeadBucketCommand({ Bucket: this.o.bucket }));
      } catch (e) {
        if (!isS3Error(e) || e.$metadata.httpStatusCode !== 404) throw e;
        if (!this.o.createBucket) throw new DomainError('Unavailable', `Store ${this.id} (s3): bucket ${this.o.bucket} does not exist and create_bucket_on_put is off`);
        await client.send(new s3.CreateBucketCommand({ Bucket: this.o.bucket }));
      }
    })());
    p.catch(() => {
      if (this.ready === p) this.ready = undefined;
    });
    return p;
  }

  async write(imageId: string, data: Readable, opts: WriteOptions): Promise<WriteResult> {
    const key = assertImageId(imageId);
    try {
      await this.ensureBucket();
    } catch (e) {
      data.resume();
      this.fail(e);
    }
    const meter = new Meter(opts.hashAlgo, opts.maxSize);
    data.on('error', (e) => meter.destroy(e));
    data.pipe(meter);
    // lib-storage reads a `size` property as the body's length, and the Meter's counts as it goes
    const body = meter.pipe(new PassThrough());
    meter.on('error', (e) => body.destroy(e));
    const partSize = partSizeFor(opts.maxSize ?? DEFAULT_LIMIT, this.o.largeObjectChunkSize);
    // parts are buffered: larger parts (a large size limit) mean fewer of them in flight
    const queueSize = Math.max(1, Math.min(this.o.threadPools, Math.floor((this.o.threadPools * this.o.largeObjectChunkSize) / partSize)));
    const { s3, storage, client } = await this.sdk();
    const upload = new storage.Upload({
      client,
      params: { Bucket: this.o.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' },
      partSize,
      queueSize,
      leavePartsOnError: false,
    });
    let sourceError: Error | undefined;
    meter.once('error', (e) => (sourceError ??= e));
    try {
      await upload.done();
      return meter.result(this.urlFor(key));
    } catch (e) {
      await upload.abort().catch(() => undefined);
      if (!data.destroyed) data.destroy();
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.o.bucket, Key: key })).catch(() => undefined);
      // the source's own failure (a client gone, the size cap) is not the store's
      if (sourceError) throw sourceError;
      this.fail(e);
    }
  }

  async read(url: string, range?: ByteRange): Promise<Readable> {
    const key = this.mustKey(url);
    const { s3, client } = await this.sdk();
    try {
      const r = await client.send(new s3.GetObjectCommand({ Bucket: this.o.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
      return r.Body as Readable;
    } catch (e) {
      if (isS3Error(e) && (e.name === 'NoSuchKey' || e.$metadata.httpStatusCode === 404)) throw Object.assign(new Error(`no data at ${url}`), { code: 'ENOENT' });
      this.fail(e);
    }
  }

  async delete(url: string): Promise<void> {
    const key = this.mustKey(url);
    const { s3, client } = await this.sdk();
    try {
      await client.send(new s3.DeleteObjectCommand({ Bucket: this.o.bucket, Key: key }));
    } catch (e) {
      if (isS3Error(e) && e.$metadata.httpStatusCode === 404) return;
      this.fail(e);
    }
  }

  /**
   * Multipart uploads older than `olderThanMs` (a crash in the middle of one) are aborted, except
   * those of an image whose transfer is still alive (`live`).
   */
  async sweepTemporaries(olderThanMs: number, live: (imageId: string) => boolean = () => false): Promise<number> {
    const { s3, client } = await this.sdk();
    let n = 0;
    let keyMarker: string | undefined;
    let uploadMarker: string | undefined;
    for (;;) {
      const page = await client.send(new s3.ListMultipartUploadsCommand({ Bucket: this.o.bucket, KeyMarker: keyMarker, UploadIdMarker: uploadMarker }));
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || live(u.Key) || !u.Initiated || Date.now() - u.Initiated.getTime() <= olderThanMs) continue;
        await client.send(new s3.AbortMultipartUploadCommand({ Bucket: this.o.bucket, Key: u.Key, UploadId: u.UploadId }));
        n++;
      }
      if (!page.IsTruncated) return n;
      keyMarker = page.NextKeyMarker;
      uploadMarker = page.NextUploadIdMarker;
    }
  }

  /** Checks credentials and the bucket. */
  async check(): Promise<void> {
    try {
      await this.ensureBucket();
    } catch (e) {
      this.fail(e);
    }
  }

  properties(): Record<string, unknown> {
    return { s3_store_large_object_size: this.o.largeObjectSize, s3_store_large_object_chunk_size: this.o.largeObjectChunkSize, s3_store_thread_pools: this.o.threadPools };
  }
}

/**
 * GridFS store: image bytes in MongoDB (bucket `store_<id>`), so one database holds the whole
 * state. The GridFS file id is the image id; the files document is only written once every chunk
 * is in, so readers never see a partial image. A failed write removes its chunks.
 */
import { GridFSBucket, type Db } from 'mongodb';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { Meter, assertImageId, imageIdAfter, inStore, type ByteRange, type StoreDriver, type WriteOptions, type WriteResult } from './store.js';

export interface GridFsStoreOptions {
  id: string;
  db: Db;
  bucket?: string;
  chunkSize?: number;
  description?: string;
  weight?: number;
}

export class GridFsStore implements StoreDriver {
  readonly type = 'gridfs' as const;
  readonly readOnly = false;
  readonly id: string;
  readonly description?: string;
  readonly weight: number;
  readonly bucketName: string;
  private readonly bucket: GridFSBucket;
  private readonly db: Db;
  private readonly chunkSize: number;

  constructor(o: GridFsStoreOptions) {
    this.id = o.id;
    this.db = o.db;
    this.bucketName = o.bucket ?? `store_${o.id}`;
    this.chunkSize = o.chunkSize ?? 255 * 1024;
    this.bucket = new GridFSBucket(o.db, { bucketName: this.bucketName, chunkSizeBytes: this.chunkSize });
    this.description = o.description;
    this.weight = o.weight ?? 0;
  }

  urlFor(imageId: string): string {
    return `gridfs://${this.bucketName}/${assertImageId(imageId)}`;
  }

  private idOf(url: string): string | null {
    return imageIdAfter(url, `gridfs://${this.bucketName}/`);
  }

  owns(url: string): boolean {
    return this.idOf(url) !== null;
  }

  private mustId(url: string): string {
    return inStore(this.idOf(url), url, this.id);
  }

  private async purge(id: string): Promise<void> {
    await this.db.collection(`${this.bucketName}.files`).deleteOne({ _id: id as never });
    await this.db.collection(`${this.bucketName}.chunks`).deleteMany({ files_id: id });
  }

  async write(imageId: string, data: Readable, opts: WriteOptions): Promise<WriteResult> {
    const id = assertImageId(imageId);
    await this.purge(id); // leftovers of an earlier crashed attempt
    const meter = new Meter(opts.hashAlgo, opts.maxSize);
    const up = this.bucket.openUploadStreamWithId(id as never, id, { chunkSizeBytes: this.chunkSize });
    try {
      await pipeline(data, meter, up);
      return meter.result(this.urlFor(id));
    } catch (e) {
      await up.abort().catch(() => undefined);
      await this.purge(id).catch(() => undefined);
      throw e;
    }
  }

  async read(url: string, range?: ByteRange): Promise<Readable> {
    const id = this.mustId(url);
    const file = await this.db.collection(`${this.bucketName}.files`).findOne({ _id: id as never });
    if (!file) throw Object.assign(new Error(`no data at ${url}`), { code: 'ENOENT' });
    return this.bucket.openDownloadStream(id as never, range ? { start: range.start, end: range.end + 1 } : {});
  }

  async delete(url: string): Promise<void> {
    await this.purge(this.mustId(url));
  }

  properties(): Record<string, unknown> {
    return { bucket: this.bucketName, chunk_size: this.chunkSize };
  }
}

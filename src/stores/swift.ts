/**
 * Swift store: image bytes as objects of one container, named by the image id. The bytes stream
 * through the Meter into a chunked PUT. An image that grows beyond `large_object_size` becomes a
 * Static Large Object: the first `large_object_size` bytes (already written under the image id)
 * are copied server-side into segment 0, the rest is written as segments `<id>-00001`, … of
 * `large_object_chunk_size` bytes (doubling every 100 segments, so the manifest stays within
 * Swift's segment limit), and a manifest replaces the object. Segments share the container, as
 * upstream's. A failed write deletes the object and every segment; deleting an image removes
 * its segments too. Locations are `swift+config://<store id>/<container>/<id>`: they name the
 * store, never its credentials.
 */
import { Readable } from 'node:stream';
import { DomainError } from '../domain/errors.js';
import { captureErrors } from './stream-errors.js';
import { SwiftClient, SwiftError, type SwiftAuthOptions } from './swift-client.js';
import { Meter, assertImageId, imageIdAfter, inStore, type ByteRange, type StoreDriver, type WriteOptions, type WriteResult } from './store.js';

const MiB = 1 << 20;
/** Swift's default object size limit (max_file_size): no segment may be larger. */
const MAX_SEGMENT = 5 * 1024 * MiB;

export interface SwiftStoreOptions {
  id: string;
  auth: SwiftAuthOptions;
  container: string;
  createContainer: boolean;
  largeObjectSize: number;
  largeObjectChunkSize: number;
  description?: string;
  weight?: number;
}

/** Takes consecutive pieces of at most `limit` bytes out of one stream of chunks. */
class Pieces {
  private pending: Buffer | null = null;
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  async more(): Promise<boolean> {
    while (!this.pending?.length) {
      if (this.done) return false;
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.pending = r.value;
    }
    return true;
  }

  /** A stream of the next piece; `counted(n)` learns its length when it ends. */
  piece(limit: number, counted: (n: number) => void): Readable {
    const self = this;
    return Readable.from(
      (async function* () {
        let n = 0;
        while (n < limit && (await self.more())) {
          const c = self.pending!;
          const take = Math.min(c.length, limit - n);
          self.pending = take < c.length ? c.subarray(take) : null;
          n += take;
          yield take < c.length ? c.subarray(0, take) : c;
        }
        counted(n);
      })(),
      { objectMode: false },
    );
  }
}

export class SwiftStore implements StoreDriver {
  readonly type = 'swift' as const;
  readonly readOnly = false;
  readonly id: string;
  readonly description?: string;
  readonly weight: number;
  readonly client: SwiftClient;
  private ready?: Promise<void>;

  constructor(private readonly o: SwiftStoreOptions) {
    this.id = o.id;
    this.description = o.description;
    this.weight = o.weight ?? 0;
    this.client = new SwiftClient(o.auth);
  }

  urlFor(imageId: string): string {
    return `swift+config://${this.id}/${encodeURIComponent(this.o.container)}/${assertImageId(imageId)}`;
  }

  private idOf(url: string): string | null {
    return imageIdAfter(url, `swift+config://${this.id}/${encodeURIComponent(this.o.container)}/`);
  }

  owns(url: string): boolean {
    return this.idOf(url) !== null;
  }

  private mustId(url: string): string {
    return inStore(this.idOf(url), url, this.id);
  }

  /** A Swift failure as the API reports it: 503 naming the store, never a credential. */
  private fail(e: unknown): never {
    if (e instanceof DomainError) throw e;
    const code = (e as { code?: string }).code;
    if (e instanceof SwiftError || (code && /^E[A-Z_]+$/.test(code) && code !== 'ENOENT')) {
      throw new DomainError('Unavailable', `Store ${this.id} (swift) is unavailable: ${(e as Error).message}`);
    }
    throw e;
  }

  /** Checks (or creates) the container once; a failure is retried by the next call. */
  private ensureContainer(): Promise<void> {
    const p = (this.ready ??= this.client.ensureContainer(this.o.container, this.o.createContainer));
    p.catch(() => {
      if (this.ready === p) this.ready = undefined;
    });
    return p;
  }

  /** Segment i (1-based) of the manifest: the chunk size, doubled every 100 segments. */
  private segmentSize(i: number): number {
    return Math.min(this.o.largeObjectChunkSize * 2 ** Math.floor((i - 1) / 100), MAX_SEGMENT);
  }

  private segmentName(id: string, i: number): string {
    return `${id}-${String(i).padStart(5, '0')}`;
  }

  async write(imageId: string, data: Readable, opts: WriteOptions): Promise<WriteResult> {
    const id = assertImageId(imageId);
    const c = this.o.container;
    try {
      await this.ensureContainer();
      await this.removeSegments(id); // leftovers of an earlier attempt
    } catch (e) {
      data.resume();
      this.fail(e);
    }
    // consumed only once Swift asks for the body: its errors are held until then
    const metered = captureErrors(new Meter(opts.hashAlgo, opts.maxSize));
    const meter = metered.stream;
    data.on('error', (e) => meter.destroy(e));
    data.pipe(meter);
    const pieces = new Pieces(meter[Symbol.asyncIterator]());
    // the segments this attempt sent, by name: a container listing may not show them yet
    const made: string[] = [];
    try {
      let first = 0;
      const etag0 = await this.client.putObject(c, id, () => pieces.piece(this.o.largeObjectSize, (n) => (first = n)));
      if (await pieces.more()) {
        const seg0 = this.segmentName(id, 0);
        const segments = [{ path: `/${c}/${seg0}`, etag: etag0, size_bytes: first }];
        made.push(seg0);
        await this.client.copyObject(c, id, c, seg0);
        for (let i = 1; await pieces.more(); i++) {
          let n = 0;
          const name = this.segmentName(id, i);
          made.push(name);
          const etag = await this.client.putObject(c, name, () => pieces.piece(this.segmentSize(i), (k) => (n = k)));
          segments.push({ path: `/${c}/${name}`, etag, size_bytes: n });
        }
        await this.client.putManifest(c, id, segments);
      }
      await new Promise<void>((resolve, reject) => (meter.writableFinished && meter.readableEnded ? resolve() : meter.once('end', resolve).once('error', reject)));
      return meter.result(this.urlFor(id));
    } catch (e) {
      meter.destroy();
      if (!data.destroyed) data.destroy();
      await this.removeAll(id, made).catch(() => undefined);
      // the source's own failure (a client gone, the size cap) is not the store's
      const source = metered.error();
      if (source) throw source;
      this.fail(e);
    }
  }

  /**
   * Deletes the object and every segment of it: the `made` ones by name, then what the listing
   * shows (segments of an earlier attempt). Listings lag behind writes, so they only find what
   * was not known by name.
   */
  private async removeAll(id: string, made: readonly string[] = []): Promise<void> {
    await this.client.deleteObject(this.o.container, id);
    for (const name of made) await this.client.deleteObject(this.o.container, name);
    await this.removeSegments(id, made);
  }

  private async removeSegments(id: string, gone: readonly string[] = []): Promise<void> {
    for (const name of await this.client.list(this.o.container, `${id}-`)) if (!gone.includes(name)) await this.client.deleteObject(this.o.container, name);
  }

  async read(url: string, range?: ByteRange): Promise<Readable> {
    const id = this.mustId(url);
    let res;
    try {
      res = await this.client.getObject(this.o.container, id, range);
    } catch (e) {
      this.fail(e);
    }
    if (!res) throw Object.assign(new Error(`no data at ${url}`), { code: 'ENOENT' });
    return res.body;
  }

  async delete(url: string): Promise<void> {
    const id = this.mustId(url);
    try {
      const head = await this.client.headObject(this.o.container, id, { 'multipart-manifest': 'get' });
      if (head?.['x-static-large-object']) await this.client.deleteObject(this.o.container, id, true);
      await this.removeAll(id);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Checks credentials and the container; the service calls it at start to log a clear line. */
  async check(): Promise<void> {
    try {
      await this.ensureContainer();
    } catch (e) {
      this.fail(e);
    }
  }

  properties(): Record<string, unknown> {
    return { container: this.o.container, large_object_size: this.o.largeObjectSize, large_object_chunk_size: this.o.largeObjectChunkSize };
  }
}

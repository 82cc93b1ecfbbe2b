/**
 * Filesystem store: one directory per store; the data of image <uuid> is the file `<dir>/<uuid>`.
 * Writes go to `<dir>/.tmp-<uuid>-<random>`, are fsynced, then atomically renamed into place (and
 * the directory fsynced), so a visible file is always complete. Paths come from the image id only.
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { FileRangeStream } from './file-stream.js';
import { Meter, assertImageId, inStore, type ByteRange, type StoreDriver, type WriteOptions, type WriteResult } from './store.js';

export interface FileStoreOptions {
  id: string;
  dir: string;
  description?: string;
  weight?: number;
}

export class FileStore implements StoreDriver {
  readonly type = 'file' as const;
  readonly readOnly = false;
  readonly id: string;
  readonly dir: string;
  readonly description?: string;
  readonly weight: number;
  private ready?: Promise<void>;

  constructor(o: FileStoreOptions) {
    this.id = o.id;
    this.dir = resolve(o.dir);
    this.description = o.description;
    this.weight = o.weight ?? 0;
  }

  private ensureDir(): Promise<void> {
    this.ready ??= fsp.mkdir(this.dir, { recursive: true, mode: 0o750 }).then(() => undefined);
    return this.ready;
  }

  /** The path of an image's data; only for canonical UUIDs. */
  pathFor(imageId: string): string {
    return join(this.dir, assertImageId(imageId));
  }

  urlFor(imageId: string): string {
    return pathToFileURL(this.pathFor(imageId)).href;
  }

  owns(url: string): boolean {
    return this.pathOf(url) !== null;
  }

  /** The path a location URL names, if it is an image file directly inside this store's dir. */
  private pathOf(url: string): string | null {
    let p: string;
    try {
      const u = new URL(url);
      if (u.protocol !== 'file:' || (u.host && u.host !== 'localhost')) return null;
      p = fileURLToPath(u);
    } catch {
      return null;
    }
    const name = p.slice(this.dir.length + 1);
    if (!p.startsWith(this.dir + sep) || name.includes(sep)) return null;
    try {
      return this.pathFor(name);
    } catch {
      return null;
    }
  }

  private mustPath(url: string): string {
    return inStore(this.pathOf(url), url, this.id);
  }

  async write(imageId: string, data: Readable, opts: WriteOptions): Promise<WriteResult> {
    const final = this.pathFor(imageId);
    await this.ensureDir();
    const tmp = join(this.dir, `.tmp-${assertImageId(imageId)}-${randomBytes(6).toString('hex')}`);
    const meter = new Meter(opts.hashAlgo, opts.maxSize);
    const handle = await fsp.open(tmp, 'wx', 0o640);
    try {
      const out = createWriteStream('', { fd: handle.fd, autoClose: false, highWaterMark: 1 << 20 });
      await pipeline(data, meter, out);
      await handle.sync();
      await handle.close();
      await fsp.rename(tmp, final);
      await this.syncDir();
      return meter.result(pathToFileURL(final).href);
    } catch (e) {
      await handle.close().catch(() => undefined);
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  private async syncDir(): Promise<void> {
    const d = await fsp.open(this.dir, 'r');
    try {
      await d.sync();
    } catch {
      // Some filesystems refuse fsync on directories; the rename is still atomic.
    } finally {
      await d.close();
    }
  }

  async read(url: string, range?: ByteRange): Promise<Readable> {
    const p = this.mustPath(url);
    const handle = await fsp.open(p, 'r');
    return new FileRangeStream(handle, range?.start, range?.end);
  }

  async delete(url: string): Promise<void> {
    await fsp.rm(this.mustPath(url), { force: true });
  }

  /**
   * Temporary files left by a crash (older than `olderThanMs`) are removed, except those of an
   * image whose transfer is still alive (`live`): a slow upload's file can be old and in use.
   */
  async sweepTemporaries(olderThanMs: number, live: (imageId: string) => boolean = () => false): Promise<number> {
    await this.ensureDir();
    let n = 0;
    for (const name of await fsp.readdir(this.dir)) {
      if (!name.startsWith('.tmp-') || live(name.slice(5, 41))) continue;
      const p = join(this.dir, name);
      const st = await fsp.stat(p).catch(() => null);
      if (st && Date.now() - st.mtimeMs > olderThanMs) {
        await fsp.rm(p, { force: true });
        n++;
      }
    }
    return n;
  }

  properties(): Record<string, unknown> {
    return { data_dir: this.dir, chunk_size: 1 << 20, thin_provisioning: false };
  }
}

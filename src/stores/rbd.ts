/**
 * Ceph RBD store, laid out as upstream's: the data of image <uuid> is the format-2 RBD image
 * `<pool>/<uuid>` (layering feature) with a protected snapshot `snap`, so Nova and Cinder can
 * clone it copy-on-write; its location is `rbd://<fsid>/<pool>/<uuid>/snap`. Bytes stream through
 * Debian's `rbd` CLI (`rbd import -`, `rbd export -`); ranges are read at their offset through
 * python3-rbd (src/stores/rbd-cli.ts). Every command carries connect and operation timeouts, so
 * an unreachable cluster answers 503 for this store's operations and holds up nothing else.
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { DomainError } from '../domain/errors.js';
import { isCanonicalUuid } from '../domain/ids.js';
import type { ChildProcess } from 'node:child_process';
import { EBUSY, EINVAL, ENOENT, RANGE_READER, errnoOf, failure, output, run, start, type Exit } from './rbd-cli.js';
import { Meter, assertImageId, inStore, type ByteRange, type StoreDriver, type WriteOptions, type WriteResult } from './store.js';

export const SNAPSHOT = 'snap';

export interface RbdStoreOptions {
  id: string;
  pool?: string;
  /** Ceph client name without `client.` (upstream's rbd_store_user); unset: the configuration's default. */
  user?: string;
  cephConf?: string;
  /** Object size in MiB, a power of two from 1 to 32 (upstream's rbd_store_chunk_size). */
  chunkSizeMiB?: number;
  /** Leave runs of zeros unwritten (upstream's rbd_thin_provisioning). */
  thinProvisioning?: boolean;
  /** Seconds to wait for the cluster (rados_connect_timeout); operations get a multiple of it. */
  connectTimeout?: number;
  description?: string;
  weight?: number;
  rbdBin?: string;
  cephBin?: string;
  python?: string;
}

export class RbdStore implements StoreDriver {
  readonly type = 'rbd' as const;
  readonly readOnly = false;
  readonly id: string;
  readonly description?: string;
  readonly weight: number;
  readonly pool: string;
  readonly chunkSize: number;
  readonly thin: boolean;
  private readonly conf: string;
  private readonly user?: string;
  private readonly timeout: number;
  private readonly rbdBin: string;
  private readonly cephBin: string;
  private readonly python: string;
  private fsidValue?: string;
  private fsidPending?: Promise<string>;

  constructor(o: RbdStoreOptions) {
    this.id = o.id;
    this.description = o.description;
    this.weight = o.weight ?? 0;
    this.pool = o.pool ?? 'images';
    this.user = o.user || undefined;
    this.conf = o.cephConf ?? '/etc/ceph/ceph.conf';
    const mib = o.chunkSizeMiB ?? 8;
    if (!Number.isInteger(mib) || mib < 1 || mib > 32 || (mib & (mib - 1)) !== 0) throw new RangeError(`rbd_store_chunk_size must be a power of two from 1 to 32 (MiB), not ${mib}`);
    this.chunkSize = mib << 20;
    this.thin = o.thinProvisioning ?? false;
    this.timeout = o.connectTimeout ?? 10;
    this.rbdBin = o.rbdBin ?? 'rbd';
    this.cephBin = o.cephBin ?? 'ceph';
    this.python = o.python ?? '/usr/bin/python3';
  }

  /** Options every client command gets: the configuration, the user, and bounded waits. */
  private common(): string[] {
    const t = String(this.timeout);
    return ['-c', this.conf, ...(this.user ? ['--id', this.user] : []), '--client_mount_timeout', t, '--rados_mon_op_timeout', t, '--rados_osd_op_timeout', String(this.timeout * 6)];
  }

  /** Deadline of a metadata command: connecting, then a few operations. */
  private get commandMs(): number {
    return (this.timeout * 3 + 5) * 1000;
  }

  private rbd(args: string[], what: string): Promise<string> {
    return run(this.rbdBin, [...this.common(), ...args], this.commandMs, what, this.id);
  }

  private spec(image: string, snap?: string): string {
    return `${this.pool}/${image}${snap ? `@${snap}` : ''}`;
  }

  /** The cluster's fsid, asked once (it names the cluster in every location). */
  fsid(): Promise<string> {
    if (this.fsidValue) return Promise.resolve(this.fsidValue);
    this.fsidPending ??= run(this.cephBin, [...this.common(), '--connect-timeout', String(this.timeout), 'fsid', '--format', 'json'], this.commandMs, 'ceph fsid', this.id)
      .then((out) => {
        const fsid = (JSON.parse(out) as { fsid?: unknown }).fsid;
        if (typeof fsid !== 'string' || !/^[0-9a-f-]{36}$/.test(fsid)) throw new DomainError('Unavailable', `Store ${this.id}: the cluster reported no fsid.`);
        return (this.fsidValue = fsid);
      })
      .finally(() => (this.fsidPending = undefined));
    return this.fsidPending;
  }

  urlFor(imageId: string): string {
    if (!this.fsidValue) {
      void this.fsid().catch(() => undefined); // known by the next call
      throw new DomainError('Unavailable', `Store ${this.id}: the cluster has not been reached yet.`);
    }
    return this.url(this.fsidValue, assertImageId(imageId));
  }

  private url(fsid: string, image: string): string {
    return `rbd://${[fsid, this.pool, image, SNAPSHOT].map(encodeURIComponent).join('/')}`;
  }

  /** The image a location names, if it is a snapshot `snap` of an image in this store's pool (and cluster, once known). */
  private imageOf(url: string): string | null {
    if (!url.startsWith('rbd://')) return null;
    const parts = url.slice(6).split('/');
    if (parts.length !== 4) return null;
    let fsid: string, pool: string, image: string, snap: string;
    try {
      [fsid, pool, image, snap] = parts.map((p) => decodeURIComponent(p));
    } catch {
      return null;
    }
    if (pool !== this.pool || snap !== SNAPSHOT || !isCanonicalUuid(image)) return null;
    if (this.fsidValue && fsid !== this.fsidValue) return null;
    return image;
  }

  owns(url: string): boolean {
    return this.imageOf(url) !== null;
  }

  private mustImage(url: string): string {
    return inStore(this.imageOf(url), url, this.id);
  }

  async write(imageId: string, data: Readable, opts: WriteOptions): Promise<WriteResult> {
    const image = assertImageId(imageId);
    const fsid = await this.fsid();
    await this.remove(image, true); // an earlier attempt's leftovers
    const meter = new Meter(opts.hashAlgo, opts.maxSize);
    const args = [
      ...this.common(),
      'import',
      '--no-progress',
      '--image-format',
      '2',
      '--image-feature',
      'layering',
      '--object-size',
      String(this.chunkSize),
      // rbd import skips zero runs of sparse-size bytes; 0 writes every byte.
      '--sparse-size',
      this.thin ? '4096' : '0',
      '-',
      this.spec(image),
    ];
    const { child, exit } = start(this.rbdBin, args, ['pipe', 'ignore', 'pipe']);
    try {
      await pipeline(data, meter, child.stdin!);
    } catch (e) {
      // The pipe is closed: rbd takes that for the end of the data, finishes a short image and
      // closes it cleanly (a killed client would hold a watch on it for 30 s), and it is removed.
      const r = await this.settle(child, exit);
      await this.remove(image, true).catch(() => undefined);
      // A broken pipe only means rbd stopped first: its own error is the reason.
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') && r.code) throw failure(r, 'rbd import', this.id);
      throw e;
    }
    const r = await exit;
    try {
      if (r.code !== 0) throw failure(r, 'rbd import', this.id);
      await this.rbd(['snap', 'create', '--no-progress', this.spec(image, SNAPSHOT)], 'rbd snap create');
      await this.rbd(['snap', 'protect', this.spec(image, SNAPSHOT)], 'rbd snap protect');
    } catch (e) {
      await this.remove(image, true).catch(() => undefined);
      throw e;
    }
    return meter.result(this.url(fsid, image));
  }

  /** The exit of a command whose input has ended; killed when it does not finish in time. */
  private async settle(child: ChildProcess, exit: Promise<Exit>): Promise<Exit> {
    const timer = setTimeout(() => child.kill('SIGKILL'), this.commandMs);
    return exit.finally(() => clearTimeout(timer));
  }

  async read(url: string, range?: ByteRange): Promise<Readable> {
    const image = this.mustImage(url);
    if (!range) return output(this.rbdBin, [...this.common(), 'export', '--no-progress', this.spec(image, SNAPSHOT), '-'], 'rbd export', this.id);
    const length = range.end - range.start + 1;
    const args = ['-c', RANGE_READER, this.conf, this.user ?? '', this.pool, image, SNAPSHOT, String(range.start), String(length), String(this.timeout)];
    return output(this.python, args, 'rbd range read', this.id);
  }

  /**
   * Makes the snapshot unclonable, so that no clone can appear while the image is deleted: an
   * image with clones is in use (409), as upstream. `undo` protects it again.
   */
  async prepareDelete(url: string): Promise<{ undo(): Promise<void> }> {
    const image = this.mustImage(url);
    const unprotected = await this.unprotect(image);
    return {
      undo: async () => {
        if (unprotected) await this.rbd(['snap', 'protect', this.spec(image, SNAPSHOT)], 'rbd snap protect').catch(() => undefined);
      },
    };
  }

  /** Unprotects the snapshot; whether it was protected. */
  private async unprotect(image: string): Promise<boolean> {
    try {
      await this.rbd(['snap', 'unprotect', this.spec(image, SNAPSHOT)], 'rbd snap unprotect');
      return true;
    } catch (e) {
      const errno = errnoOf(e);
      if (errno === ENOENT || errno === EINVAL) return false; // no image, no snapshot, or not protected
      if (errno === EBUSY) throw new DomainError('Conflict', `Image ${image} is in use: its snapshot in store ${this.id} has clones.`);
      throw e;
    }
  }

  async delete(url: string): Promise<void> {
    await this.remove(this.mustImage(url), false, true);
  }

  /**
   * Unprotects and removes the snapshot, then the image; a missing image is not an error. With
   * `waitForWatch`, an image still watched by a client that died (Ceph lets its watch expire
   * after 30 s) is retried until it can go.
   */
  private async remove(image: string, waitForWatch = false, hasSnapshot = false): Promise<void> {
    for (let deadline = Date.now() + 45_000; ; ) {
      try {
        return await this.removeOnce(image, hasSnapshot);
      } catch (e) {
        if (!waitForWatch || !(e instanceof DomainError && e.kind === 'Conflict') || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  private async removeOnce(image: string, hasSnapshot: boolean): Promise<void> {
    // Before a write there is mostly nothing (every first upload): one command settles that.
    if (!hasSnapshot) {
      try {
        await this.rbd(['rm', '--no-progress', this.spec(image)], 'rbd rm');
        return;
      } catch (e) {
        const errno = errnoOf(e);
        if (errno === ENOENT) return;
        if (errno === EBUSY) throw new DomainError('Conflict', `Image ${image} is in use in store ${this.id} (the RBD image is open elsewhere).`);
        if (errno !== 39 /* ENOTEMPTY: has snapshots */) throw e;
      }
    }
    await this.unprotect(image);
    await this.rbd(['snap', 'rm', '--no-progress', this.spec(image, SNAPSHOT)], 'rbd snap rm').catch((e) => {
      if (errnoOf(e) !== ENOENT) throw e;
    });
    await this.rbd(['rm', '--no-progress', this.spec(image)], 'rbd rm').catch((e) => {
      if (errnoOf(e) === EBUSY) throw new DomainError('Conflict', `Image ${image} is in use in store ${this.id} (the RBD image is open elsewhere).`);
      if (errnoOf(e) !== ENOENT) throw e;
    });
  }

  /** Names of the RBD images in the pool (for tests and operators' checks). */
  async list(): Promise<string[]> {
    return JSON.parse((await this.rbd(['ls', '--format', 'json', this.pool], 'rbd ls')) || '[]') as string[];
  }

  properties(): Record<string, unknown> {
    return { pool: this.pool, chunk_size: this.chunkSize, thin_provisioning: this.thin };
  }
}

/**
 * The image data path (glance-v2-api.md §2.2, §2.5, §4): upload/download, staging, interoperable
 * import (glance-direct, web-download, copy-image) into one or more stores, locations, delete from
 * a store, store/usage discovery, task records, and the sweeper that resolves interrupted uploads.
 *
 * Bytes always stream: request → format inspector → store driver (which measures size, MD5 and
 * the multihash); store → response. Nothing holds an image in memory.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Collection, Db, Document } from 'mongodb';
import type { RequestContext } from '../authn/context.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notifier/notifier.js';
import { DomainError, conflict, forbidden, invalid, notFound, tooLarge } from '../domain/errors.js';
import type { ImageRecord, ImageLocation, ImageChanges } from '../repositories/images.js';
import { TasksRepository, rowTime, type TaskRecord } from '../repositories/tasks.js';
import type { ImagesService } from './images.js';
import type { ImageAuthorizer } from './image-authz.js';
import { FormatInspector } from './format-inspector.js';
import { StoreRegistry } from '../stores/registry.js';
import { warmHashWorkers } from '../stores/hashing.js';
import { guardedFetch, fetchFailure, SsrfRefused } from '../stores/ssrf.js';
import type { ByteRange, StoreDriver, WriteResult } from '../stores/store.js';

const MiB = 1024 * 1024;
const NOT_FOUND = (id: string) => `No image found with ID ${id}`;
const UPLOADING_STATUSES = ['saving', 'uploading', 'importing'];

/** The cache hooks the download path uses (src/cache/service.ts). */
export interface DataCache {
  serve(image: { id: string; status: string; size: number | null; checksum: string | null; os_hash_algo: string | null; os_hash_value: string | null }, range: ByteRange | undefined, open: (range?: ByteRange) => Promise<Readable>): Promise<{ stream: Readable }>;
  evict(id: string): Promise<void>;
}

export interface ImageDataDeps {
  config: Config;
  log: Logger;
  db: Db;
  images: ImagesService;
  authz: ImageAuthorizer;
  notifier: Notifier;
  cache?: DataCache;
}

export interface DownloadResult {
  status: 200 | 204 | 206;
  headers: Record<string, string>;
  stream?: Readable;
}

export interface ImportBody {
  method: { name: string; uri?: string; glance_region?: string; glance_image_id?: string; glance_service_interface?: string };
  stores?: string[];
  all_stores?: boolean;
  all_stores_must_succeed?: boolean;
}

/** Where a transfer's bytes come from. */
type Source = () => Promise<Readable>;

export class ImageDataService {
  readonly stores: StoreRegistry;
  readonly tasks: TasksRepository;
  /** Identifies this process in upload leases. */
  readonly hostId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly leases: Collection<Document>;
  private readonly live = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private sweeper?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly d: ImageDataDeps) {
    this.stores = new StoreRegistry(d.config, d.db);
    this.tasks = new TasksRepository(d.db);
    this.leases = d.db.collection('image_data_leases');
  }

  private get repo() {
    return this.d.images.repo;
  }
  private get staleMs() {
    return this.d.config.UPLOAD_STALE_AFTER * 1000;
  }

  async init(): Promise<void> {
    warmHashWorkers();
    await this.tasks.init();
    await this.sweep().catch((e) => this.d.log.error({ err: e }, 'image data sweep failed'));
    const every = Math.min(this.staleMs / 4, 60_000);
    this.sweeper = setInterval(() => void this.sweep().catch((e) => this.d.log.error({ err: e }, 'image data sweep failed')), every);
    this.sweeper.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const deadline = new Promise((r) => setTimeout(r, 5000).unref());
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
    for (const t of this.live.values()) clearInterval(t);
  }

  /** Runs `fn` in the background, tracked so `close()` can wait for it. */
  private background(fn: () => Promise<void>): void {
    const p = fn().catch((e) => this.d.log.error({ err: e }, 'background image data task failed'));
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  // ---- leases: which images have a live transfer (so the sweeper leaves them alone) ----------

  private async takeLease(id: string, kind: string): Promise<void> {
    await this.leases.updateOne({ _id: id as never }, { $set: { host: this.hostId, kind, heartbeat: new Date() } }, { upsert: true });
    const beat = setInterval(() => void this.leases.updateOne({ _id: id as never }, { $set: { heartbeat: new Date() } }).catch(() => undefined), Math.max(this.staleMs / 3, 1000));
    beat.unref();
    this.live.set(id, beat);
  }

  private async dropLease(id: string): Promise<void> {
    const t = this.live.get(id);
    if (t) clearInterval(t);
    this.live.delete(id);
    await this.leases.deleteOne({ _id: id as never, host: this.hostId }).catch(() => undefined);
  }

  /**
   * Resolves interrupted transfers: an image in `saving`/`importing` whose lease is missing or
   * older than UPLOAD_STALE_AFTER (a crashed server, a lost connection to MongoDB) is put back to
   * `queued` and any bytes written for it that no location points to are removed; temporary files
   * of the file stores older than that are removed too. Runs at start-up and periodically.
   */
  async sweep(now = Date.now()): Promise<number> {
    let reset = 0;
    const stuck = await this.repo.col.find({ status: { $in: ['saving', 'importing'] }, deleted: false }, { projection: { _id: 1 } }).toArray();
    for (const { _id } of stuck) {
      const id = String(_id);
      if (this.live.has(id)) continue;
      const lease = await this.leases.findOne({ _id: id as never });
      if (lease && now - (lease.heartbeat as Date).getTime() < this.staleMs) continue;
      const img = await this.repo.get(id);
      if (!img || img.deleted || !['saving', 'importing'].includes(img.status)) continue;
      if (!lease && now - img.updated_at.getTime() < this.staleMs) continue;
      await this.removeUnreferenced(img);
      try {
        await this.repo.mutate(id, (cur) => {
          if (!['saving', 'importing'].includes(cur.status)) return null;
          const props = { ...cur.properties };
          delete props.os_glance_import_task;
          delete props.os_glance_importing_to_stores;
          return { ...this.clearedData(), status: 'queued', properties: props };
        });
        await this.staging(img, 'delete');
        await this.leases.deleteOne({ _id: id as never });
        reset++;
        this.d.log.warn({ image_id: id }, 'interrupted upload reset to queued');
      } catch (e) {
        this.d.log.warn({ err: e, image_id: id }, 'could not reset interrupted upload');
      }
    }
    for (const s of [...this.stores.stores.values(), this.stores.staging]) {
      if ('sweepTemporaries' in s) await (s as { sweepTemporaries(ms: number): Promise<number> }).sweepTemporaries(this.staleMs).catch(() => 0);
    }
    return reset;
  }

  private clearedData(): ImageChanges {
    return { size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null, locations: [] };
  }

  /** Removes data written for `img` in writable stores that none of its locations references. */
  private async removeUnreferenced(img: ImageRecord): Promise<void> {
    for (const s of this.stores.writable()) {
      const url = (s as StoreDriver & { urlFor(id: string): string }).urlFor(img._id);
      if (img.locations.some((l) => l.url === url)) continue;
      await s.delete(url).catch((e) => this.d.log.warn({ err: e, image_id: img._id, store: s.id }, 'could not remove partial data'));
    }
  }

  private async staging(img: { _id: string }, op: 'delete'): Promise<void> {
    if (op === 'delete') await this.stores.staging.delete(this.stores.staging.urlFor(img._id)).catch(() => undefined);
  }

  // ---- quotas ---------------------------------------------------------------------------

  private limits(owner: string | null): { size: number; stage: number; uploading: number; count: number } {
    const c = this.d.config;
    // the image count limit is the catalogue's, per-project overrides included
    return { size: c.QUOTA_IMAGE_SIZE_TOTAL, stage: c.QUOTA_IMAGE_STAGE_TOTAL, uploading: c.QUOTA_IMAGE_COUNT_UPLOADING, count: this.d.images.quotas.limit(owner, 'image_count') };
  }

  private async sumSize(match: Document): Promise<number> {
    const [r] = await this.repo.col.aggregate([{ $match: match }, { $group: { _id: null, total: { $sum: '$size' } } }]).toArray();
    return typeof r?.total === 'number' ? r.total : 0;
  }

  async usageOf(owner: string | null): Promise<{ sizeTotal: number; stageTotal: number; uploading: number; count: number }> {
    const mine = { owner, deleted: false };
    const [sizeTotal, stageTotal, uploading, count] = await Promise.all([
      this.sumSize({ ...mine, status: { $nin: ['uploading', 'deleted'] } }),
      this.sumSize({ ...mine, status: 'uploading' }),
      this.repo.count({ ...mine, status: { $in: UPLOADING_STATUSES } }),
      this.repo.count({ ...mine, status: { $ne: 'deleted' } }),
    ]);
    return { sizeTotal, stageTotal, uploading, count };
  }

  /** Throws 413 when a new transfer would exceed the owner's quotas; returns the byte budget. */
  private async checkQuota(owner: string | null, kind: 'store' | 'stage'): Promise<number> {
    let budget = this.d.config.MAX_IMAGE_SIZE;
    if (!this.d.config.USE_QUOTAS) return budget;
    const l = this.limits(owner);
    const u = await this.usageOf(owner);
    if (l.uploading >= 0 && u.uploading + 1 > l.uploading) throw tooLarge(`Attempted: ${u.uploading + 1}, Maximum: ${l.uploading}. The quota image_count_uploading has been exceeded.`);
    const [limit, used, name] = kind === 'store' ? [l.size, u.sizeTotal, 'image_size_total'] : [l.stage, u.stageTotal, 'image_stage_total'];
    if (limit >= 0) {
      if (used >= limit * MiB) throw tooLarge(`The quota ${name} of ${limit} MiB has been exceeded (usage ${Math.floor(used / MiB)} MiB).`);
      budget = Math.min(budget, limit * MiB - used);
    }
    return budget;
  }

  async usage(ctx: RequestContext): Promise<Record<string, { limit: number; usage: number }>> {
    if (!this.d.config.USE_QUOTAS) return {};
    const l = this.limits(ctx.projectId);
    const u = await this.usageOf(ctx.projectId);
    return {
      image_size_total: { limit: l.size, usage: Math.floor(u.sizeTotal / MiB) },
      image_count_total: { limit: l.count, usage: u.count },
      image_stage_total: { limit: l.stage, usage: Math.floor(u.stageTotal / MiB) },
      image_count_uploading: { limit: l.uploading, usage: u.uploading },
    };
  }

  // ---- stores -----------------------------------------------------------------------------

  /** The target store of an upload: X-Image-Meta-Store (multi-store) or the default. */
  private targetStore(header: string | undefined): StoreDriver {
    if (header === undefined || header === '' || !this.stores.multiStore) return this.stores.default;
    const s = this.stores.get(header);
    if (!s) throw invalid(`Store for identifier ${header} not found`);
    if (s.readOnly) throw invalid(`Store ${header} is read-only.`);
    return s;
  }

  private locationFor(store: StoreDriver, url: string): ImageLocation {
    return { url, metadata: this.stores.multiStore ? { store: store.id } : {} };
  }

  storesInfo(ctx: RequestContext, detail: boolean): Record<string, unknown>[] {
    if (!this.stores.multiStore) throw notFound('Multi backend is not supported at this site.');
    if (detail && !this.d.authz.can(ctx, 'stores_info_detail', 'Global')) throw forbidden('You are not authorized to complete stores_info_detail action.');
    return [...this.stores.stores.values()].map((s) => ({
      id: s.id,
      ...(s.description ? { description: s.description } : {}),
      ...(s.id === this.stores.defaultId ? { default: 'true' } : {}),
      ...(s.readOnly ? { 'read-only': 'true' } : {}),
      ...(detail ? { type: s.type, weight: s.weight, properties: s.properties() } : {}),
    }));
  }

  /** Image fields contributed by the data path: `stores` (multi-store) and `direct_url`. */
  renderExtension = (img: ImageRecord, view: Record<string, unknown>): void => {
    if (this.stores.multiStore) {
      const ids = img.locations.map((l) => l.metadata?.store).filter((x): x is string => typeof x === 'string');
      if (ids.length) view.stores = [...new Set(ids)].join(',');
    }
    if (this.d.config.SHOW_IMAGE_DIRECT_URL && img.locations.length) view.direct_url = img.locations[0].url;
  };

  // ---- upload -------------------------------------------------------------------------------

  private assertOctetStream(contentType: string | undefined): void {
    const ct = (contentType ?? '').toLowerCase().split(';')[0].trim();
    if (ct !== 'application/octet-stream') throw new DomainError('UnsupportedMediaType', 'The request must have Content-Type application/octet-stream.');
  }

  private expectedSize(header: string | undefined): number | null {
    if (header === undefined || header === '') return null;
    if (!/^\d+$/.test(header.trim())) throw invalid(`x-openstack-image-size must be a non-negative integer (got ${JSON.stringify(header.slice(0, 40))}).`);
    const n = Number(header);
    if (n > this.d.config.MAX_IMAGE_SIZE) throw tooLarge(`Image size ${n} exceeds the limit of ${this.d.config.MAX_IMAGE_SIZE} bytes.`);
    return n;
  }

  /**
   * Streams the request body into a store, through the format inspector. The request is never
   * destroyed by us (so an error response can still be sent); a client disconnect fails the write.
   */
  private async receive(req: IncomingMessage, store: StoreDriver, imageId: string, diskFormat: string | null, maxSize: number): Promise<{ written: WriteResult; virtualSize: number | null }> {
    const inspector = diskFormat ? new FormatInspector(diskFormat) : null;
    const { PassThrough } = await import('node:stream');
    const entry = inspector ?? new PassThrough();
    const onAbort = () => entry.destroy(new DomainError('Invalid', 'The client disconnected before the upload completed.'));
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    req.on('aborted', onAbort);
    req.on('error', onAbort);
    req.on('close', onClose);
    // A stalled client is cut off after UPLOAD_IDLE_TIMEOUT seconds without a byte.
    const idle = this.d.config.UPLOAD_IDLE_TIMEOUT * 1000;
    req.setTimeout(idle, () => {
      entry.destroy(new DomainError('Invalid', `No data received for ${this.d.config.UPLOAD_IDLE_TIMEOUT} s; upload abandoned.`));
      req.destroy();
    });
    req.pipe(entry);
    try {
      const written = await store.write(imageId, entry, { hashAlgo: this.d.config.HASHING_ALGORITHM, maxSize });
      return { written, virtualSize: inspector?.result?.virtualSize ?? null };
    } catch (e) {
      req.unpipe(entry);
      if (e instanceof DomainError) throw new DomainError(e.kind, e.message, { ...e.headers, Connection: 'close' });
      throw e;
    } finally {
      req.setTimeout(0);
      req.off('aborted', onAbort);
      req.off('error', onAbort);
      req.off('close', onClose);
    }
  }

  async upload(ctx: RequestContext, id: string, req: IncomingMessage, h: { contentType?: string; size?: string; store?: string }): Promise<void> {
    this.assertOctetStream(h.contentType);
    const img = await this.d.images.getWritable(ctx, id, 'upload_image', 'You are not authorized to upload data to this image.');
    const expected = this.expectedSize(h.size);
    if (img.status !== 'queued') throw conflict(`Image ${id} has status ${img.status}; data can only be uploaded to a queued image.`);
    if (!img.disk_format || !img.container_format) throw invalid('Properties disk_format and container_format must be set prior to saving data.');
    const store = this.targetStore(h.store);
    const budget = await this.checkQuota(img.owner, 'store');
    await this.takeLease(id, 'upload');
    try {
      await this.repo.transition(id, 'saving', { from: ['queued'] });
      let written: WriteResult | undefined;
      try {
        const r = await this.receive(req, store, id, img.disk_format, Math.min(budget, expected ?? Number.MAX_SAFE_INTEGER));
        written = r.written;
        if (expected !== null && written.size !== expected) throw invalid(`Image size ${written.size} does not match x-openstack-image-size ${expected}.`);
        const w = written;
        await this.repo.mutate(id, (cur) => {
          if (cur.status !== 'saving') throw new DomainError('Gone', `Image ${id} was deleted or changed during the upload.`);
          return {
            status: 'active',
            size: w.size,
            checksum: w.checksum,
            os_hash_algo: w.os_hash_algo,
            os_hash_value: w.os_hash_value,
            virtual_size: r.virtualSize,
            locations: [this.locationFor(store, w.url)],
          };
        });
      } catch (e) {
        if (written) await store.delete(written.url).catch(() => undefined);
        await this.repo.transition(id, 'queued', { from: ['saving'], set: this.clearedData() }).catch(() => undefined);
        const now = await this.repo.get(id);
        if (!now || now.deleted) throw new DomainError('Gone', `Image ${id} was deleted during the upload.`);
        throw e;
      }
    } finally {
      await this.dropLease(id);
    }
    const done = await this.repo.get(id);
    if (done) this.d.notifier.emit('image.upload', { id, size: done.size, checksum: done.checksum, status: done.status }, ctx);
  }

  // ---- download -----------------------------------------------------------------------------

  private parseRange(rangeHeader: string | undefined, contentRange: string | undefined, size: number): ByteRange | undefined {
    if (rangeHeader !== undefined) {
      const v = rangeHeader.trim();
      if (v.includes(',')) throw invalid('Multiple ranges are not supported.');
      const m = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/i.exec(v);
      if (!m || (m[1] === '' && m[2] === '')) throw new DomainError('RangeNotSatisfiable', `Range ${JSON.stringify(v.slice(0, 60))} is not satisfiable.`, { 'Content-Range': `bytes */${size}` });
      let start: number;
      let end: number;
      if (m[1] === '') {
        const n = Number(m[2]);
        if (n === 0) throw new DomainError('RangeNotSatisfiable', 'An empty suffix range is not satisfiable.', { 'Content-Range': `bytes */${size}` });
        start = Math.max(size - n, 0);
        end = size - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
        if (m[2] !== '' && Number(m[2]) < start) throw new DomainError('RangeNotSatisfiable', 'Range end is before its start.', { 'Content-Range': `bytes */${size}` });
      }
      if (start >= size) throw new DomainError('RangeNotSatisfiable', `Range start ${start} is beyond the image size ${size}.`, { 'Content-Range': `bytes */${size}` });
      return { start, end };
    }
    if (contentRange !== undefined) {
      const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(contentRange.trim());
      if (!m) throw new DomainError('RangeNotSatisfiable', 'Content-Range is not satisfiable.');
      const start = Number(m[1]);
      const end = Math.min(Number(m[2]), size - 1);
      if (start >= size || Number(m[2]) < start) throw new DomainError('RangeNotSatisfiable', 'Content-Range is not satisfiable.', { 'Content-Range': `bytes */${size}` });
      return { start, end };
    }
    return undefined;
  }

  /** Opens the image's data from the first location that can be read. */
  private async openData(img: ImageRecord, range?: ByteRange): Promise<Readable> {
    let last: unknown;
    for (const loc of img.locations) {
      const store = this.stores.forLocation(loc);
      if (!store) continue;
      try {
        return await store.read(loc.url, range);
      } catch (e) {
        last = e;
        this.d.log.warn({ err: e, image_id: img._id, url: loc.url }, 'image location could not be read');
      }
    }
    throw new DomainError('Unavailable', `The data of image ${img._id} is not available: ${(last as Error | undefined)?.message ?? 'no readable location'}.`);
  }

  /** The whole data of an image by id (the cache prefetcher's source). */
  async openWhole(id: string): Promise<Readable> {
    const img = await this.repo.get(id);
    if (!img || img.deleted) throw notFound(NOT_FOUND(id));
    return this.openData(img);
  }

  async download(ctx: RequestContext, id: string, h: { range?: string; contentRange?: string }): Promise<DownloadResult> {
    const img = await this.d.images.getVisible(ctx, id, 'download_image');
    if (img.status === 'deactivated' && !ctx.isAdmin) throw forbidden('The requested image has been deactivated. Image data download is forbidden.');
    if (!img.locations.length || img.size === null) return { status: 204, headers: {} };
    const size = img.size;
    const range = this.parseRange(h.range, h.contentRange, size);
    const open = (r?: ByteRange) => this.openData(img, r);
    const stream = this.d.cache
      ? (await this.d.cache.serve({ id: img._id, status: img.status, size, checksum: img.checksum, os_hash_algo: img.os_hash_algo, os_hash_value: img.os_hash_value }, range, open)).stream
      : await open(range);
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    // The whole image's checksum, on partial answers too, as upstream sends it.
    if (img.checksum) headers['Content-MD5'] = img.checksum;
    if (range) {
      headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
      headers['Content-Length'] = String(range.end - range.start + 1);
      return { status: 206, headers, stream };
    }
    headers['Content-Length'] = String(size);
    return { status: 200, headers, stream };
  }

  // ---- staging --------------------------------------------------------------------------------

  async stage(ctx: RequestContext, id: string, req: IncomingMessage, h: { contentType?: string; size?: string }): Promise<void> {
    if (!this.d.config.IMPORT_METHODS.includes('glance-direct')) throw notFound('The glance-direct import method is not enabled.');
    this.assertOctetStream(h.contentType);
    const img = await this.d.images.getWritable(ctx, id, 'modify_image', 'You are not authorized to stage data for this image.');
    const expected = this.expectedSize(h.size);
    if (img.status !== 'queued') throw conflict(`Image ${id} has status ${img.status}; data can only be staged for a queued image.`);
    const budget = await this.checkQuota(img.owner, 'stage');
    await this.takeLease(id, 'stage');
    try {
      await this.repo.transition(id, 'uploading', { from: ['queued'] });
      try {
        const { written } = await this.receive(req, this.stores.staging, id, null, Math.min(budget, expected ?? Number.MAX_SAFE_INTEGER));
        if (expected !== null && written.size !== expected) {
          await this.staging(img, 'delete');
          throw invalid(`Image size ${written.size} does not match x-openstack-image-size ${expected}.`);
        }
        await this.repo.mutate(id, (cur) => {
          if (cur.status !== 'uploading') throw new DomainError('Gone', `Image ${id} was deleted or changed while staging.`);
          return { size: written.size, properties: { ...cur.properties, os_glance_stage_host: this.hostId } };
        });
      } catch (e) {
        await this.staging(img, 'delete');
        await this.repo.transition(id, 'queued', { from: ['uploading'], set: this.clearedData() }).catch(() => undefined);
        throw e;
      }
    } finally {
      await this.dropLease(id);
    }
  }

  // ---- import ---------------------------------------------------------------------------------

  async importImage(ctx: RequestContext, id: string, body: ImportBody, storeHeader: string | undefined): Promise<void> {
    const method = body?.method?.name;
    if (typeof method !== 'string' || !method) throw invalid('Import request requires a method name.');
    if (!this.d.config.IMPORT_METHODS.includes(method)) throw invalid(`Import method ${method} is not enabled (${this.d.config.IMPORT_METHODS.join(', ')}).`);
    if (body.all_stores !== undefined && typeof body.all_stores !== 'boolean') throw invalid('all_stores must be a boolean.');
    if (body.all_stores_must_succeed !== undefined && typeof body.all_stores_must_succeed !== 'boolean') throw invalid('all_stores_must_succeed must be a boolean.');
    const mustSucceed = body.all_stores_must_succeed ?? true;
    if (!mustSucceed && !this.stores.multiStore) throw invalid('all_stores_must_succeed can only be false with multiple stores.');
    if (method === 'glance-download') throw new DomainError('NotImplemented', 'The glance-download import method is not supported by this service.');

    this.d.authz.assertWritable(ctx);
    const img = await this.d.images.getVisible(ctx, id);
    if (img.status === 'active' && method !== 'copy-image') throw conflict(`Image ${id} is already active; only copy-image can import into it.`);
    if (method === 'copy-image' && img.status !== 'active') throw conflict(`Image ${id} must be active to be copied (status ${img.status}).`);
    if (method === 'web-download' && img.status !== 'queued') throw conflict(`Image ${id} must be queued for web-download (status ${img.status}).`);
    if (method === 'glance-direct' && img.status !== 'uploading') throw conflict(`Image ${id} has no staged data (status ${img.status}).`);
    if (!img.disk_format || !img.container_format) throw conflict('Properties disk_format and container_format must be set before importing.');
    if (method === 'copy-image') {
      this.d.authz.enforce(ctx, 'copy_image', 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(id), forbiddenMessage: 'You are not authorized to copy images.' });
    } else {
      await this.d.images.getWritable(ctx, id, 'modify_image', 'You are not authorized to import data into this image.');
    }
    const budget = await this.checkQuota(img.owner, 'store');

    // Target stores.
    if (body.stores !== undefined && storeHeader) throw invalid('Stores can be given in the body or in the X-Image-Meta-Store header, not both.');
    if (body.all_stores && (body.stores !== undefined || storeHeader)) throw invalid('all_stores cannot be combined with stores or X-Image-Meta-Store.');
    let targets: StoreDriver[];
    const have = new Set(img.locations.map((l) => this.stores.forLocation(l)?.id).filter(Boolean));
    if (body.all_stores) {
      targets = this.stores.writable();
      if (method === 'copy-image') targets = targets.filter((s) => !have.has(s.id));
    } else if (body.stores !== undefined || storeHeader) {
      const ids = body.stores ?? [storeHeader!];
      if (!this.stores.multiStore) throw conflict('Multiple stores are not configured at this site.');
      targets = ids.map((sid) => {
        const s = this.stores.get(sid);
        if (!s || s.readOnly) throw conflict(`Store ${sid} is not available for import.`);
        if (method === 'copy-image' && have.has(sid)) throw invalid(`Image ${id} is already present in store ${sid}.`);
        return s;
      });
    } else {
      targets = method === 'copy-image' ? this.stores.writable().filter((s) => !have.has(s.id)) : [this.stores.default];
    }
    if (method === 'copy-image' && !targets.length) return; // nothing left to copy to

    let uri: string | undefined;
    if (method === 'web-download') {
      uri = body.method.uri;
      if (typeof uri !== 'string' || !uri) throw invalid('web-download requires method.uri.');
      try {
        this.stores.guard.checkUrl(new URL(uri));
      } catch (e) {
        throw invalid(e instanceof SsrfRefused ? `URI is not allowed: ${e.message}` : 'method.uri is not a valid URL.');
      }
    }

    const task = await this.tasks.create({
      type: 'api_image_import',
      owner: img.owner,
      image_id: id,
      request_id: ctx.requestId,
      user_id: ctx.userId,
      input: { image_id: id, import_req: body as unknown as Record<string, unknown>, backend: targets.map((s) => s.id) },
    });
    // Import lock: os_glance_import_task, taken over only from a dead or stale task.
    await this.repo.mutate(id, async (cur) => {
      const holder = cur.properties.os_glance_import_task;
      if (holder && holder !== task._id) {
        const t = await this.tasks.get(holder);
        const age = t?.updated_at ? Date.now() - t.updated_at.getTime() : Infinity;
        const stale = !t || t.status === 'success' || t.status === 'failure' || age >= (t.status === 'pending' ? 120 : 60) * 60_000;
        if (!stale) throw conflict(`Image ${id} has an import in progress (task ${holder}).`);
      }
      if (method !== 'copy-image' && cur.status !== img.status) throw conflict(`Image ${id} changed status to ${cur.status}.`);
      return {
        properties: { ...cur.properties, os_glance_import_task: task._id, os_glance_importing_to_stores: targets.map((s) => s.id).join(','), os_glance_failed_import: '' },
      };
    }).catch(async (e) => {
      await this.tasks.update(task._id, { status: 'failure', message: (e as Error).message });
      throw e;
    });

    let source: Source;
    if (method === 'glance-direct') source = () => this.stores.staging.read(this.stores.staging.urlFor(id));
    else if (method === 'web-download') source = this.webSource(uri!);
    else source = () => this.openData(img);
    this.background(() => this.runImport(ctx, task, id, method, targets, mustSucceed, source, budget));
  }

  private webSource(uri: string): Source {
    return async () => {
      try {
        return await guardedFetch(this.stores.guard, uri, { timeoutMs: this.d.config.HTTP_TIMEOUT, maxRedirects: this.d.config.HTTP_MAX_REDIRECTS });
      } catch (e) {
        throw fetchFailure(e);
      }
    };
  }

  /**
   * A legacy `import` task (POST /v2/tasks): creates the image from `props`, then fills it from
   * `uri` (web-download through the SSRF guard) into the default store, asynchronously.
   */
  async legacyImport(ctx: RequestContext, uri: string, props: Record<string, unknown>, input: Record<string, unknown>): Promise<TaskRecord> {
    try {
      this.stores.guard.checkUrl(new URL(uri));
    } catch (e) {
      throw invalid(e instanceof SsrfRefused ? `import_from is not allowed: ${e.message}` : 'import_from is not a valid URL.');
    }
    const budget = await this.checkQuota(ctx.projectId, 'store');
    const { image } = await this.d.images.create(ctx, props);
    const task = await this.tasks.create({ type: 'import', owner: ctx.projectId, image_id: image._id, request_id: ctx.requestId, user_id: ctx.userId, input });
    this.background(() => this.runImport(ctx, task, image._id, 'web-download', [this.stores.default], true, this.webSource(uri), budget));
    return task;
  }

  private async runImport(ctx: RequestContext, task: TaskRecord, id: string, method: string, targets: StoreDriver[], mustSucceed: boolean, source: Source, budget: number): Promise<void> {
    const copy = method === 'copy-image';
    await this.takeLease(id, 'import');
    await this.tasks.update(task._id, { status: 'processing' });
    const done: { store: StoreDriver; w: WriteResult }[] = [];
    const failed: string[] = [];
    let virtualSize: number | null = null;
    let failure: string | null = null;
    try {
      if (!copy) await this.repo.transition(id, 'importing', { from: ['queued', 'uploading'] });
      const current = await this.repo.get(id);
      if (!current) throw new DomainError('Gone', `Image ${id} was deleted.`);
      for (const store of targets) {
        if (this.closed) throw new Error('service is shutting down');
        try {
          // The first copy comes from the source (inspected); further copies from the first store.
          const first = done[0];
          const input = first ? await first.store.read(first.w.url) : await source();
          const inspector = !first && !copy ? new FormatInspector(current.disk_format!) : null;
          let data: Readable = input;
          if (inspector) {
            input.on('error', (e) => inspector.destroy(e));
            data = input.pipe(inspector);
          }
          let w: WriteResult;
          try {
            w = await store.write(id, data, { hashAlgo: this.d.config.HASHING_ALGORITHM, maxSize: budget });
          } finally {
            if (!input.destroyed && !input.readableEnded) input.destroy();
          }
          if (inspector) virtualSize = inspector.result?.virtualSize ?? null;
          if (copy && current.checksum && w.checksum !== current.checksum) {
            await store.delete(w.url);
            throw new Error(`copied data does not match the image checksum`);
          }
          done.push({ store, w });
          await this.repo.mutate(id, (cur) => {
            if (cur.deleted) throw new DomainError('Gone', `Image ${id} was deleted.`);
            const left = (cur.properties.os_glance_importing_to_stores ?? '').split(',').filter((s) => s && s !== store.id);
            const changes: ImageChanges = { properties: { ...cur.properties, os_glance_importing_to_stores: left.join(',') } };
            if (copy) changes.locations = [...cur.locations, this.locationFor(store, w.url)];
            return changes;
          });
        } catch (e) {
          if (e instanceof DomainError && e.kind === 'Gone') throw e;
          failed.push(store.id);
          failure = (e as Error).message;
          this.d.log.warn({ err: e, image_id: id, store: store.id, task_id: task._id }, 'import into store failed');
          await this.repo
            .mutate(id, (cur) => ({ properties: { ...cur.properties, os_glance_failed_import: [...failed].join(','), os_glance_importing_to_stores: (cur.properties.os_glance_importing_to_stores ?? '').split(',').filter((s) => s && s !== store.id).join(',') } }))
            .catch(() => undefined);
          if (mustSucceed || (e instanceof DomainError && (e.kind === 'UnsupportedMediaType' || e.kind === 'TooLarge')) || (!done.length && !copy && targets.indexOf(store) === targets.length - 1)) break;
        }
      }
      const ok = done.length > 0 && (!mustSucceed || failed.length === 0);
      if (!ok) throw new Error(failure ?? 'import failed');
      if (!copy) {
        const first = done[0].w;
        // The staged copy is no longer needed once every target holds the bytes: remove it
        // before the image turns active, so an active image never has staging data behind it.
        if (method === 'glance-direct') await this.staging({ _id: id }, 'delete');
        await this.repo.mutate(id, (cur) => {
          if (cur.status !== 'importing') throw new DomainError('Gone', `Image ${id} was deleted or changed during the import.`);
          const props = { ...cur.properties };
          delete props.os_glance_import_task;
          delete props.os_glance_stage_host;
          return {
            status: 'active',
            size: first.size,
            checksum: first.checksum,
            os_hash_algo: first.os_hash_algo,
            os_hash_value: first.os_hash_value,
            virtual_size: virtualSize,
            locations: done.map((x) => this.locationFor(x.store, x.w.url)),
            properties: props,
          };
        });
      } else {
        await this.releaseLock(id);
      }
      await this.tasks.update(task._id, { status: 'success', result: { image_id: id, stores: done.map((x) => x.store.id) }, message: failed.length ? `Failed stores: ${failed.join(',')}` : '' });
      this.d.notifier.emit('image.import', { id, stores: done.map((x) => x.store.id), failed_stores: failed }, ctx);
    } catch (e) {
      const msg = (e as Error).message;
      // Undo: bytes written by this task go; a non-copy import returns the image to queued.
      if (!copy || !(e instanceof DomainError && e.kind === 'Gone')) {
        for (const x of done) {
          if (copy && !mustSucceed) continue;
          await x.store.delete(x.w.url).catch(() => undefined);
        }
      }
      if (copy && mustSucceed && done.length) {
        const urls = new Set(done.map((x) => x.w.url));
        await this.repo.mutate(id, (cur) => ({ locations: cur.locations.filter((l) => !urls.has(l.url)) })).catch(() => undefined);
      }
      if (!copy) {
        if (method === 'glance-direct') await this.staging({ _id: id }, 'delete');
        await this.repo
          .mutate(id, (cur) => {
            if (cur.status !== 'importing') return null;
            const props = { ...cur.properties };
            delete props.os_glance_import_task;
            delete props.os_glance_stage_host;
            props.os_glance_failed_import = failed.join(',');
            props.os_glance_importing_to_stores = '';
            return { ...this.clearedData(), status: 'queued', properties: props };
          })
          .catch(() => undefined);
      } else {
        await this.releaseLock(id);
      }
      await this.tasks.update(task._id, { status: 'failure', message: msg });
      this.d.log.warn({ image_id: id, task_id: task._id, err: e }, 'import failed');
    } finally {
      await this.dropLease(id);
    }
  }

  private async releaseLock(id: string): Promise<void> {
    await this.repo
      .mutate(id, (cur) => {
        if (!('os_glance_import_task' in cur.properties)) return null;
        const props = { ...cur.properties };
        delete props.os_glance_import_task;
        return { properties: props };
      })
      .catch(() => undefined);
  }

  // ---- locations ------------------------------------------------------------------------------

  private isService(ctx: RequestContext): boolean {
    return ctx.roles.includes('service') || ctx.serviceRoles.includes('service');
  }

  async addLocation(ctx: RequestContext, id: string, body: { url: string; validation_data?: { os_hash_algo?: string; os_hash_value?: string } }): Promise<void> {
    this.d.authz.assertWritable(ctx);
    const img = await this.d.images.getVisible(ctx, id);
    if (img.status !== 'queued') throw conflict(`Image ${id} must be queued to add a location (status ${img.status}).`);
    this.d.authz.enforce(ctx, 'add_image_location', 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(id) });
    let url: URL;
    try {
      url = new URL(body.url);
    } catch {
      throw invalid('url is not a valid URL.');
    }
    if (!this.isService(ctx) && url.protocol !== 'http:' && url.protocol !== 'https:') throw forbidden('Only http(s) locations may be added.');
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('Only http(s) locations are supported by this service.');
    try {
      this.stores.guard.checkUrl(url);
    } catch (e) {
      throw invalid((e as Error).message);
    }
    const vd = body.validation_data;
    if (vd && (vd.os_hash_algo === undefined) !== (vd.os_hash_value === undefined)) throw invalid('validation_data needs both os_hash_algo and os_hash_value.');
    const hexLen: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };
    if (vd?.os_hash_algo && vd.os_hash_value!.length !== hexLen[vd.os_hash_algo]) throw invalid(`os_hash_value is not a ${vd.os_hash_algo} digest.`);
    const task = await this.tasks.create({ type: 'location_import', owner: img.owner, image_id: id, request_id: ctx.requestId, user_id: ctx.userId, input: { image_id: id, loc_url: body.url, validation_data: vd ?? {} } });
    this.background(() => this.runLocationImport(task, id, body.url, vd));
  }

  private async runLocationImport(task: TaskRecord, id: string, url: string, vd?: { os_hash_algo?: string; os_hash_value?: string }): Promise<void> {
    await this.tasks.update(task._id, { status: 'processing' });
    try {
      const http = this.stores.http;
      let size: number | null;
      let hash: { algo: string; value: string } | null = null;
      if (vd?.os_hash_algo) {
        // Verify while streaming the remote data through a meter (nothing is stored).
        const { Meter } = await import('../stores/store.js');
        const { Writable } = await import('node:stream');
        const { pipeline } = await import('node:stream/promises');
        const meter = new Meter(vd.os_hash_algo, this.d.config.MAX_IMAGE_SIZE);
        await pipeline(await http.read(url), meter, new Writable({ write: (_c, _e, cb) => cb() }));
        const r = meter.result(url);
        if (r.os_hash_value !== vd.os_hash_value!.toLowerCase()) throw new Error('The data at the location does not match validation_data.');
        size = r.size;
        hash = { algo: vd.os_hash_algo, value: r.os_hash_value };
      } else {
        size = await http.size(url);
      }
      await this.repo.mutate(id, (cur) => {
        if (cur.status !== 'queued') throw conflict(`Image ${id} is no longer queued.`);
        return {
          status: 'active',
          size,
          locations: [...cur.locations, { url, metadata: this.stores.multiStore ? { store: http.id } : {} }],
          ...(hash ? { os_hash_algo: hash.algo, os_hash_value: hash.value } : {}),
        };
      });
      await this.tasks.update(task._id, { status: 'success', result: { image_id: id } });
    } catch (e) {
      await this.tasks.update(task._id, { status: 'failure', message: fetchFailure(e).message });
    }
  }

  async listLocations(ctx: RequestContext, id: string): Promise<{ url: string; metadata: Record<string, unknown> }[]> {
    const img = await this.d.images.getVisible(ctx, id);
    this.d.authz.enforce(ctx, 'fetch_image_location', 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(id) });
    return img.locations.map((l) => ({ url: l.url, metadata: l.metadata ?? {} }));
  }

  async deleteFromStore(ctx: RequestContext, storeId: string, id: string): Promise<void> {
    this.d.authz.assertWritable(ctx);
    if (!this.stores.multiStore) throw notFound('Multi backend is not supported at this site.');
    const img = await this.d.images.getVisible(ctx, id);
    this.d.authz.enforce(ctx, 'delete_image_location', 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(id) });
    const store = this.stores.get(storeId);
    if (!store) throw conflict(`Store ${storeId} is not enabled on this node.`);
    if (img.status !== 'active') throw conflict(`Image ${id} must be active to delete its data from a store (status ${img.status}).`);
    const loc = img.locations.find((l) => this.stores.forLocation(l)?.id === storeId);
    if (!loc) throw notFound(`Image ${id} is not present in store ${storeId}.`);
    if (img.locations.length < 2) throw forbidden('Cannot delete the last remaining location of an image.');
    await this.repo.mutate(id, (cur) => {
      if (cur.locations.length < 2) throw forbidden('Cannot delete the last remaining location of an image.');
      return { locations: cur.locations.filter((l) => l.url !== loc.url) };
    });
    await store.delete(loc.url).catch((e) => this.d.log.warn({ err: e, image_id: id, store: storeId }, 'could not delete data from store'));
  }

  // ---- tasks ------------------------------------------------------------------------------------

  async imageTasks(ctx: RequestContext, id: string): Promise<Record<string, unknown>[]> {
    await this.d.images.getVisible(ctx, id);
    return (await this.tasks.forImage(id)).map((t) => ({
      id: t._id,
      type: t.type,
      status: t.status,
      owner: t.owner,
      image_id: t.image_id,
      request_id: t.request_id,
      user_id: t.user_id,
      input: t.input,
      result: t.result,
      message: t.message,
      expires_at: rowTime(t.expires_at),
      created_at: rowTime(t.created_at)!,
      updated_at: rowTime(t.updated_at),
      deleted_at: rowTime(t.deleted_at),
      deleted: t.deleted,
    }));
  }

  // ---- delete ----------------------------------------------------------------------------------

  /**
   * Removes an image's bytes from every store (and its staged data and cached copy). Called when
   * the image is deleted; failures are logged, never raised (the record is gone already).
   */
  deleteImageData = async (img: Pick<ImageRecord, '_id' | 'locations'>): Promise<void> => {
    for (const loc of img.locations) {
      const store = this.stores.forLocation(loc);
      if (!store || store.readOnly) continue;
      await store.delete(loc.url).catch((e) => this.d.log.warn({ err: e, image_id: img._id, url: loc.url }, 'could not delete image data'));
    }
    await this.staging(img, 'delete');
    await this.d.cache?.evict(img._id).catch(() => undefined);
  };
}

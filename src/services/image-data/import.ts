/**
 * Interoperable import (`POST /v2/images/{id}/import`, glance-v2-api.md §2.5): glance-direct
 * (from the staging area), web-download (through the SSRF guard) and copy-image, into one or
 * more stores, as a background task; and the legacy `import` task of `POST /v2/tasks`.
 * The running task id is the import lock (`os_glance_import_task`).
 */
import type { Readable } from 'node:stream';
import type { RequestContext } from '../../authn/context.js';
import type { Config } from '../../config/config.js';
import { DomainError, conflict, invalid } from '../../domain/errors.js';
import { NO_DATA, transition } from '../../domain/image-status.js';
import type { Logger } from '../../log.js';
import type { Notifier } from '../../notifier/notifier.js';
import { imageDataPayload, imagePayload } from '../../notifier/payloads.js';
import type { TaskEvents } from '../task-events.js';
import type { ImageChanges, ImagesRepository } from '../../repositories/images.js';
import type { TaskRecord, TasksRepository } from '../../repositories/tasks.js';
import type { StoreRegistry } from '../../stores/registry.js';
import { fetchFailure, guardedFetch, SsrfRefused } from '../../stores/ssrf.js';
import type { StoreDriver, WriteResult } from '../../stores/store.js';
import { captureErrors } from '../../stores/stream-errors.js';
import { FormatInspector } from '../format-inspector.js';
import type { ImageAuthorizer } from '../image-authz.js';
import { NOT_FOUND, type ImagesService } from '../images.js';
import type { BackgroundWork } from './background.js';
import { dataFields } from './data-fields.js';
import type { TransferLeases } from './leases.js';
import type { StorageQuotas } from './quotas.js';
import type { ImageDataReader } from './reader.js';

export interface ImportBody {
  method: { name: string; uri?: string; glance_region?: string; glance_image_id?: string; glance_service_interface?: string };
  stores?: string[];
  all_stores?: boolean;
  all_stores_must_succeed?: boolean;
}

/** Where a transfer's bytes come from. */
type Source = () => Promise<Readable>;

interface ImportRun {
  ctx: RequestContext;
  task: TaskRecord;
  id: string;
  method: string;
  targets: StoreDriver[];
  mustSucceed: boolean;
  source: Source;
  budget: number;
}

export class ImageImport {
  constructor(
    private readonly d: {
      config: Pick<Config, 'IMPORT_METHODS' | 'HASHING_ALGORITHM' | 'REQUIRE_IMAGE_FORMAT_MATCH' | 'HTTP_TIMEOUT' | 'HTTP_MAX_REDIRECTS'>;
      log: Logger;
      images: ImagesService;
      authz: ImageAuthorizer;
      repo: ImagesRepository;
      tasks: TasksRepository;
      stores: StoreRegistry;
      quotas: StorageQuotas;
      leases: TransferLeases;
      reader: ImageDataReader;
      background: BackgroundWork;
      notifier: Notifier;
      /** Task records, announced as Glance does. */
      taskEvents: TaskEvents;
    },
  ) {}

  async importImage(ctx: RequestContext, id: string, body: ImportBody, storeHeader: string | undefined): Promise<void> {
    const method = body?.method?.name;
    if (typeof method !== 'string' || !method) throw invalid('Import request requires a method name.');
    if (!this.d.config.IMPORT_METHODS.includes(method)) throw invalid(`Import method ${method} is not enabled (${this.d.config.IMPORT_METHODS.join(', ')}).`);
    if (body.all_stores !== undefined && typeof body.all_stores !== 'boolean') throw invalid('all_stores must be a boolean.');
    if (body.all_stores_must_succeed !== undefined && typeof body.all_stores_must_succeed !== 'boolean') throw invalid('all_stores_must_succeed must be a boolean.');
    const mustSucceed = body.all_stores_must_succeed ?? true;
    if (!mustSucceed && !this.d.stores.multiStore) throw invalid('all_stores_must_succeed can only be false with multiple stores.');
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
      this.d.images.assertMayWrite(ctx, img, 'modify_image', 'You are not authorized to import data into this image.');
    }
    const budget = await this.d.quotas.budget(img.owner, 'store');
    const have = new Set(img.locations.map((l) => this.d.stores.forLocation(l)?.id).filter(Boolean));
    const targets = this.targets(body, storeHeader, method, id, have);
    if (method === 'copy-image' && !targets.length) return; // nothing left to copy to

    let uri: string | undefined;
    if (method === 'web-download') {
      uri = body.method.uri;
      if (typeof uri !== 'string' || !uri) throw invalid('web-download requires method.uri.');
      this.checkUrl(uri, 'URI is not allowed', 'method.uri is not a valid URL.');
    }

    const task = await this.d.taskEvents.create({
      type: 'api_image_import',
      owner: img.owner,
      image_id: id,
      request_id: ctx.requestId,
      user_id: ctx.userId,
      input: { image_id: id, import_req: { ...body }, backend: targets.map((s) => s.id) },
    }, ctx);
    await this.lock(ctx, id, task, method, img.status, targets);

    let source: Source;
    if (method === 'glance-direct') source = () => this.d.stores.staging.read(this.d.stores.staging.urlFor(id));
    else if (method === 'web-download') source = this.webSource(uri!);
    else source = () => this.d.reader.open(img);
    this.d.taskEvents.run(task, ctx);
    this.d.background.run('import', () => this.run({ ctx, task, id, method, targets, mustSucceed, source, budget }));
  }

  /** The stores an import writes to: the body's `stores`, the header, `all_stores`, or the default. */
  private targets(body: ImportBody, storeHeader: string | undefined, method: string, id: string, have: Set<string | undefined>): StoreDriver[] {
    const stores = this.d.stores;
    if (body.stores !== undefined && storeHeader) throw invalid('Stores can be given in the body or in the X-Image-Meta-Store header, not both.');
    if (body.all_stores && (body.stores !== undefined || storeHeader)) throw invalid('all_stores cannot be combined with stores or X-Image-Meta-Store.');
    if (body.all_stores) {
      const all = stores.writable();
      return method === 'copy-image' ? all.filter((s) => !have.has(s.id)) : all;
    }
    if (body.stores !== undefined || storeHeader) {
      const ids = body.stores ?? [storeHeader!];
      if (!stores.multiStore) throw conflict('Multiple stores are not configured at this site.');
      return ids.map((sid) => {
        const s = stores.get(sid);
        if (!s || s.readOnly) throw conflict(`Store ${sid} is not available for import.`);
        if (method === 'copy-image' && have.has(sid)) throw invalid(`Image ${id} is already present in store ${sid}.`);
        return s;
      });
    }
    return method === 'copy-image' ? stores.writable().filter((s) => !have.has(s.id)) : [stores.default];
  }

  private checkUrl(uri: string, refused: string, malformed: string): void {
    try {
      this.d.stores.guard.checkUrl(new URL(uri));
    } catch (e) {
      throw invalid(e instanceof SsrfRefused ? `${refused}: ${e.message}` : malformed);
    }
  }

  /** Takes the import lock (os_glance_import_task), over only a dead or stale task. */
  private async lock(ctx: RequestContext, id: string, task: TaskRecord, method: string, status: string, targets: StoreDriver[]): Promise<void> {
    await this.d.repo
      .mutate(id, async (cur) => {
        const holder = cur.properties.os_glance_import_task;
        if (holder && holder !== task._id) {
          const t = await this.d.tasks.get(holder);
          const age = t?.updated_at ? Date.now() - t.updated_at.getTime() : Infinity;
          const stale = !t || t.status === 'success' || t.status === 'failure' || age >= (t.status === 'pending' ? 120 : 60) * 60_000;
          if (!stale) throw conflict(`Image ${id} has an import in progress (task ${holder}).`);
        }
        if (method !== 'copy-image' && cur.status !== status) throw conflict(`Image ${id} changed status to ${cur.status}.`);
        return {
          properties: { ...cur.properties, os_glance_import_task: task._id, os_glance_importing_to_stores: targets.map((s) => s.id).join(','), os_glance_failed_import: '' },
        };
      })
      .catch(async (e) => {
        await this.d.taskEvents.update(task._id, { status: 'failure', message: (e as Error).message }, ctx);
        throw e;
      });
  }

  private webSource(uri: string): Source {
    return async () => {
      try {
        return await guardedFetch(this.d.stores.guard, uri, { timeoutMs: this.d.config.HTTP_TIMEOUT, maxRedirects: this.d.config.HTTP_MAX_REDIRECTS });
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
    this.checkUrl(uri, 'import_from is not allowed', 'import_from is not a valid URL.');
    const budget = await this.d.quotas.budget(ctx.projectId, 'store');
    const { image } = await this.d.images.create(ctx, props);
    const task = await this.d.taskEvents.create({ type: 'import', owner: ctx.projectId, image_id: image._id, request_id: ctx.requestId, user_id: ctx.userId, input }, ctx);
    const run = { ctx, task, id: image._id, method: 'web-download', targets: [this.d.stores.default], mustSucceed: true, source: this.webSource(uri), budget };
    this.d.taskEvents.run(task, ctx);
    this.d.background.run('import', () => this.run(run));
    return task;
  }

  /** Copies the source into one target store; the first copy of a non-copy import is inspected. */
  private async copyInto(r: ImportRun, store: StoreDriver, first: { store: StoreDriver; w: WriteResult } | undefined, diskFormat: string): Promise<{ w: WriteResult; virtualSize: number | null }> {
    const copy = r.method === 'copy-image';
    // The first copy comes from the source (inspected); further copies from the first store.
    const input = captureErrors(first ? await first.store.read(first.w.url) : await r.source());
    const inspector = !first && !copy ? captureErrors(new FormatInspector(diskFormat, { requireFormatMatch: this.d.config.REQUIRE_IMAGE_FORMAT_MATCH })) : null;
    let data: Readable = input.stream;
    if (inspector) {
      input.stream.on('error', (e) => inspector.stream.destroy(e));
      data = input.stream.pipe(inspector.stream);
    }
    try {
      const w = await store.write(r.id, data, { hashAlgo: this.d.config.HASHING_ALGORITHM, maxSize: r.budget });
      return { w, virtualSize: inspector?.stream.result?.virtualSize ?? null };
    } catch (caught) {
      const refusal = inspector?.error();
      throw refusal instanceof DomainError ? refusal : caught;
    } finally {
      if (!input.stream.destroyed && !input.stream.readableEnded) input.stream.destroy();
    }
  }

  private async run(r: ImportRun): Promise<void> {
    const { id, task, targets, mustSucceed } = r;
    const copy = r.method === 'copy-image';
    await this.d.taskEvents.update(task._id, { status: 'processing' }, r.ctx);
    let lease;
    const done: { store: StoreDriver; w: WriteResult }[] = [];
    const failed: string[] = [];
    let virtualSize: number | null = null;
    let failure: string | null = null;
    try {
      const current = copy ? await this.d.repo.get(id) : await this.d.repo.transition(id, 'importing', { from: ['queued', 'uploading'] });
      if (!current || current.deleted) throw new DomainError('Gone', `Image ${id} was deleted.`);
      lease = await this.d.leases.take(id, 'import');
      for (const store of targets) {
        if (this.d.background.closing) throw new Error('service is shutting down');
        try {
          this.d.notifier.emit('image.prepare', imageDataPayload((await this.d.repo.get(id)) ?? current, store.id), r.ctx);
          const c = await this.copyInto(r, store, done[0], current.disk_format!);
          if (!done.length) virtualSize = c.virtualSize;
          if (copy && current.checksum && c.w.checksum !== current.checksum) {
            await store.delete(c.w.url);
            throw new Error(`copied data does not match the image checksum`);
          }
          done.push({ store, w: c.w });
          const stored = await this.d.repo.mutate(id, (cur) => {
            if (cur.deleted) throw new DomainError('Gone', `Image ${id} was deleted.`);
            const changes: ImageChanges = { properties: { ...cur.properties, os_glance_importing_to_stores: without(cur.properties.os_glance_importing_to_stores, store.id) } };
            if (copy) changes.locations = [...cur.locations, this.d.stores.locationFor(store, c.w.url)];
            return changes;
          });
          this.d.notifier.emit('image.upload', imageDataPayload(stored, store.id), r.ctx);
        } catch (e) {
          if (e instanceof DomainError && e.kind === 'Gone') throw e;
          failed.push(store.id);
          failure = (e as Error).message;
          this.d.notifier.error('image.upload', `Failed to import image data for image ${id} into store ${store.id}: ${failure}`, r.ctx);
          this.d.log.warn({ err: e, image_id: id, store: store.id, task_id: task._id }, 'import into store failed');
          await this.d.repo
            .mutate(id, (cur) => ({ properties: { ...cur.properties, os_glance_failed_import: failed.join(','), os_glance_importing_to_stores: without(cur.properties.os_glance_importing_to_stores, store.id) } }))
            .catch(() => undefined);
          const refused = e instanceof DomainError && (e.kind === 'UnsupportedMediaType' || e.kind === 'TooLarge');
          if (mustSucceed || refused || (!done.length && !copy && targets.indexOf(store) === targets.length - 1)) break;
        }
      }
      const ok = done.length > 0 && (!mustSucceed || failed.length === 0);
      if (!ok) throw new Error(failure ?? 'import failed');
      if (!copy) await this.activate(r, done, virtualSize);
      else await this.releaseLock(id);
      await this.d.taskEvents.update(task._id, { status: 'success', result: { image_id: id, stores: done.map((x) => x.store.id) }, message: failed.length ? `Failed stores: ${failed.join(',')}` : '' }, r.ctx);
    } catch (e) {
      await this.undo(r, e, done, failed);
      await this.d.taskEvents.update(task._id, { status: 'failure', message: (e as Error).message }, r.ctx);
      this.d.log.warn({ image_id: id, task_id: task._id, err: e }, 'import failed');
    } finally {
      await lease?.release();
    }
  }

  /** Every target holds the bytes: the image becomes active with all its locations. */
  private async activate(r: ImportRun, done: { store: StoreDriver; w: WriteResult }[], virtualSize: number | null): Promise<void> {
    const first = done[0].w;
    // The staged copy is no longer needed once every target holds the bytes: remove it
    // before the image turns active, so an active image never has staging data behind it.
    if (r.method === 'glance-direct') await this.d.stores.dropStaged(r.id);
    const active = await this.d.repo.mutate(r.id, (cur) => {
      if (cur.status !== 'importing') throw new DomainError('Gone', `Image ${r.id} was deleted or changed during the import.`);
      const props = { ...cur.properties };
      delete props.os_glance_import_task;
      delete props.os_glance_stage_host;
      return {
        ...transition(cur.status, 'active'),
        ...dataFields(first, virtualSize),
        locations: done.map((x) => this.d.stores.locationFor(x.store, x.w.url)),
        properties: props,
      };
    });
    this.d.notifier.emit('image.activate', imagePayload(active), r.ctx);
  }

  /** Bytes written by a failed task go; a non-copy import returns the image to queued. */
  private async undo(r: ImportRun, e: unknown, done: { store: StoreDriver; w: WriteResult }[], failed: string[]): Promise<void> {
    const copy = r.method === 'copy-image';
    if (!copy || !(e instanceof DomainError && e.kind === 'Gone')) {
      for (const x of done) {
        if (copy && !r.mustSucceed) continue;
        await x.store.delete(x.w.url).catch(() => undefined);
      }
    }
    if (copy) {
      if (r.mustSucceed && done.length) {
        const urls = new Set(done.map((x) => x.w.url));
        await this.d.repo.mutate(r.id, (cur) => ({ locations: cur.locations.filter((l) => !urls.has(l.url)) })).catch(() => undefined);
      }
      await this.releaseLock(r.id);
      return;
    }
    if (r.method === 'glance-direct') await this.d.stores.dropStaged(r.id);
    await this.d.repo
      .mutate(r.id, (cur) => {
        if (cur.status !== 'importing') return null;
        const props = { ...cur.properties };
        delete props.os_glance_import_task;
        delete props.os_glance_stage_host;
        props.os_glance_failed_import = failed.join(',');
        props.os_glance_importing_to_stores = '';
        return { ...NO_DATA, ...transition(cur.status, 'queued'), properties: props };
      })
      .catch(() => undefined);
  }

  private async releaseLock(id: string): Promise<void> {
    await this.d.repo
      .mutate(id, (cur) => {
        if (!('os_glance_import_task' in cur.properties)) return null;
        const props = { ...cur.properties };
        delete props.os_glance_import_task;
        return { properties: props };
      })
      .catch(() => undefined);
  }
}

/** A comma-separated store list without `id`. */
const without = (list: string | null | undefined, id: string): string =>
  (list ?? '')
    .split(',')
    .filter((s) => s && s !== id)
    .join(',');

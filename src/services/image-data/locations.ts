/**
 * Image locations (glance-v2-api.md §2.2): `POST .../locations` (http(s) data elsewhere, checked
 * through the SSRF guard and optionally verified against a hash while streaming, as a task),
 * `GET .../locations`, and `DELETE /v2/stores/{store}/{id}` (one copy of a multi-store image).
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../../authn/context.js';
import type { Config } from '../../config/config.js';
import { conflict, forbidden, invalid, notFound } from '../../domain/errors.js';
import { transition } from '../../domain/image-status.js';
import type { Logger } from '../../log.js';
import type { Notifier } from '../../notifier/notifier.js';
import { imagePayload } from '../../notifier/payloads.js';
import type { ImagesRepository } from '../../repositories/images.js';
import type { TaskRecord } from '../../repositories/tasks.js';
import type { StoreRegistry } from '../../stores/registry.js';
import { fetchFailure } from '../../stores/ssrf.js';
import { Meter } from '../../stores/store.js';
import type { ImageAuthorizer } from '../image-authz.js';
import type { TaskEvents } from '../task-events.js';
import { NOT_FOUND, type ImagesService } from '../images.js';
import type { BackgroundWork } from './background.js';

export interface ValidationData {
  os_hash_algo?: string;
  os_hash_value?: string;
}

const HEX_LENGTH: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

export class ImageLocations {
  constructor(
    private readonly d: {
      config: Pick<Config, 'MAX_IMAGE_SIZE'>;
      log: Logger;
      images: ImagesService;
      authz: ImageAuthorizer;
      repo: ImagesRepository;
      stores: StoreRegistry;
      background: BackgroundWork;
      notifier: Notifier;
      /** Task records, announced as Glance does. */
      taskEvents: TaskEvents;
    },
  ) {}

  private isService(ctx: RequestContext): boolean {
    return ctx.roles.includes('service') || ctx.serviceRoles.includes('service');
  }

  async add(ctx: RequestContext, id: string, body: { url: string; validation_data?: ValidationData }): Promise<void> {
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
      this.d.stores.guard.checkUrl(url);
    } catch (e) {
      throw invalid((e as Error).message);
    }
    const vd = body.validation_data;
    if (vd && (vd.os_hash_algo === undefined) !== (vd.os_hash_value === undefined)) throw invalid('validation_data needs both os_hash_algo and os_hash_value.');
    if (vd?.os_hash_algo && vd.os_hash_value!.length !== HEX_LENGTH[vd.os_hash_algo]) throw invalid(`os_hash_value is not a ${vd.os_hash_algo} digest.`);
    const task = await this.d.taskEvents.create({ type: 'location_import', owner: img.owner, image_id: id, request_id: ctx.requestId, user_id: ctx.userId, input: { image_id: id, loc_url: body.url, validation_data: vd ?? {} } }, ctx);
    this.d.taskEvents.run(task, ctx);
    this.d.background.run('location import', () => this.runLocationImport(ctx, task, id, body.url, vd));
  }

  private async runLocationImport(ctx: RequestContext, task: TaskRecord, id: string, url: string, vd?: ValidationData): Promise<void> {
    await this.d.taskEvents.update(task._id, { status: 'processing' }, ctx);
    try {
      const http = this.d.stores.http;
      let size: number | null;
      let hash: { algo: string; value: string } | null = null;
      if (vd?.os_hash_algo) {
        // Verify while streaming the remote data through a meter (nothing is stored).
        const meter = new Meter(vd.os_hash_algo, this.d.config.MAX_IMAGE_SIZE);
        await pipeline(await http.read(url), meter, new Writable({ write: (_c, _e, cb) => cb() }));
        const r = meter.result(url);
        if (r.os_hash_value !== vd.os_hash_value!.toLowerCase()) throw new Error('The data at the location does not match validation_data.');
        size = r.size;
        hash = { algo: vd.os_hash_algo, value: r.os_hash_value };
      } else {
        size = await http.size(url);
      }
      const active = await this.d.repo.mutate(id, (cur) => {
        if (cur.status !== 'queued') throw conflict(`Image ${id} is no longer queued.`);
        return {
          ...transition(cur.status, 'active'),
          size,
          locations: [...cur.locations, this.d.stores.locationFor(http, url)],
          ...(hash ? { os_hash_algo: hash.algo, os_hash_value: hash.value } : {}),
        };
      });
      this.d.notifier.emit('image.update', imagePayload(active), ctx);
      await this.d.taskEvents.update(task._id, { status: 'success', result: { image_id: id } }, ctx);
    } catch (e) {
      await this.d.taskEvents.update(task._id, { status: 'failure', message: fetchFailure(e).message }, ctx);
    }
  }

  async list(ctx: RequestContext, id: string): Promise<{ url: string; metadata: Record<string, unknown> }[]> {
    const img = await this.d.images.getVisible(ctx, id);
    this.d.authz.enforce(ctx, 'fetch_image_location', 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(id) });
    return img.locations.map((l) => ({ url: l.url, metadata: l.metadata ?? {} }));
  }

  async deleteFromStore(ctx: RequestContext, storeId: string, id: string): Promise<void> {
    this.d.authz.assertWritable(ctx);
    if (!this.d.stores.multiStore) throw notFound('Multi backend is not supported at this site.');
    const img = await this.d.images.getVisible(ctx, id);
    this.d.authz.enforce(ctx, 'delete_image_location', 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(id) });
    const store = this.d.stores.get(storeId);
    if (!store) throw conflict(`Store ${storeId} is not enabled on this node.`);
    if (img.status !== 'active') throw conflict(`Image ${id} must be active to delete its data from a store (status ${img.status}).`);
    const loc = img.locations.find((l) => this.d.stores.forLocation(l)?.id === storeId);
    if (!loc) throw notFound(`Image ${id} is not present in store ${storeId}.`);
    if (img.locations.length < 2) throw forbidden('Cannot delete the last remaining location of an image.');
    // A copy in use elsewhere (RBD clones) stays: 409.
    const prepared = store.prepareDelete ? await store.prepareDelete(loc.url) : undefined;
    try {
      await this.d.repo.mutate(id, (cur) => {
        if (cur.locations.length < 2) throw forbidden('Cannot delete the last remaining location of an image.');
        return { locations: cur.locations.filter((l) => l.url !== loc.url) };
      });
    } catch (e) {
      await prepared?.undo();
      throw e;
    }
    await store.delete(loc.url).catch((e) => this.d.log.warn({ err: e, image_id: id, store: storeId }, 'could not delete data from store'));
  }
}

/**
 * Upload (`PUT /v2/images/{id}/file`) and staging (`PUT .../stage`, glance-v2-api.md §2.2):
 * queued → saving (or uploading) is won first, then the transfer takes its lease, then the bytes
 * stream through the format inspector into the store. Any failure leaves the image queued and
 * nothing stored.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../../authn/context.js';
import type { Config } from '../../config/config.js';
import { DomainError, conflict, invalid, notFound } from '../../domain/errors.js';
import { NO_DATA, transition } from '../../domain/image-status.js';
import type { Notifier } from '../../notifier/notifier.js';
import { imageDataPayload, imagePayload } from '../../notifier/payloads.js';
import type { ImagesRepository } from '../../repositories/images.js';
import type { StoreRegistry } from '../../stores/registry.js';
import type { WriteResult } from '../../stores/store.js';
import type { ImagesService } from '../images.js';
import { dataFields } from './data-fields.js';
import type { TransferLeases } from './leases.js';
import type { StorageQuotas } from './quotas.js';
import { assertOctetStream, expectedSize, receive } from './receive.js';

export interface UploadHeaders {
  contentType?: string;
  size?: string;
  store?: string;
}

export class ImageUpload {
  constructor(
    private readonly d: {
      config: Pick<Config, 'IMPORT_METHODS' | 'MAX_IMAGE_SIZE' | 'HASHING_ALGORITHM' | 'UPLOAD_IDLE_TIMEOUT' | 'REQUIRE_IMAGE_FORMAT_MATCH'>;
      images: ImagesService;
      repo: ImagesRepository;
      stores: StoreRegistry;
      quotas: StorageQuotas;
      leases: TransferLeases;
      notifier: Notifier;
    },
  ) {}

  private receiveOptions(diskFormat: string | null, maxSize: number) {
    const c = this.d.config;
    return { diskFormat, requireFormatMatch: c.REQUIRE_IMAGE_FORMAT_MATCH, hashAlgo: c.HASHING_ALGORITHM, maxSize, idleTimeout: c.UPLOAD_IDLE_TIMEOUT };
  }

  async upload(ctx: RequestContext, id: string, req: IncomingMessage, h: UploadHeaders): Promise<void> {
    assertOctetStream(h.contentType);
    const img = await this.d.images.getWritable(ctx, id, 'upload_image', 'You are not authorized to upload data to this image.');
    const expected = expectedSize(h.size, this.d.config.MAX_IMAGE_SIZE);
    if (img.status !== 'queued') throw conflict(`Image ${id} has status ${img.status}; data can only be uploaded to a queued image.`);
    if (!img.disk_format || !img.container_format) throw invalid('Properties disk_format and container_format must be set prior to saving data.');
    const store = this.d.stores.forUpload(h.store);
    const budget = await this.d.quotas.budget(img.owner, 'store');
    // Exactly one concurrent upload wins queued → saving; only the winner takes the lease.
    const saving = await this.d.repo.transition(id, 'saving', { from: ['queued'], current: img });
    this.d.notifier.emit('image.prepare', imageDataPayload(saving, h.store ? store.id : null), ctx);
    const lease = await this.d.leases.take(id, 'upload');
    let done;
    try {
      let written: WriteResult | undefined;
      try {
        const r = await receive(req, store, id, this.receiveOptions(img.disk_format, Math.min(budget, expected ?? Number.MAX_SAFE_INTEGER)));
        written = r.written;
        if (expected !== null && written.size !== expected) throw invalid(`Image size ${written.size} does not match x-openstack-image-size ${expected}.`);
        const w = written;
        done = await this.d.repo.mutate(id, (cur) => {
          if (cur.status !== 'saving') throw new DomainError('Gone', `Image ${id} was deleted or changed during the upload.`);
          return {
            ...transition(cur.status, 'active'),
            ...dataFields(w, r.virtualSize),
            locations: [this.d.stores.locationFor(store, w.url)],
          };
        }, { from: saving });
      } catch (e) {
        // As Glance: a failed upload is an ERROR `image.upload` whose payload is the reason.
        this.d.notifier.error('image.upload', `Failed to upload image data for image ${id}: ${e instanceof Error ? e.message : String(e)}`, ctx);
        if (written) await store.delete(written.url).catch(() => undefined);
        const back = await this.d.repo.transition(id, 'queued', { from: ['saving'], set: { ...NO_DATA } }).catch((err: unknown) => err);
        if (back instanceof DomainError && back.kind === 'NotFound') throw new DomainError('Gone', `Image ${id} was deleted during the upload.`);
        throw e;
      }
    } finally {
      await lease.release();
    }
    this.d.notifier.emit('image.upload', imageDataPayload(done, h.store ? store.id : null), ctx);
    this.d.notifier.emit('image.activate', imagePayload(done), ctx);
  }

  async stage(ctx: RequestContext, id: string, req: IncomingMessage, h: Omit<UploadHeaders, 'store'>): Promise<void> {
    if (!this.d.config.IMPORT_METHODS.includes('glance-direct')) throw notFound('The glance-direct import method is not enabled.');
    assertOctetStream(h.contentType);
    const img = await this.d.images.getWritable(ctx, id, 'modify_image', 'You are not authorized to stage data for this image.');
    const expected = expectedSize(h.size, this.d.config.MAX_IMAGE_SIZE);
    if (img.status !== 'queued') throw conflict(`Image ${id} has status ${img.status}; data can only be staged for a queued image.`);
    const budget = await this.d.quotas.budget(img.owner, 'stage');
    const staging = this.d.stores.staging;
    const uploading = await this.d.repo.transition(id, 'uploading', { from: ['queued'], current: img });
    const lease = await this.d.leases.take(id, 'stage');
    try {
      const { written } = await receive(req, staging, id, this.receiveOptions(null, Math.min(budget, expected ?? Number.MAX_SAFE_INTEGER)));
      if (expected !== null && written.size !== expected) throw invalid(`Image size ${written.size} does not match x-openstack-image-size ${expected}.`);
      await this.d.repo.mutate(id, (cur) => {
        if (cur.status !== 'uploading') throw new DomainError('Gone', `Image ${id} was deleted or changed while staging.`);
        return { size: written.size, properties: { ...cur.properties, os_glance_stage_host: this.d.leases.hostId } };
      }, { from: uploading });
    } catch (e) {
      await this.d.stores.dropStaged(id);
      await this.d.repo.transition(id, 'queued', { from: ['uploading'], set: { ...NO_DATA } }).catch(() => undefined);
      throw e;
    } finally {
      await lease.release();
    }
  }
}

import type { Readable } from 'node:stream';
import { DomainError, notFound } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import type { ImageRecord, ImagesRepository } from '../../repositories/images.js';
import type { StoreRegistry } from '../../stores/registry.js';
import type { ByteRange } from '../../stores/store.js';
import { captureErrors } from '../../stores/stream-errors.js';
import { NOT_FOUND } from '../images.js';

/** Reads an image's bytes from the first of its locations that can be read. */
export class ImageDataReader {
  constructor(private readonly d: { repo: ImagesRepository; stores: StoreRegistry; log: Logger }) {}

  /** `opened` is told which store the bytes come from. */
  async open(img: Pick<ImageRecord, '_id' | 'locations'>, range?: ByteRange, opened?: (storeId: string) => void): Promise<Readable> {
    let last: unknown;
    for (const loc of img.locations) {
      const store = this.d.stores.forLocation(loc);
      if (!store) continue;
      try {
        // Handed on across awaits (cache, handler) before the response attaches to it.
        const stream = captureErrors(await store.read(loc.url, range)).stream;
        opened?.(store.id);
        return stream;
      } catch (e) {
        last = e;
        this.d.log.warn({ err: e, image_id: img._id, url: loc.url }, 'image location could not be read');
      }
    }
    throw new DomainError('Unavailable', `The data of image ${img._id} is not available: ${(last as Error | undefined)?.message ?? 'no readable location'}.`);
  }

  /** The whole data of an image by id (the cache prefetcher's source). */
  async openWhole(id: string): Promise<Readable> {
    const img = await this.d.repo.get(id);
    if (!img || img.deleted) throw notFound(NOT_FOUND(id));
    return this.open(img);
  }
}

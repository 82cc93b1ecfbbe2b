import type { Logger } from '../../log.js';
import type { ImageRecord } from '../../repositories/images.js';
import type { StoreRegistry } from '../../stores/registry.js';

/**
 * Removes an image's bytes from every store (and its staged data and cached copy) once the
 * image is deleted. Failures are logged, never raised: the record is gone already.
 */
export function imageDataRemoval(d: { stores: StoreRegistry; evict(id: string): Promise<void>; log: Logger }) {
  return async (img: Pick<ImageRecord, '_id' | 'locations'>): Promise<void> => {
    for (const loc of img.locations) {
      const store = d.stores.forLocation(loc);
      if (!store || store.readOnly) continue;
      await store.delete(loc.url).catch((e) => d.log.warn({ err: e, image_id: img._id, url: loc.url }, 'could not delete image data'));
    }
    await d.stores.dropStaged(img._id);
    await d.evict(img._id).catch(() => undefined);
  };
}

/**
 * Asks every store holding the image whether its data may go (an RBD snapshot with clones is in
 * use: 409) and makes it so; the returned function reverts that when the deletion is refused.
 */
export function imageDataRemovalGuard(d: { stores: StoreRegistry }) {
  return async (img: Pick<ImageRecord, 'locations'>): Promise<() => Promise<void>> => {
    const undos: (() => Promise<void>)[] = [];
    const undoAll = async () => {
      for (const u of undos.reverse()) await u().catch(() => undefined);
    };
    try {
      for (const loc of img.locations) {
        const store = d.stores.forLocation(loc);
        if (!store?.prepareDelete || store.readOnly) continue;
        const p = await store.prepareDelete(loc.url);
        undos.push(() => p.undo());
      }
    } catch (e) {
      await undoAll();
      throw e;
    }
    return undoAll;
  };
}

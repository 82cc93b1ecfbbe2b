import type { Logger } from '../../log.js';
import type { ImageRecord } from '../../repositories/images.js';
import type { StoreRegistry } from '../../stores/registry.js';

type Deps = { stores: StoreRegistry; evict(id: string): Promise<void>; log: Logger };
type Located = Pick<ImageRecord, '_id' | 'locations'>;

/**
 * Removes an image's bytes from every writable store it has a location in. Failures are logged
 * and counted, never raised: the caller decides (a delete has already happened; the scrubber
 * leaves the image pending_delete and tries again).
 */
export function imageLocationsRemoval(d: Deps) {
  return async (img: Located): Promise<{ failed: number }> => {
    let failed = 0;
    for (const loc of img.locations) {
      const store = d.stores.forLocation(loc);
      if (!store || store.readOnly) continue;
      await store.delete(loc.url).catch((e) => {
        failed++;
        d.log.warn({ err: e, image_id: img._id, url: loc.url }, 'could not delete image data');
      });
    }
    return { failed };
  };
}

/** Drops what is not the image's data proper: its staged bytes and its cached copy (at delete time, delayed or not). */
export function imageCopiesRemoval(d: Deps) {
  return async (img: Pick<ImageRecord, '_id'>): Promise<void> => {
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

/** Everything an image holds (bytes, staged data, cached copy), once it is deleted. */
export function imageDataRemoval(d: Deps) {
  const locations = imageLocationsRemoval(d);
  const copies = imageCopiesRemoval(d);
  return async (img: Located): Promise<void> => {
    await locations(img);
    await copies(img);
  };
}

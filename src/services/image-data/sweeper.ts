import { NO_DATA, transition } from '../../domain/image-status.js';
import type { Logger } from '../../log.js';
import type { ImageRecord, ImagesRepository } from '../../repositories/images.js';
import type { LeasesRepository } from '../../repositories/leases.js';
import type { StoreRegistry } from '../../stores/registry.js';
import type { StoreDriver } from '../../stores/store.js';
import type { TransferLeases } from './leases.js';

type SweepableStore = StoreDriver & { sweepTemporaries?(olderThanMs: number, live: (imageId: string) => boolean): Promise<number> };

/**
 * Resolves interrupted transfers: an image in `saving`/`importing` whose lease is missing or
 * older than UPLOAD_STALE_AFTER (a crashed server, a lost connection to MongoDB) is put back to
 * `queued` and any bytes written for it that no location points to are removed; temporary files
 * of the file stores older than that are removed too. Runs at start-up and periodically.
 */
export class TransferSweeper {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly d: { repo: ImagesRepository; leaseRecords: LeasesRepository; leases: TransferLeases; stores: StoreRegistry; staleMs: number; log: Logger },
  ) {}

  async start(): Promise<void> {
    const sweep = () => this.sweep().catch((e) => this.d.log.error({ err: e }, 'image data sweep failed'));
    await sweep();
    this.timer = setInterval(() => void sweep(), Math.min(this.d.staleMs / 4, 60_000));
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(now = Date.now()): Promise<number> {
    let reset = 0;
    for (const id of await this.d.repo.transferring()) {
      if (this.d.leases.holds(id)) continue;
      const lease = await this.d.leaseRecords.get(id);
      if (lease && now - lease.heartbeat.getTime() < this.d.staleMs) continue;
      const img = await this.d.repo.get(id);
      if (!img || img.deleted || !['saving', 'importing'].includes(img.status)) continue;
      if (!lease && now - img.updated_at.getTime() < this.d.staleMs) continue;
      await this.removeUnreferenced(img);
      try {
        await this.d.repo.mutate(id, (cur) => {
          if (!['saving', 'importing'].includes(cur.status)) return null;
          const props = { ...cur.properties };
          delete props.os_glance_import_task;
          delete props.os_glance_importing_to_stores;
          return { ...NO_DATA, ...transition(cur.status, 'queued'), properties: props };
        });
        await this.d.stores.dropStaged(id);
        if (lease) await this.d.leaseRecords.expire(id, lease.heartbeat);
        reset++;
        this.d.log.warn({ image_id: id }, 'interrupted upload reset to queued');
      } catch (e) {
        this.d.log.warn({ err: e, image_id: id }, 'could not reset interrupted upload');
      }
    }
    const leased = await this.d.leaseRecords.renewedSince(new Date(now - this.d.staleMs));
    const live = (imageId: string) => leased.has(imageId) || this.d.leases.holds(imageId);
    for (const s of [...this.d.stores.stores.values(), this.d.stores.staging] as SweepableStore[]) {
      await s.sweepTemporaries?.(this.d.staleMs, live).catch(() => 0);
    }
    return reset;
  }

  /** Removes data written for `img` in writable stores that none of its locations references. */
  private async removeUnreferenced(img: ImageRecord): Promise<void> {
    for (const s of this.d.stores.writable()) {
      let url: string | undefined;
      try {
        url = s.urlFor?.(img._id);
      } catch {
        continue; // a store that cannot name the data yet (an rbd cluster not reached): next round
      }
      if (!url || img.locations.some((l) => l.url === url)) continue;
      await s.delete(url).catch((e) => this.d.log.warn({ err: e, image_id: img._id, store: s.id }, 'could not remove partial data'));
    }
  }
}

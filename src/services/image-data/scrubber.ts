import { VersionConflictError, conflict, notFound, imageNotFoundMessage } from '../../domain/errors.js';
import { transition } from '../../domain/image-status.js';
import type { Logger } from '../../log.js';
import type { ImageRecord, ImagesRepository } from '../../repositories/images.js';
import { NO_HOOKS, type ScrubHooks } from '../../metrics/hooks.js';

/**
 * Delayed delete's second half, as upstream's glance-scrubber: images deleted with
 * DELAYED_DELETE are `pending_delete` (record marked deleted, bytes kept); once SCRUB_TIME
 * seconds have passed, a scrub pass removes their bytes from every store and moves them to
 * `deleted`. `restore` brings a pending_delete image back to `active` with its data
 * (`glance-scrubber --restore`).
 *
 * A scrubber takes an image on with a version-checked write of `scrub_started_at` before it
 * deletes any byte, so a restore (which requires no scrub under way) and a scrub never both
 * win, and two scrubbers (the in-process one and `npm run scrubber`) never scrub one image at
 * once. A scrubber that died half-way leaves a claim that expires after CLAIM_STALE_MS.
 */
export interface ScrubberDeps {
  repo: ImagesRepository;
  /** Deletes the bytes at every location; how many locations could not be deleted. */
  removeLocations: (img: ImageRecord) => Promise<{ failed: number }>;
  /** SCRUB_TIME in seconds. */
  scrubTime: number;
  /** SCRUB_POOL_SIZE: images scrubbed at once. */
  poolSize: number;
  log: Logger;
  hooks?: ScrubHooks;
  now?: () => Date;
}

export interface ScrubReport {
  scrubbed: string[];
  failed: string[];
}

const CLAIM_STALE_MS = 15 * 60_000;
/** Images taken from the queue per pass (a pass runs again for the rest). */
const PASS_BATCH = 1000;

export class Scrubber {
  private timer?: NodeJS.Timeout;
  private running: Promise<ScrubReport> | null = null;
  private closed = false;
  private readonly hooks: ScrubHooks;

  constructor(private readonly d: ScrubberDeps) {
    this.hooks = d.hooks ?? NO_HOOKS;
  }

  private now(): Date {
    return this.d.now?.() ?? new Date();
  }

  /** One pass over the images that are due; passes never overlap within a process. */
  runOnce(): Promise<ScrubReport> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  /** Runs a pass every `intervalMs` (the first one after `intervalMs`) until `close`. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.closed) return;
    const tick = () => {
      this.timer = undefined;
      this.runOnce()
        .then((r) => {
          if (r.scrubbed.length || r.failed.length) this.d.log.info({ scrubbed: r.scrubbed.length, failed: r.failed.length }, 'scrubber pass');
        })
        .catch((e) => this.d.log.error({ err: e }, 'scrubber pass failed'))
        .finally(() => {
          if (!this.closed) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, intervalMs).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<ScrubReport> {
    const now = this.now();
    const due = await this.d.repo.pendingDelete(new Date(now.getTime() - this.d.scrubTime * 1000), new Date(now.getTime() - CLAIM_STALE_MS), PASS_BATCH);
    const report: ScrubReport = { scrubbed: [], failed: [] };
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const img = due[next++];
        const outcome = await this.scrub(img).catch((e) => {
          this.d.log.error({ err: e, image_id: img._id }, 'could not scrub image');
          return 'failed' as const;
        });
        if (outcome === 'skipped') continue;
        report[outcome].push(img._id);
        this.hooks.scrubbed(outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.d.poolSize, due.length) }, worker));
    return report;
  }

  private async scrub(found: ImageRecord): Promise<'scrubbed' | 'failed' | 'skipped'> {
    let img: ImageRecord;
    try {
      img = await this.d.repo.updateImage(found._id, found.version, { scrub_started_at: this.now(), updated_at: found.updated_at });
    } catch (e) {
      if (e instanceof VersionConflictError) return 'skipped'; // restored, or taken on by another scrubber
      throw e;
    }
    this.d.log.info({ image_id: img._id, locations: img.locations.length }, 'scrubbing image');
    const { failed } = await this.d.removeLocations(img);
    if (failed) {
      // As upstream: the image stays pending_delete and a later pass tries again.
      await this.d.repo.updateImage(img._id, img.version, { scrub_started_at: null, updated_at: img.updated_at }).catch(() => undefined);
      this.d.log.warn({ image_id: img._id, failed }, 'image locations could not be scrubbed; the image stays pending_delete');
      return 'failed';
    }
    await this.d.repo.updateImage(img._id, img.version, { ...transition(img.status, 'deleted'), locations: [], scrub_started_at: null });
    this.d.log.info({ image_id: img._id }, 'image scrubbed');
    return 'scrubbed';
  }

  /** `glance-scrubber --restore`: pending_delete → active, the record undeleted and its data kept. */
  async restore(id: string): Promise<ImageRecord> {
    const img = await this.d.repo.get(id);
    if (!img) throw notFound(imageNotFoundMessage(id));
    if (img.status !== 'pending_delete') throw conflict(`Cannot restore image ${id} from ${img.status} to active (wanted from_state=pending_delete).`);
    if (img.scrub_started_at && img.scrub_started_at.getTime() > this.now().getTime() - CLAIM_STALE_MS) {
      throw conflict(`Image ${id} is being scrubbed and cannot be restored.`);
    }
    try {
      return await this.d.repo.updateImage(id, img.version, {
        ...transition(img.status, 'active', { kind: 'Conflict' }),
        deleted: false,
        deleted_at: null,
        scrub_started_at: null,
        locations: img.locations.map((l) => ({ ...l, status: 'active' })),
      });
    } catch (e) {
      if (e instanceof VersionConflictError) throw conflict(`Image ${id} changed while it was being restored (a scrubber took it on); try again.`);
      throw e;
    }
  }
}

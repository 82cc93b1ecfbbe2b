import type { RequestContext } from '../../authn/context.js';
import type { Config } from '../../config/config.js';
import { tooLarge } from '../../domain/errors.js';
import type { ImagesRepository } from '../../repositories/images.js';
import type { ImageQuotas } from '../image-quotas.js';

const MiB = 1024 * 1024;
/** Statuses that count as a transfer under way (image_count_uploading). */
const UPLOADING_STATUSES = ['saving', 'uploading', 'importing'];

export interface StorageUsage {
  sizeTotal: number;
  stageTotal: number;
  uploading: number;
  count: number;
}

/** Storage quotas of the data path (USE_QUOTAS): bytes stored, bytes staged, transfers under way. */
export class StorageQuotas {
  constructor(
    private readonly d: {
      config: Pick<Config, 'USE_QUOTAS' | 'MAX_IMAGE_SIZE' | 'QUOTA_IMAGE_SIZE_TOTAL' | 'QUOTA_IMAGE_STAGE_TOTAL' | 'QUOTA_IMAGE_COUNT_UPLOADING'>;
      repo: ImagesRepository;
      /** The catalogue's quotas: the image count limit, per-project overrides included. */
      catalogue: ImageQuotas;
    },
  ) {}

  private limits(owner: string | null) {
    const c = this.d.config;
    return { size: c.QUOTA_IMAGE_SIZE_TOTAL, stage: c.QUOTA_IMAGE_STAGE_TOTAL, uploading: c.QUOTA_IMAGE_COUNT_UPLOADING, count: this.d.catalogue.limit(owner, 'image_count') };
  }

  async usageOf(owner: string | null): Promise<StorageUsage> {
    const u: StorageUsage = { sizeTotal: 0, stageTotal: 0, uploading: 0, count: 0 };
    for (const [status, { count, size }] of await this.d.repo.usageByStatus(owner)) {
      if (status === 'deleted') continue;
      u.count += count;
      if (status === 'uploading') u.stageTotal += size;
      else u.sizeTotal += size;
      if (UPLOADING_STATUSES.includes(status)) u.uploading += count;
    }
    return u;
  }

  /** Throws 413 when a new transfer would exceed the owner's quotas; returns the byte budget. */
  async budget(owner: string | null, kind: 'store' | 'stage'): Promise<number> {
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

  /** GET /v2/info/usage. */
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
}

import { randomBytes } from 'node:crypto';
import type { LeasesRepository } from '../../repositories/leases.js';

/** A live transfer's hold on an image: renewed while it runs, released by its owner only. */
export interface Lease {
  readonly imageId: string;
  release(): Promise<void>;
}

/**
 * Leases of the transfers this process runs, with their heartbeats. A transfer takes its lease
 * only after it has won the image's status transition (queued → saving, …), so a losing
 * concurrent request never touches the winner's lease; the sweeper leaves leased images alone.
 */
export class TransferLeases {
  private readonly live = new Map<string, { token: string; beat: NodeJS.Timeout }>();

  constructor(
    private readonly repo: LeasesRepository,
    /** Identifies this process in leases (host:pid:random). */
    readonly hostId: string,
    private readonly staleMs: number,
  ) {}

  /** Whether this process runs a transfer for the image. */
  holds(imageId: string): boolean {
    return this.live.has(imageId);
  }

  async take(imageId: string, kind: string): Promise<Lease> {
    const token = randomBytes(12).toString('hex');
    await this.repo.take(imageId, token, this.hostId, kind);
    const beat = setInterval(() => void this.repo.renew(imageId, token).catch(() => undefined), Math.max(this.staleMs / 3, 1000));
    beat.unref();
    this.live.set(imageId, { token, beat });
    return {
      imageId,
      release: async () => {
        clearInterval(beat);
        if (this.live.get(imageId)?.token === token) this.live.delete(imageId);
        await this.repo.release(imageId, token).catch(() => undefined);
      },
    };
  }

  close(): void {
    for (const { beat } of this.live.values()) clearInterval(beat);
  }
}

import type { Collection, Db } from 'mongodb';

/**
 * Transfer leases (collection `image_data_leases`): one per image with a live upload, stage or
 * import. A lease belongs to the transfer that took it (`token`): only that transfer renews or
 * releases it, so a request that lost the race for an image can never remove the winner's.
 */
export interface LeaseRecord {
  _id: string;
  token: string;
  host: string;
  kind: string;
  heartbeat: Date;
}

export class LeasesRepository {
  private readonly col: Collection<LeaseRecord>;

  constructor(db: Db) {
    this.col = db.collection<LeaseRecord>('image_data_leases');
  }

  /** Takes the lease of `imageId` for `token` (replacing a stale one the sweeper has not removed yet). */
  async take(imageId: string, token: string, host: string, kind: string): Promise<void> {
    await this.col.replaceOne({ _id: imageId }, { token, host, kind, heartbeat: new Date() }, { upsert: true });
  }

  async renew(imageId: string, token: string): Promise<void> {
    await this.col.updateOne({ _id: imageId, token }, { $set: { heartbeat: new Date() } });
  }

  async release(imageId: string, token: string): Promise<void> {
    await this.col.deleteOne({ _id: imageId, token });
  }

  async get(imageId: string): Promise<LeaseRecord | null> {
    return this.col.findOne({ _id: imageId });
  }

  /** Images whose lease was renewed at or after `since`: transfers that are alive. */
  async renewedSince(since: Date): Promise<Set<string>> {
    const docs = await this.col.find({ heartbeat: { $gte: since } }, { projection: { _id: 1 } }).toArray();
    return new Set(docs.map((d) => d._id));
  }

  /** Removes a lease whatever its owner (the sweeper, once the transfer is known dead). */
  async expire(imageId: string, heartbeat: Date): Promise<void> {
    await this.col.deleteOne({ _id: imageId, heartbeat });
  }
}

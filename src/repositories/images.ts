import type { Collection, Db, Document, Filter } from 'mongodb';
import { VersionConflictError, conflict, notFound, imageNotFoundMessage } from '../domain/errors.js';
import { transition, type ImageStatus } from '../domain/image-status.js';
import { KeyQueue } from './key-queue.js';

/**
 * Image records (collection `images`), without the bytes.
 *
 * One document per image. Members are embedded (`members`) and mirrored into
 * `member_projects` (project ids with a row, any status: the authorization read filter) and
 * `member_keys` (`"<project>:<status>"`: the list's member_status filter). Custom properties
 * are a map whose keys are escaped (`%`, `.`, `$`) so that any name is a safe field name.
 * Every write is a read-modify-write guarded by the numeric `version` field (no `$push`,
 * no positional updates: they are not available on every MongoDB-compatible server).
 */

export type Visibility = 'public' | 'private' | 'shared' | 'community';
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

export interface ImageMember {
  member_id: string;
  status: MemberStatus;
  created_at: Date;
  updated_at: Date;
}

export interface ImageLocation {
  url: string;
  metadata: Record<string, unknown>;
  status?: string;
}

/** An image as services see it (custom property names decoded). */
export interface ImageRecord {
  _id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  owner: string | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  size: number | null;
  virtual_size: number | null;
  min_disk: number;
  min_ram: number;
  container_format: string | null;
  disk_format: string | null;
  created_at: Date;
  updated_at: Date;
  deleted: boolean;
  deleted_at: Date | null;
  /** Custom (extra) properties, string values. A null-prototype object. */
  properties: Record<string, string | null>;
  tags: string[];
  locations: ImageLocation[];
  members: ImageMember[];
  /** DELAYED_DELETE: when a scrubber took this pending_delete image on (null or absent: nobody has). */
  scrub_started_at?: Date | null;
  member_projects: string[];
  member_keys: string[];
  version: number;
}

/** The fields a caller may $set through `updateImage` (derived fields are recomputed). */
export type ImageChanges = Partial<Omit<ImageRecord, '_id' | 'version' | 'member_projects' | 'member_keys' | 'created_at'>>;

export const escapeKey = (k: string): string => k.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\$/g, '%24');
export const unescapeKey = (k: string): string => k.replace(/%2E/g, '.').replace(/%24/g, '$').replace(/%25/g, '%');

/** Field path of a custom property, for filters. */
export const propertyField = (name: string): string => `properties.${escapeKey(name)}`;

function encodeProps(p: Record<string, string | null>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(p)) out[escapeKey(k)] = v;
  return out;
}

function decode(doc: Document): ImageRecord {
  const props: Record<string, string | null> = Object.create(null);
  for (const [k, v] of Object.entries((doc.properties ?? {}) as Record<string, string | null>)) props[unescapeKey(k)] = v;
  return { ...(doc as ImageRecord), properties: props, tags: doc.tags ?? [], locations: doc.locations ?? [], members: doc.members ?? [] };
}

function memberMirrors(members: ImageMember[]) {
  return { member_projects: members.map((m) => m.member_id), member_keys: members.map((m) => `${m.member_id}:${m.status}`) };
}

export interface SortKey {
  /** API key; `id` is stored as `_id`. */
  key: string;
  dir: 'asc' | 'desc';
}

const field = (key: string) => (key === 'id' ? '_id' : key);
/** Sort keys that are never null: no null branch in the keyset condition. */
const NEVER_NULL = new Set(['id', 'created_at', 'updated_at', 'status']);

/**
 * The keyset condition "strictly after `marker` in this order" as a MongoDB filter. Null sorts
 * first ascending (MongoDB order), and `$gt`/`$lt` never match null, so null is handled apart.
 */
export function keysetAfter(sort: SortKey[], marker: Record<string, unknown>): Filter<Document> {
  const branches: Filter<Document>[] = [];
  for (let i = 0; i < sort.length; i++) {
    const eq: Record<string, unknown> = {};
    for (let j = 0; j < i; j++) {
      const f = field(sort[j].key);
      eq[f] = marker[f] ?? null;
    }
    const f = field(sort[i].key);
    const v = marker[f] ?? null;
    const asc = sort[i].dir === 'asc';
    if (v === null) {
      if (asc) branches.push({ ...eq, [f]: { $ne: null } });
      // descending: nothing sorts after null
    } else if (asc) {
      branches.push({ ...eq, [f]: { $gt: v } });
    } else {
      branches.push({ ...eq, [f]: { $lt: v } });
      if (!NEVER_NULL.has(sort[i].key)) branches.push({ ...eq, [f]: null });
    }
  }
  return branches.length ? { $or: branches } : { _id: { $exists: false } };
}

export class ImagesRepository {
  readonly col: Collection<Document>;
  /** This process's read-modify-writes, one image at a time (see `mutate`). */
  private readonly turns = new KeyQueue();
  constructor(db: Db) {
    this.col = db.collection('images');
  }

  /** Indexes real MongoDB needs (idempotent). */
  async init(): Promise<void> {
    await this.col.createIndexes([
      { key: { created_at: -1, _id: -1 }, name: 'created_at_id' },
      { key: { updated_at: -1, created_at: -1, _id: -1 }, name: 'updated_at_keyset' },
      { key: { name: 1, created_at: -1, _id: -1 }, name: 'name_keyset' },
      { key: { status: 1, created_at: -1, _id: -1 }, name: 'status_keyset' },
      { key: { size: 1, created_at: -1, _id: -1 }, name: 'size_keyset' },
      { key: { owner: 1, created_at: -1, _id: -1 }, name: 'owner_keyset' },
      { key: { visibility: 1, created_at: -1, _id: -1 }, name: 'visibility_keyset' },
      { key: { tags: 1 }, name: 'tags' },
      { key: { member_projects: 1 }, name: 'member_projects' },
      { key: { member_keys: 1 }, name: 'member_keys' },
    ]);
  }

  async insert(img: ImageRecord): Promise<void> {
    await this.col.insertOne({ ...img, properties: encodeProps(img.properties), ...memberMirrors(img.members) } as Document);
  }

  /** Bulk insert (seeding, migrations). */
  async insertMany(imgs: ImageRecord[]): Promise<void> {
    if (imgs.length) await this.col.insertMany(imgs.map((img) => ({ ...img, properties: encodeProps(img.properties), ...memberMirrors(img.members) }) as Document), { ordered: false });
  }

  /** By id, whatever its status (deleted records included: check `deleted`). */
  async get(id: string): Promise<ImageRecord | null> {
    const doc = await this.col.findOne({ _id: id as never });
    return doc ? decode(doc) : null;
  }

  /** By id, only if it also matches `filter` (e.g. the caller's read filter) and is not deleted. */
  async getMatching(id: string, filter: Filter<Document>): Promise<ImageRecord | null> {
    const doc = await this.col.findOne({ $and: [{ _id: id as never, deleted: false }, filter] });
    return doc ? decode(doc) : null;
  }

  /**
   * Version-checked write: applies `changes` only if the stored version is still
   * `expectedVersion`; throws VersionConflictError when another writer got there first.
   */
  async updateImage(id: string, expectedVersion: number, changes: ImageChanges): Promise<ImageRecord> {
    const set: Document = { ...changes, version: expectedVersion + 1 };
    if (changes.properties) set.properties = encodeProps(changes.properties);
    if (changes.members) Object.assign(set, memberMirrors(changes.members));
    if (changes.updated_at === undefined) set.updated_at = new Date();
    const r = await this.col.findOneAndUpdate({ _id: id as never, version: expectedVersion }, { $set: set }, { returnDocument: 'after' });
    if (!r) throw new VersionConflictError(`Image ${id} was changed by another request; retry.`);
    return decode(r);
  }

  /**
   * Read-modify-write with retries: `change` gets the current record and returns the changes
   * to save (or null for none). It is re-run on a fresh read when a concurrent write wins;
   * after `attempts` lost races the VersionConflictError (409) reaches the caller.
   * Within this process, mutations of one image take turns (so concurrent requests of one
   * process never conflict with each other); `change` must not mutate the same image itself.
   * `from` is the caller's own fresh read of the image: the first attempt starts from it instead
   * of reading again (a stale one only costs a retry: the version check decides).
   */
  mutate(id: string, change: (img: ImageRecord) => ImageChanges | null | Promise<ImageChanges | null>, opts: { attempts?: number; from?: ImageRecord } = {}): Promise<ImageRecord> {
    return this.turns.run(id, () => this.mutateNow(id, change, opts.attempts ?? 8, opts.from));
  }

  private async mutateNow(id: string, change: (img: ImageRecord) => ImageChanges | null | Promise<ImageChanges | null>, attempts: number, from?: ImageRecord): Promise<ImageRecord> {
    for (let i = 0; ; i++) {
      const img = i === 0 && from ? from : await this.get(id);
      if (!img || img.deleted) throw notFound(imageNotFoundMessage(id));
      const changes = await change(img);
      if (!changes) return img;
      try {
        return await this.updateImage(id, img.version, changes);
      } catch (e) {
        if (i + 1 >= attempts || !(e instanceof VersionConflictError)) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * (i + 1)));
      }
    }
  }

  /**
   * Status transition helper for data paths: moves `id` from its current status to `to` if the
   * machine allows it (and, when given, only from one of `from`), with extra changes.
   */
  async transition(id: string, to: ImageStatus, opts: { from?: ImageStatus[]; set?: ImageChanges; kind?: 'Invalid' | 'Conflict'; current?: ImageRecord } = {}): Promise<ImageRecord> {
    return this.mutate(id, (img) => {
      if (opts.from && !opts.from.includes(img.status)) throw conflict(`Image status is ${img.status}, expected ${opts.from.join(' or ')}.`);
      const set: ImageChanges = { ...opts.set, ...transition(img.status, to, { kind: opts.kind ?? 'Conflict', image: { ...img, ...opts.set } }) };
      if (to === 'queued') Object.assign(set, { size: null, virtual_size: null });
      return set;
    }, { from: opts.current });
  }

  /** An owner's live images per status: how many, and their total size (quota usage, one query). */
  async usageByStatus(owner: string | null): Promise<Map<string, { count: number; size: number }>> {
    const rows = await this.col
      .aggregate([{ $match: { owner, deleted: false } }, { $group: { _id: '$status', count: { $sum: 1 }, size: { $sum: '$size' } } }])
      .toArray();
    return new Map(rows.map((r) => [String(r._id), { count: Number(r.count) || 0, size: typeof r.size === 'number' ? r.size : 0 }]));
  }

  /** Deleted images waiting for the scrubber: pending_delete since `deletedBefore` or earlier, not taken on by a scrubber since `claimedBefore`. */
  async pendingDelete(deletedBefore: Date, claimedBefore: Date, limit: number): Promise<ImageRecord[]> {
    const docs = await this.col
      .find({ deleted: true, status: 'pending_delete', deleted_at: { $lte: deletedBefore }, $or: [{ scrub_started_at: null }, { scrub_started_at: { $lte: claimedBefore } }] })
      .sort({ deleted_at: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(decode);
  }

  /** Ids of images with a transfer under way (saving, importing): the sweeper's candidates. */
  async transferring(): Promise<string[]> {
    const docs = await this.col.find({ status: { $in: ['saving', 'importing'] }, deleted: false }, { projection: { _id: 1 } }).toArray();
    return docs.map((d) => String(d._id));
  }

  async count(filter: Filter<Document>): Promise<number> {
    return this.col.countDocuments(filter);
  }

  /** One page in the given order (sort keys must end with the unique `created_at`, `id`). */
  async page(filter: Filter<Document>, sort: SortKey[], limit: number, marker?: ImageRecord): Promise<ImageRecord[]> {
    if (limit === 0) return [];
    const where = marker ? { $and: [filter, keysetAfter(sort, marker as unknown as Record<string, unknown>)] } : filter;
    const order: Record<string, 1 | -1> = {};
    for (const s of sort) order[field(s.key)] = s.dir === 'asc' ? 1 : -1;
    const docs = await this.col.find(where).sort(order).limit(limit).toArray();
    return docs.map(decode);
  }
}

import { randomUUID } from 'node:crypto';
import type { Collection, Db, Filter } from 'mongodb';

/**
 * Task records (collection `tasks`): one per import or location import, as upstream's tasks
 * table. Rendered raw by GET /v2/images/{id}/tasks.
 */
export type TaskStatus = 'pending' | 'processing' | 'success' | 'failure';

export interface TaskRecord {
  _id: string;
  type: string;
  status: TaskStatus;
  owner: string | null;
  image_id: string;
  request_id: string | null;
  user_id: string | null;
  input: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  message: string;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
  deleted: boolean;
}

/** How long finished tasks are kept (upstream task_time_to_live default: 48 h). */
const TASK_TTL_MS = 48 * 3600 * 1000;

export class TasksRepository {
  private readonly col: Collection<TaskRecord>;
  constructor(db: Db) {
    this.col = db.collection<TaskRecord>('tasks');
  }

  async init(): Promise<void> {
    await this.col.createIndexes([
      { key: { image_id: 1, created_at: -1 }, name: 'image_created' },
      { key: { status: 1, updated_at: 1 }, name: 'status_updated' },
    ]);
  }

  async create(t: Pick<TaskRecord, 'type' | 'owner' | 'image_id' | 'request_id' | 'user_id' | 'input'>): Promise<TaskRecord> {
    const now = new Date();
    const rec: TaskRecord = { _id: randomUUID(), status: 'pending', result: null, message: '', expires_at: null, created_at: now, updated_at: now, deleted_at: null, deleted: false, ...t };
    await this.col.insertOne(rec);
    return rec;
  }

  async get(id: string): Promise<TaskRecord | null> {
    return this.col.findOne({ _id: id });
  }

  async update(id: string, set: Partial<Pick<TaskRecord, 'status' | 'result' | 'message'>>): Promise<void> {
    const now = new Date();
    const done = set.status === 'success' || set.status === 'failure';
    await this.col.updateOne({ _id: id }, { $set: { ...set, updated_at: now, ...(done ? { expires_at: new Date(now.getTime() + TASK_TTL_MS) } : {}) } });
  }

  async forImage(imageId: string): Promise<TaskRecord[]> {
    return this.col.find({ image_id: imageId, deleted: false }).sort({ created_at: -1 }).toArray();
  }

  /** A task not deleted, if `scope` (the caller's visibility) admits it. */
  async findLive(id: string, scope: Filter<TaskRecord>): Promise<TaskRecord | null> {
    return this.col.findOne({ $and: [{ _id: id, deleted: false }, scope] });
  }

  /** Up to `limit` tasks matching every filter, by `field` then id, both in `dir`. */
  async page(filters: Filter<TaskRecord>[], field: string, dir: 1 | -1, limit: number): Promise<TaskRecord[]> {
    return this.col.find({ $and: filters }).sort({ [field]: dir, _id: dir }).limit(limit).toArray();
  }
}

/** Upstream's raw row timestamps: microseconds, no zone (`2020-12-18T05:20:38.000000`). */
export function rowTime(d: Date): string;
export function rowTime(d: Date | null): string | null;
export function rowTime(d: Date | null): string | null {
  return d ? d.toISOString().replace(/\.(\d{3})Z$/, '.$1000') : null;
}

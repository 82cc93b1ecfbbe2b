/**
 * The (deprecated) tasks API, glance-v2-api.md §2.7: list/show task records (imports, location
 * imports) and create legacy `import` tasks, which create an image from `image_properties` and
 * fill it from `import_from` (web-download through the SSRF guard). Guarded by
 * `tasks_api_access` (admin by default).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Filter } from 'mongodb';
import type { RequestContext } from '../authn/context.js';
import { forbidden, invalid, notFound } from '../domain/errors.js';
import { canonicalId, isUuid } from '../domain/ids.js';
import { PROJECT_ROOT } from '../openapi.js';
import { rowTime, type TaskRecord, type TaskStatus, type TasksRepository } from '../repositories/tasks.js';
import { isoSeconds, isoSecondsOrNull } from '../domain/time.js';
import type { components } from '../generated/openapi.js';
import type { ImageAuthorizer } from './image-authz.js';
import type { ImagesService } from './images.js';
import type { ImageImport } from './image-data/import.js';
import { link } from '../domain/links.js';

type TaskView = components['schemas']['Task'];
type ImageTaskRow = components['schemas']['ImageTaskRow'];

const STATUSES: readonly string[] = ['pending', 'processing', 'success', 'failure'] satisfies TaskStatus[];
const isTaskStatus = (s: string): s is TaskStatus => STATUSES.includes(s);
const SORT_KEYS = ['created_at', 'updated_at', 'id', 'status', 'type', 'expires_at', 'owner'];

export function taskSchema(name: 'task' | 'tasks'): Record<string, unknown> {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'schemas', `${name}.json`), 'utf8'));
}

export class TasksService {
  constructor(
    private readonly d: { tasks: TasksRepository; authz: ImageAuthorizer; images: ImagesService; imports: Pick<ImageImport, 'legacyImport'>; limits: { defaultLimit: number; maxLimit: number } },
  ) {}

  private access(ctx: RequestContext): void {
    if (!this.d.authz.can(ctx, 'tasks_api_access', 'Global')) {
      this.d.authz.denied?.('tasks_api_access');
      throw forbidden('You are not authorized to complete tasks_api_access action.');
    }
  }

  /** Admins see every task; others (if a policy lets them in) their project's. */
  private scope(ctx: RequestContext): Filter<TaskRecord> {
    return ctx.isAdmin ? {} : { owner: ctx.projectId };
  }

  render(t: TaskRecord, full = true): TaskView {
    const out: TaskView = {
      id: t._id,
      type: t.type,
      status: t.status,
      owner: t.owner,
      expires_at: isoSecondsOrNull(t.expires_at),
      created_at: isoSeconds(t.created_at),
      updated_at: isoSecondsOrNull(t.updated_at),
      self: link('v2', 'tasks', t._id),
      schema: '/v2/schemas/task',
    };
    if (full) Object.assign(out, { input: t.input, result: t.result, message: t.message ?? '' } satisfies Partial<TaskView>);
    if (t.image_id) out.image_id = t.image_id;
    if (t.request_id) out.request_id = t.request_id;
    if (t.user_id) out.user_id = t.user_id;
    return out;
  }

  async show(ctx: RequestContext, id: string): Promise<TaskView> {
    this.access(ctx);
    const t = await this.d.tasks.findLive(id, this.scope(ctx));
    if (!t) throw notFound(`Task with the given ID ${id} not found`);
    return this.render(t);
  }

  async list(ctx: RequestContext, q: URLSearchParams): Promise<{ tasks: TaskView[]; first: string; next?: string; schema: string }> {
    this.access(ctx);
    const filter: Filter<TaskRecord>[] = [{ deleted: false }, this.scope(ctx)];
    const status = q.get('status');
    if (status !== null) {
      if (!isTaskStatus(status)) throw invalid(`Invalid status value: ${status}`);
      filter.push({ status });
    }
    const type = q.get('type');
    if (type !== null) {
      if (type !== 'import') throw invalid(`Invalid type value: ${type}`);
      filter.push({ type });
    }
    const sortKey = q.get('sort_key') ?? 'created_at';
    if (!SORT_KEYS.includes(sortKey)) throw invalid(`Invalid sort_key value: ${sortKey}`);
    const sortDir = q.get('sort_dir') ?? 'desc';
    if (sortDir !== 'asc' && sortDir !== 'desc') throw invalid(`Invalid sort direction: ${sortDir}`);
    let limit = this.d.limits.defaultLimit;
    const rawLimit = q.get('limit');
    if (rawLimit !== null) {
      if (!/^\d+$/.test(rawLimit)) throw invalid('limit param must be an integer');
      limit = Math.min(Number(rawLimit), this.d.limits.maxLimit);
    }
    const dir = sortDir === 'asc' ? 1 : -1;
    const field = sortKey === 'id' ? '_id' : sortKey;
    const rawMarker = q.get('marker');
    if (rawMarker !== null) {
      if (!isUuid(rawMarker)) throw invalid('Invalid marker format');
      const marker = canonicalId(rawMarker);
      if (!isUuid(marker)) throw invalid('Invalid marker format');
      const m = await this.d.tasks.findLive(marker, this.scope(ctx));
      if (!m) throw notFound(`Task with the given ID ${marker} not found`);
      const v = m[field as keyof TaskRecord];
      const op = dir === 1 ? '$gt' : '$lt';
      filter.push({ $or: [{ [field]: { [op]: v } }, { [field]: v, _id: { [op]: m._id } }] });
    }
    const rows = limit === 0 ? [] : await this.d.tasks.page(filter, field, dir, limit);
    const params = new URLSearchParams();
    for (const [k, v] of q) if (k !== 'marker') params.set(k, v);
    const base = '/v2/tasks';
    const first = params.toString() ? `${base}?${params}` : base;
    const out: { tasks: TaskView[]; first: string; next?: string; schema: string } = {
      tasks: rows.map((r) => this.render(r, false)),
      first,
      schema: '/v2/schemas/tasks',
    };
    if (rows.length && rows.length === limit) {
      params.set('marker', String(rows[rows.length - 1]._id));
      out.next = `${base}?${params}`;
    }
    return out;
  }

  /** POST /v2/tasks: a legacy `import` task (image created from image_properties, data from import_from). */
  async create(ctx: RequestContext, body: { type?: unknown; input?: unknown }): Promise<TaskView> {
    this.d.authz.assertWritable(ctx);
    this.access(ctx);
    if (body.type === undefined || body.input === undefined) throw invalid('Task requires type and input.');
    if (body.type !== 'import') throw invalid(`Invalid type value: ${String(body.type)}`);
    const input = body.input as Record<string, unknown>;
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw invalid('Task input must be an object.');
    for (const k of ['import_from', 'import_from_format', 'image_properties']) if (input[k] === undefined) throw invalid(`Input does not contain '${k}' field`);
    if (typeof input.import_from !== 'string') throw invalid('import_from must be a URL.');
    const props = input.image_properties as Record<string, unknown>;
    if (!props || typeof props !== 'object' || Array.isArray(props)) throw invalid('image_properties must be an object.');
    return this.render(await this.d.imports.legacyImport(ctx, input.import_from, props, input));
  }

  /** GET /v2/images/{id}/tasks: the image's tasks, in the row format upstream shows there. */
  async forImage(ctx: RequestContext, id: string): Promise<ImageTaskRow[]> {
    await this.d.images.getVisible(ctx, id);
    return (await this.d.tasks.forImage(id)).map((t) => ({
      id: t._id,
      type: t.type,
      status: t.status,
      owner: t.owner,
      image_id: t.image_id,
      request_id: t.request_id,
      user_id: t.user_id,
      input: t.input,
      result: t.result,
      message: t.message,
      expires_at: rowTime(t.expires_at),
      created_at: rowTime(t.created_at),
      updated_at: rowTime(t.updated_at),
      deleted_at: rowTime(t.deleted_at),
      deleted: t.deleted,
    }));
  }
}

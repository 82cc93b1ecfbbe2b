import { randomUUID } from 'node:crypto';
import { canonicalId } from '../domain/ids.js';
import type { Document, Filter } from 'mongodb';
import type { RequestContext } from '../authn/context.js';
import type { PolicyRule } from '../authz/index.js';
import type { Notifier } from '../notifier/notifier.js';
import { imagePayload } from '../notifier/payloads.js';
import { DomainError, conflict, forbidden, invalid, notFound, imageNotFoundMessage } from '../domain/errors.js';
import { transition, UNLISTED_STATUSES } from '../domain/image-status.js';
import type { ImageChanges, ImageRecord, ImagesRepository, Visibility } from '../repositories/images.js';
import type { ImageAuthorizer } from './image-authz.js';
import type { ImageSchemas } from './image-schemas.js';
import type { ImageQuotas } from './image-quotas.js';
import { pageLinks, parseListQuery, visibilityPredicates } from './image-list-query.js';
import { parsePatch, patchMediaType, type PatchChange } from './image-patch.js';
import { link } from '../domain/links.js';
import type { components } from '../generated/openapi.js';

/** An image as the API shows it. */
export type ImageView = components['schemas']['Image'];

/**
 * The image catalogue: records without bytes (glance-v2-api.md §2.1, §3, §4, §5).
 * Each method checks access first (policy via the authorizer, then the domain rules that bind
 * admins too), then reads/writes through the repository, then notifies.
 */

/** Read-only on PATCH (403). */
const READONLY_PATCH = new Set(['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value', 'stores']);
/** Read-only on create (403); `id` may be chosen. */
const READONLY_CREATE = new Set(['direct_url', 'self', 'file', 'schema', 'stores', 'locations', 'created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'os_hash_algo', 'os_hash_value']);
const RESERVED = new Set(['location', 'deleted', 'deleted_at']);
const WRITABLE_BASE = new Set(['name', 'visibility', 'protected', 'os_hidden', 'owner', 'min_disk', 'min_ram', 'container_format', 'disk_format', 'tags']);
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

export const isReservedName = (k: string) => RESERVED.has(k) || k.startsWith('os_glance');

/** Characters outside the Basic Multilingual Plane (4-byte UTF-8) are refused on writes (§1.5). */
export function assertStorable(name: string, value: unknown): void {
  const strings = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  for (const str of [name, ...strings]) {
    if (/[\u{10000}-\u{10FFFF}]/u.test(str)) throw invalid(`Invalid value for '${name}': 4-byte UTF-8 characters are not supported.`);
  }
}

export const NOT_FOUND = imageNotFoundMessage;

/**
 * Times are stored at millisecond precision and shown at seconds, as upstream stores them finer
 * than it shows them: the default order (created_at desc, then id desc) then matches upstream's
 * for images created within the same second.
 */
const storedNow = () => new Date();

export interface ImagesServiceDeps {
  repo: ImagesRepository;
  authz: ImageAuthorizer;
  notifier: Notifier;
  schemas: ImageSchemas;
  quotas: ImageQuotas;
  limits: { defaultLimit: number; maxLimit: number };
  importMethods: string[];
  /** The API representation (src/services/image-view.ts). */
  view: (img: ImageRecord) => Record<string, unknown>;
  /** Metadef property enforcement of the custom properties set on create and PATCH (PROPERTY_ENFORCEMENT). */
  propertyCheck: (ctx: RequestContext, props: Record<string, unknown>) => Promise<void>;
  /** Removes the bytes of an image once it is marked deleted (src/services/image-data/removal.ts). */
  removeData: (img: ImageRecord) => Promise<void>;
  /** Refuses (409) when a store's copy is in use elsewhere; else returns how to revert (removal.ts). */
  guardRemoval?: (img: ImageRecord) => Promise<() => Promise<void>>;
  /** DELAYED_DELETE: an image with data becomes pending_delete and keeps its bytes for the scrubber; only these copies go at once. */
  delayedDelete?: { removeCopies: (img: ImageRecord) => Promise<void> };
  /** Store ids announced on image create (`OpenStack-image-store-ids`); empty without multi-store. */
  storeIds?: string[];
}

export class ImagesService {
  constructor(private readonly d: ImagesServiceDeps) {}

  get repo(): ImagesRepository {
    return this.d.repo;
  }

  /**
   * The image's API representation; with the caller, less the properties it may not read
   * (PROPERTY_PROTECTION_FILE). The one assertion: the document gives custom properties as
   * `additionalProperties: {type: string}`, which the generated type renders as a string index
   * signature its own boolean and number fields contradict, so no value has that type without
   * one. Response validation checks the real shape against the document.
   */
  render(img: ImageRecord, ctx?: RequestContext): ImageView {
    if (!ctx) return this.d.view(img) as ImageView;
    const properties: Record<string, string | null> = Object.create(null);
    for (const [k, v] of Object.entries(img.properties)) if (this.d.authz.canProperty(ctx, 'read', k)) properties[k] = v;
    return this.d.view({ ...img, properties }) as ImageView;
  }

  /** 403 naming the property when property protections refuse the caller `op` on it (upstream's ReservedProperty). */
  private assertPropertyOp(ctx: RequestContext, op: 'create' | 'update' | 'delete', name: string): void {
    if (!this.d.authz.canProperty(ctx, op, name)) throw forbidden(`Attribute '${name}' is reserved.`);
  }

  /**
   * The image if the caller may see it (authz §4.1), else 404. For the data path too:
   * `getVisible(ctx, id, 'upload_image')` also enforces that rule (403 when visible).
   */
  async getVisible(ctx: RequestContext, id: string, rule: PolicyRule = 'get_image', forbiddenMessage?: string): Promise<ImageRecord> {
    const img = await this.d.repo.get(id);
    if (!img || img.deleted || img.status === 'deleted') throw notFound(NOT_FOUND(id));
    this.d.authz.enforce(ctx, 'get_image', 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(id) });
    if (rule !== 'get_image') this.d.authz.enforce(ctx, rule, 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(id), forbiddenMessage });
    return img;
  }

  /** Loads an image for a write: read-only guard, visibility, `rule`, and the owner-or-admin DB guard (authz §5.2). */
  async getWritable(ctx: RequestContext, id: string, rule: PolicyRule, forbiddenMessage?: string): Promise<ImageRecord> {
    this.d.authz.assertWritable(ctx);
    const img = await this.getVisible(ctx, id);
    this.assertMayWrite(ctx, img, rule, forbiddenMessage);
    return img;
  }

  /** For an image already shown to be visible to a caller who may write at all: `rule`, then owner-or-admin. */
  assertMayWrite(ctx: RequestContext, img: ImageRecord, rule: PolicyRule, forbiddenMessage?: string): void {
    if (rule !== 'get_image') this.d.authz.enforce(ctx, rule, 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(img._id), forbiddenMessage });
    this.assertOwnerOrAdmin(ctx, img);
  }

  private assertOwnerOrAdmin(ctx: RequestContext, img: ImageRecord): void {
    if (!ctx.isAdmin && (img.owner === null || img.owner !== ctx.projectId)) throw forbidden('You are not permitted to modify this image.');
  }

  /** After the change is stored: the image as Glance's notifications show it (no locations). */
  private emit(event: string, img: ImageRecord, ctx: RequestContext): void {
    this.d.notifier.emit(event, imagePayload(img), ctx);
  }

  // ---- create -------------------------------------------------------------------------

  async create(ctx: RequestContext, body: Record<string, unknown>): Promise<{ image: ImageRecord; headers: Record<string, string> }> {
    this.d.authz.assertWritable(ctx);
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('The request body must be a JSON object.');
    for (const k of Object.keys(body)) {
      if (READONLY_CREATE.has(k)) throw forbidden(`Attribute '${k}' is read-only.`);
      if (isReservedName(k)) throw forbidden(`Attribute '${k}' is reserved.`);
      this.checkName(k);
    }
    this.d.schemas.validateImage(body);
    for (const [k, v] of Object.entries(body)) assertStorable(k, v);
    // One spelling per UUID: an upper-case twin of another project's id is the same id (409).
    const id = body.id === undefined ? randomUUID() : canonicalId(String(body.id));
    const owner = body.owner === undefined ? ctx.projectId : (body.owner as string | null);
    const visibility = (body.visibility as Visibility | undefined) ?? 'shared';
    const target = { owner, visibility, protected: body.protected ?? false };
    this.d.authz.enforce(ctx, 'add_image', 'Image', target, { notFoundMessage: 'Not found', forbiddenMessage: 'You are not authorized to create images.' });
    if (!ctx.isAdmin && owner !== ctx.projectId) throw forbidden(`You are not permitted to create images owned by '${owner}'.`);
    this.checkVisibilityPolicy(ctx, visibility, target);

    const props: Record<string, string | null> = Object.create(null);
    for (const [k, v] of Object.entries(body)) if (!WRITABLE_BASE.has(k) && k !== 'id') props[k] = v as string | null;
    // Property protections decide before quotas and the metadef property validation.
    for (const k of Object.keys(props)) this.assertPropertyOp(ctx, 'create', k);
    const tags = [...new Set((body.tags as string[] | undefined) ?? [])];
    this.d.quotas.check(owner, 'properties', Object.keys(props).length);
    this.d.quotas.check(owner, 'tags', tags.length);
    if (this.d.quotas.limit(owner, 'image_count') >= 0) {
      const n = await this.d.repo.count({ owner, deleted: false });
      this.d.quotas.check(owner, 'image_count', n + 1);
    }
    const now = storedNow();
    const img: ImageRecord = {
      _id: id,
      name: (body.name as string | null | undefined) ?? null,
      status: 'queued',
      visibility,
      protected: (body.protected as boolean | undefined) ?? false,
      os_hidden: (body.os_hidden as boolean | undefined) ?? false,
      owner,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      size: null,
      virtual_size: null,
      min_disk: (body.min_disk as number | undefined) ?? 0,
      min_ram: (body.min_ram as number | undefined) ?? 0,
      container_format: (body.container_format as string | null | undefined) ?? null,
      disk_format: (body.disk_format as string | null | undefined) ?? null,
      created_at: now,
      updated_at: now,
      deleted: false,
      deleted_at: null,
      properties: props,
      tags,
      locations: [],
      members: [],
      member_projects: [],
      member_keys: [],
      version: 0,
    };
    await this.d.propertyCheck(ctx, props);
    try {
      await this.d.repo.insert(img);
    } catch (e) {
      if ((e as { code?: number }).code === 11000) throw conflict(`An image with identifier ${id} already exists.`);
      throw e;
    }
    this.emit('image.create', img, ctx);
    const headers: Record<string, string> = {};
    if (this.d.importMethods.length) headers['OpenStack-image-import-methods'] = this.d.importMethods.join(',');
    if (this.d.storeIds?.length) headers['OpenStack-image-store-ids'] = this.d.storeIds.join(',');
    return { image: img, headers };
  }

  private checkName(k: string): void {
    if (k.length > 255) throw invalid(`Attribute name '${k.slice(0, 40)}…' is longer than 255 characters.`);
    if (k === '' || FORBIDDEN_NAMES.has(k)) throw invalid(`'${k}' is not a valid attribute name.`);
  }

  private checkVisibilityPolicy(ctx: RequestContext, visibility: string, target: object): void {
    if (visibility === 'public') {
      this.d.authz.enforce(ctx, 'publicize_image', 'Image', target, { notFoundMessage: 'Not found', forbiddenMessage: 'You are not authorized to set the visibility of an image to public.' });
    } else if (visibility === 'community') {
      this.d.authz.enforce(ctx, 'communitize_image', 'Image', target, { notFoundMessage: 'Not found', forbiddenMessage: 'You are not authorized to set the visibility of an image to community.' });
    }
  }

  // ---- show / list --------------------------------------------------------------------

  async show(ctx: RequestContext, id: string): Promise<ImageRecord> {
    return this.getVisible(ctx, id);
  }

  async list(ctx: RequestContext, rawQuery: URLSearchParams, path = '/v2/images'): Promise<{ images: ImageRecord[]; first: string; next?: string; schema: string }> {
    this.d.authz.enforce(ctx, 'get_images', 'Image', undefined, { notFoundMessage: 'Not found', forbiddenMessage: 'You are not authorized to list images.' });
    const q = parseListQuery(rawQuery, this.d.limits);
    const read = this.d.authz.filter(ctx, 'get_image', 'Image');
    let marker: ImageRecord | undefined;
    if (q.marker !== null) {
      marker = (await this.d.repo.getMatching(q.marker, read)) ?? undefined;
      if (!marker) throw invalid(`Invalid marker: no visible image with ID ${q.marker}.`);
    }
    const filter: Filter<Document> = {
      $and: [{ deleted: false, status: { $nin: [...UNLISTED_STATUSES] } }, read, ...visibilityPredicates(ctx, q), ...q.predicates],
    };
    const images = await this.d.repo.page(filter, q.sort, q.limit, marker);
    const full = q.limit > 0 && images.length === q.limit;
    const links = pageLinks(path, rawQuery, full ? images[images.length - 1]._id : null);
    return { images, ...links, schema: '/v2/schemas/images' };
  }

  // ---- update (JSON patch) ------------------------------------------------------------

  async update(ctx: RequestContext, id: string, contentType: string | undefined, body: unknown): Promise<ImageRecord> {
    const version = patchMediaType(contentType);
    this.d.authz.assertWritable(ctx);
    const changes = parsePatch(body, version);
    const current = await this.getVisible(ctx, id);
    this.assertMayWrite(ctx, current, 'modify_image', 'You are not permitted to modify this image.');
    // Policy checks that depend on the requested values, before any write.
    for (const c of changes) {
      const name = c.path[0];
      if (name === 'owner' && !ctx.isAdmin) throw forbidden('Only administrators may change the owner of an image.');
      if (name === 'visibility' && c.op !== 'remove') this.checkVisibilityPolicy(ctx, String(c.value), current);
    }
    // Every refusal of the changes themselves (read-only, conflicts, property protections) is
    // found on the loaded image before the metadef property validation (PROPERTY_ENFORCEMENT).
    this.applyPatch(current, changes, ctx);
    // Metadef property enforcement (PROPERTY_ENFORCEMENT): the custom properties this patch sets.
    const setProps: Record<string, unknown> = {};
    for (const ch of changes) if (ch.op !== 'remove' && ch.path.length === 1 && !WRITABLE_BASE.has(ch.path[0]) && typeof ch.value === 'string') setProps[ch.path[0]] = ch.value;
    await this.d.propertyCheck(ctx, setProps);
    const updated = await this.d.repo.mutate(
      id,
      (img) => {
        this.assertOwnerOrAdmin(ctx, img);
        return this.applyPatch(img, changes, ctx);
      },
      { from: current },
    );
    this.emit('image.update', updated, ctx);
    return updated;
  }

  /**
   * Applies the changes to a copy of `img`; returns the fields to save. Throws on the first
   * refused change. With property protections, as upstream: a property the caller may not read
   * does not exist for it (replace and remove answer 409, add creates it), an existing readable
   * one is updated (add, replace) or deleted, each operation 403 when refused.
   */
  applyPatch(img: ImageRecord, changes: PatchChange[], ctx?: RequestContext): ImageChanges {
    const next: Record<string, unknown> = {
      name: img.name, visibility: img.visibility, protected: img.protected, os_hidden: img.os_hidden, owner: img.owner,
      min_disk: img.min_disk, min_ram: img.min_ram, container_format: img.container_format, disk_format: img.disk_format, tags: [...img.tags],
    };
    const props: Record<string, string | null> = Object.assign(Object.create(null), img.properties);
    const readable = (name: string) => name in props && (!ctx || this.d.authz.canProperty(ctx, 'read', name));
    const guard = (op: 'create' | 'update' | 'delete', name: string) => {
      if (ctx) this.assertPropertyOp(ctx, op, name);
    };
    for (const c of changes) {
      const name = c.path[0];
      this.checkName(name);
      if (isReservedName(name)) throw forbidden(`Attribute '${name}' is reserved.`);
      if (READONLY_PATCH.has(name)) throw forbidden(`Attribute '${name}' is read-only.`);
      if (name === 'locations') throw forbidden('Changing image locations through PATCH is not enabled.');
      const isBase = WRITABLE_BASE.has(name);
      if (c.op === 'remove') {
        if (isBase) throw forbidden(`Attribute '${name}' cannot be removed.`);
        if (!readable(name)) throw conflict(`Property '${name}' does not exist.`);
        guard('delete', name);
        delete props[name];
        continue;
      }
      this.d.schemas.validateImage({ [name]: c.value });
      assertStorable(name, c.value);
      if (c.op === 'add' && c.schemaVersion === 4 && (isBase || readable(name))) throw conflict(`Property '${name}' already present.`);
      if (c.op === 'replace' && !isBase && !readable(name)) throw conflict(`Property '${name}' does not exist.`);
      if (!isBase) guard(readable(name) ? 'update' : 'create', name);
      if (isBase) {
        if ((name === 'disk_format' || name === 'container_format') && img.status !== 'queued' && img.status !== 'importing') {
          throw forbidden(`Attribute '${name}' can be only replaced for a queued image.`);
        }
        next[name] = name === 'tags' ? [...new Set(c.value as string[])] : c.value;
      } else {
        props[name] = c.value as string | null;
      }
    }
    this.d.quotas.check(img.owner, 'properties', Object.keys(props).length);
    this.d.quotas.check(img.owner, 'tags', (next.tags as string[]).length);
    return { ...(next as ImageChanges), properties: props };
  }

  // ---- delete, actions, tags ----------------------------------------------------------

  async delete(ctx: RequestContext, id: string): Promise<void> {
    const current = await this.getWritable(ctx, id, 'delete_image', 'You are not permitted to delete this image.');
    if (current.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
    // A delayed delete keeps the bytes for the scrubber, so only an immediate one asks the
    // stores whether the data may go (an RBD snapshot with clones is in use: 409).
    const keepsData = this.d.delayedDelete !== undefined && current.locations.length > 0;
    const revert = !keepsData && this.d.guardRemoval ? await this.d.guardRemoval(current) : async () => undefined;
    let deleted: ImageRecord;
    try {
      deleted = await this.d.repo.mutate(
        id,
        (img) => {
          if (img.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
          // As upstream's Image.delete: with delayed delete, an image with data goes to
          // pending_delete (a status change the machine allows from active only: 400 otherwise).
          const delayed = this.d.delayedDelete !== undefined && img.locations.length > 0;
          const base = { deleted: true, deleted_at: storedNow(), members: [] };
          if (!delayed) return { ...transition(img.status, 'deleted', { kind: 'Invalid' }), ...base };
          return { ...transition(img.status, 'pending_delete', { kind: 'Invalid' }), ...base, locations: img.locations.map((l) => ({ ...l, status: 'pending_delete' })), scrub_started_at: null };
        },
        { from: current },
      );
    } catch (e) {
      await revert();
      throw e;
    }
    if (deleted.status === 'pending_delete') await this.d.delayedDelete!.removeCopies(deleted);
    else await this.d.removeData(deleted);
    // Sent at delete time, whether the bytes go now or when the scrubber runs (as upstream).
    this.d.notifier.emit('image.delete', imagePayload(deleted), ctx);
  }

  async deactivate(ctx: RequestContext, id: string): Promise<void> {
    await this.setActivation(ctx, id, 'deactivate');
  }

  async reactivate(ctx: RequestContext, id: string): Promise<void> {
    await this.setActivation(ctx, id, 'reactivate');
  }

  private async setActivation(ctx: RequestContext, id: string, action: 'deactivate' | 'reactivate'): Promise<void> {
    const current = await this.getWritable(ctx, id, action, `You are not permitted to ${action} this image.`);
    const [from, to] = action === 'deactivate' ? (['active', 'deactivated'] as const) : (['deactivated', 'active'] as const);
    let changed = false;
    const img = await this.d.repo.mutate(id, (cur) => {
      changed = false;
      if (cur.status === to) return null;
      if (cur.status !== from) throw forbidden(`Not allowed to ${action} image in status '${cur.status}'.`);
      changed = true;
      return transition(cur.status, to, { kind: 'Forbidden' });
    }, { from: current });
    // Glance announces both as an update of the image.
    if (changed) this.emit('image.update', img, ctx);
  }
}

export { DomainError };

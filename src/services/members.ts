import type { RequestContext } from '../authn/context.js';
import type { Notifier } from '../notifier/notifier.js';
import { deletedPayload, memberPayload } from '../notifier/payloads.js';
import { conflict, forbidden, invalid, notFound } from '../domain/errors.js';
import type { ImageMember, ImageRecord, MemberStatus } from '../repositories/images.js';
import type { PolicyRule } from '../authz/index.js';
import type { ImageAuthorizer } from './image-authz.js';
import type { ImageQuotas } from './image-quotas.js';
import { NOT_FOUND, type ImagesService } from './images.js';
import { isoSeconds, secondsNow } from '../domain/time.js';

/**
 * Image sharing (glance-v2-api.md §2.3, §5; authz §3.2, §5.4, §5.5). Members live embedded in
 * the image record; every change is a version-checked read-modify-write.
 */
const STATUSES: MemberStatus[] = ['pending', 'accepted', 'rejected'];
const NOT_SHARED = 'Only shared images have members.';

export interface MemberView {
  member_id: string;
  image_id: string;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
  schema: string;
}

export function renderMember(imageId: string, m: ImageMember): MemberView {
  return {
    created_at: isoSeconds(m.created_at),
    image_id: imageId,
    member_id: m.member_id,
    schema: '/v2/schemas/member',
    status: m.status,
    updated_at: isoSeconds(m.updated_at),
  };
}

export interface MembersServiceDeps {
  images: ImagesService;
  authz: ImageAuthorizer;
  notifier: Notifier;
  quotas: ImageQuotas;
}

export class MembersService {
  constructor(private readonly d: MembersServiceDeps) {}

  private enforce(ctx: RequestContext, rule: PolicyRule, img: ImageRecord, msg: string): void {
    this.d.authz.enforce(ctx, rule, 'Image', img, { readRule: 'get_image', notFoundMessage: NOT_FOUND(img._id), forbiddenMessage: msg });
  }

  /** Rows the caller may see: all for the owner and admins, its own row otherwise (authz §5.4). */
  private visibleRows(ctx: RequestContext, img: ImageRecord): ImageMember[] {
    if (ctx.isAdmin || (img.owner !== null && img.owner === ctx.projectId)) return img.members;
    return img.members.filter((m) => m.member_id === ctx.projectId);
  }

  private emit(event: string, imageId: string, m: ImageMember, ctx: RequestContext): void {
    const payload = memberPayload(imageId, m);
    this.d.notifier.emit(event, event === 'image.member.delete' ? deletedPayload(payload) : payload, ctx);
  }

  async add(ctx: RequestContext, imageId: string, memberId: string): Promise<MemberView> {
    this.d.authz.assertWritable(ctx);
    if (typeof memberId !== 'string' || !memberId.trim()) throw invalid("Invalid value for 'member': a project id is required.");
    const img = await this.d.images.getVisible(ctx, imageId);
    this.enforce(ctx, 'add_member', img, 'You are not permitted to add members to this image.');
    if (img.visibility !== 'shared') throw forbidden(NOT_SHARED);
    let added: ImageMember | undefined;
    await this.d.images.repo.mutate(imageId, (cur) => {
      if (cur.visibility !== 'shared') throw forbidden(NOT_SHARED);
      if (cur.members.some((m) => m.member_id === memberId)) throw conflict(`${memberId} is already a member of image ${imageId}.`);
      this.d.quotas.check(cur.owner, 'members', cur.members.length + 1);
      const now = secondsNow();
      added = { member_id: memberId, status: 'pending', created_at: now, updated_at: now };
      return { members: [...cur.members, added], updated_at: cur.updated_at };
    }, { from: img });
    this.emit('image.member.create', imageId, added!, ctx);
    return renderMember(imageId, added!);
  }

  async list(ctx: RequestContext, imageId: string): Promise<{ members: MemberView[]; schema: string }> {
    const img = await this.d.images.getVisible(ctx, imageId);
    this.enforce(ctx, 'get_members', img, 'You are not permitted to list the members of this image.');
    if (img.visibility !== 'shared') throw forbidden(NOT_SHARED);
    return { members: this.visibleRows(ctx, img).map((m) => renderMember(imageId, m)), schema: '/v2/schemas/members' };
  }

  async show(ctx: RequestContext, imageId: string, memberId: string): Promise<MemberView> {
    const img = await this.d.images.getVisible(ctx, imageId);
    const missing = `Member ${memberId} not found for image ${imageId}.`;
    // The show call reports every refusal as 404 (authz §3.2).
    if (!this.d.authz.can(ctx, 'get_member', 'Image', img) || img.visibility !== 'shared') throw notFound(missing);
    const row = this.visibleRows(ctx, img).find((m) => m.member_id === memberId);
    if (!row) throw notFound(missing);
    return renderMember(imageId, row);
  }

  async update(ctx: RequestContext, imageId: string, memberId: string, status: string): Promise<MemberView> {
    this.d.authz.assertWritable(ctx);
    const img = await this.d.images.getVisible(ctx, imageId);
    this.enforce(ctx, 'modify_member', img, 'You are not permitted to change the status of this member.');
    if (img.visibility !== 'shared') throw forbidden(NOT_SHARED);
    if (!STATUSES.includes(status as MemberStatus)) throw invalid(`Invalid value for 'status': must be one of ${STATUSES.join(', ')}.`);
    if (!this.visibleRows(ctx, img).some((m) => m.member_id === memberId)) throw notFound(`Member ${memberId} not found for image ${imageId}.`);
    if (!ctx.isAdmin && memberId !== ctx.projectId) throw forbidden('Only the member project may change its status.');
    let row: ImageMember | undefined;
    await this.d.images.repo.mutate(imageId, (cur) => {
      if (cur.visibility !== 'shared') throw forbidden(NOT_SHARED);
      const old = cur.members.find((m) => m.member_id === memberId);
      if (!old) throw notFound(`Member ${memberId} not found for image ${imageId}.`);
      row = { ...old, status: status as MemberStatus, updated_at: secondsNow() };
      return { members: cur.members.map((m) => (m.member_id === memberId ? row! : m)), updated_at: cur.updated_at };
    }, { from: img });
    this.emit('image.member.update', imageId, row!, ctx);
    return renderMember(imageId, row!);
  }

  async delete(ctx: RequestContext, imageId: string, memberId: string): Promise<void> {
    this.d.authz.assertWritable(ctx);
    const img = await this.d.images.getVisible(ctx, imageId);
    this.enforce(ctx, 'delete_member', img, 'You are not permitted to remove members of this image.');
    if (img.visibility !== 'shared') throw forbidden(NOT_SHARED);
    let row: ImageMember | undefined;
    await this.d.images.repo.mutate(imageId, (cur) => {
      if (cur.visibility !== 'shared') throw forbidden(NOT_SHARED);
      row = cur.members.find((m) => m.member_id === memberId);
      if (!row) throw notFound(`Member ${memberId} not found for image ${imageId}.`);
      return { members: cur.members.filter((m) => m.member_id !== memberId), updated_at: cur.updated_at };
    }, { from: img });
    this.emit('image.member.delete', imageId, row!, ctx);
  }
}

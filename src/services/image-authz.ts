import type { Document, Filter } from 'mongodb';
import type { RequestContext } from '../authn/context.js';
import { forbidden, notFound } from '../domain/errors.js';

/**
 * The slice of the policy engine (src/authz, exposed as `Services.authz`) that the image
 * services use. Declared here structurally so that the services depend on the interface only.
 */
export interface ImageAuthorizer {
  assertWritable(ctx: RequestContext): void;
  can(ctx: RequestContext, rule: string, subject: 'Image' | 'MetadefNamespace' | 'Global', resource?: object): boolean;
  enforce(
    ctx: RequestContext,
    rule: string,
    subject: 'Image' | 'MetadefNamespace' | 'Global',
    resource: object | undefined,
    opts: { readRule?: string; notFoundMessage: string; forbiddenMessage?: string },
  ): void;
  filter(ctx: RequestContext, rule: string, subject: 'Image' | 'MetadefNamespace' | 'Global'): Filter<Document>;
}

/**
 * Glance's secure-RBAC image defaults (glance-authz.md §2.2, §7), used only when the
 * application has no policy engine wired in. The real engine (src/authz) replaces it.
 */
export function defaultImageAuthorizer(): ImageAuthorizer {
  type Img = { owner?: string | null; visibility?: string; member_projects?: string[] };
  const readable = (ctx: RequestContext, img: Img) =>
    img.owner === ctx.projectId ||
    img.owner === null ||
    img.visibility === 'public' ||
    img.visibility === 'community' ||
    (img.visibility === 'shared' && !!ctx.projectId && (img.member_projects ?? []).includes(ctx.projectId));
  const owns = (ctx: RequestContext, img: Img) => !!ctx.projectId && img.owner === ctx.projectId;
  const has = (ctx: RequestContext, role: string) => ctx.roles.includes(role) && !!ctx.projectId && !ctx.systemScope;
  const can: ImageAuthorizer['can'] = (ctx, rule, _subject, resource) => {
    const img = (resource ?? {}) as Img;
    if (ctx.isAdmin && !ctx.systemScope) return true;
    switch (rule) {
      case 'get_images':
        return has(ctx, 'reader');
      case 'get_image':
      case 'get_member':
      case 'get_members':
        return has(ctx, 'reader') && readable(ctx, img);
      case 'add_image':
        return has(ctx, 'member') && (img.owner === undefined || owns(ctx, img));
      case 'modify_image':
      case 'delete_image':
      case 'deactivate':
      case 'reactivate':
      case 'add_member':
      case 'delete_member':
      case 'communitize_image':
        return has(ctx, 'member') && owns(ctx, img);
      case 'modify_member':
        return has(ctx, 'member') && readable(ctx, img) && !owns(ctx, img);
      default:
        return false;
    }
  };
  return {
    assertWritable(ctx) {
      if (ctx.readOnly) throw forbidden('Read-only access');
    },
    can,
    enforce(ctx, rule, subject, resource, opts) {
      if (can(ctx, rule, subject, resource)) return;
      if (rule === opts.readRule || (opts.readRule && !can(ctx, opts.readRule, subject, resource))) throw notFound(opts.notFoundMessage);
      throw forbidden(opts.forbiddenMessage ?? `You are not authorized to complete ${rule} action.`);
    },
    filter(ctx, rule) {
      if (ctx.isAdmin && !ctx.systemScope) return {};
      if (!has(ctx, rule === 'get_image' ? 'reader' : 'member')) return { _id: { $exists: false } };
      return {
        $or: [
          { owner: ctx.projectId },
          { owner: null },
          { visibility: { $in: ['public', 'community'] } },
          { visibility: 'shared', member_projects: ctx.projectId },
        ],
      };
    },
  };
}

/**
 * Personas and resources of a policy test, as the service would see them: a persona becomes the
 * request context an authenticator builds (Keystone's implied roles, `isAdmin` from the
 * policy's `context_is_admin`); a resource becomes the document its repository stores.
 */
import { anonymousContext, buildContext, type RequestContext } from '../../authn/context.js';
import type { Authorizer } from '../authorizer.js';

export interface Persona {
  project?: string;
  roles?: string[];
  user?: string;
  domain?: string;
  system_scope?: string;
  /** No token at all (a read-only anonymous caller). */
  anonymous?: boolean;
}

export type MemberStatus = 'pending' | 'accepted' | 'rejected';

export type Resource =
  | { type: 'image'; owner?: string | null; visibility?: string; members?: Record<string, MemberStatus>; protected?: boolean; status?: string; properties?: Record<string, string> }
  | { type: 'metadef_namespace'; owner?: string | null; visibility?: string; protected?: boolean };

export function contextOf(name: string, p: Persona, authz: Authorizer): RequestContext {
  if (p.anonymous) return anonymousContext(`policy-test:${name}`);
  const ctx = buildContext(`policy-test:${name}`, {
    userId: p.user ?? `${name}-user`,
    projectId: p.project ?? null,
    domainId: p.domain ?? null,
    systemScope: p.system_scope ?? null,
    roles: p.roles ?? [],
  });
  ctx.isAdmin = authz.isAdmin(ctx);
  return ctx;
}

const EPOCH = new Date(0);

/** The document src/repositories/images.ts stores for an image (members mirrored into member_projects/member_keys). */
export function imageDocument(name: string, r: Extract<Resource, { type: 'image' }>): Record<string, unknown> {
  const members = Object.entries(r.members ?? {}).map(([member_id, status]) => ({ member_id, status, created_at: EPOCH, updated_at: EPOCH }));
  return {
    _id: name,
    name,
    status: r.status ?? 'active',
    visibility: r.visibility ?? 'shared',
    protected: r.protected ?? false,
    os_hidden: false,
    owner: r.owner ?? null,
    created_at: EPOCH,
    updated_at: EPOCH,
    deleted: false,
    deleted_at: null,
    properties: { ...(r.properties ?? {}) },
    tags: [],
    locations: [],
    members,
    member_projects: members.map((m) => m.member_id),
    member_keys: members.map((m) => `${m.member_id}:${m.status}`),
    version: 1,
  };
}

/** The document src/repositories/metadefs.ts stores for a namespace. */
export function namespaceDocument(name: string, r: Extract<Resource, { type: 'metadef_namespace' }>): Record<string, unknown> {
  return {
    _id: name,
    namespace: name,
    display_name: null,
    description: null,
    visibility: r.visibility ?? 'private',
    protected: r.protected ?? false,
    owner: r.owner ?? null,
    created_at: EPOCH,
    updated_at: EPOCH,
    version: 1,
  };
}

export function documentOf(name: string, r: Resource): Record<string, unknown> {
  return r.type === 'image' ? imageDocument(name, r) : namespaceDocument(name, r);
}

/** The target the service builds when the caller creates a resource with no explicit owner or visibility. */
export function createTarget(kind: 'image' | 'metadef_namespace', ctx: RequestContext): Record<string, unknown> {
  return kind === 'image'
    ? { owner: ctx.projectId, visibility: 'shared', protected: false }
    : { namespace: 'new-namespace', owner: ctx.projectId, visibility: 'private', protected: false };
}

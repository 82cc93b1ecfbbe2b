import type { Request } from 'express';
import { anonymousContext, buildContext, type RequestContext } from './context.js';

/**
 * AUTH_MODE=trusted-proxy: the identity headers keystonemiddleware (auth_token) sets after
 * validating a token in front of this service. Only `X-Identity-Status: Confirmed` makes an
 * authenticated context. Anything else is refused (null: the pipeline answers 401), or, with
 * ALLOW_ANONYMOUS_ACCESS, gets an anonymous read-only context: Glance's context middleware
 * and its `allow_anonymous_access`. The service must only be reachable through that proxy:
 * these headers are trusted as they come.
 */
function header(req: Request, name: string): string | null {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v.join(',') : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : null;
}

function list(v: string | null): string[] {
  return v ? v.split(',').map((x) => x.trim()).filter(Boolean) : [];
}

export function contextFromProxyHeaders(req: Request, requestId: string, allowAnonymous = false): RequestContext | null {
  // Exactly "Confirmed", as upstream compares it.
  if (header(req, 'x-identity-status') !== 'Confirmed') return allowAnonymous ? anonymousContext(requestId) : null;
  const scope = header(req, 'openstack-system-scope');
  return buildContext(requestId, {
    userId: header(req, 'x-user-id'),
    projectId: header(req, 'x-project-id') ?? header(req, 'x-tenant-id'),
    domainId: header(req, 'x-domain-id'),
    userDomainId: header(req, 'x-user-domain-id'),
    projectDomainId: header(req, 'x-project-domain-id'),
    roles: list(header(req, 'x-roles')),
    serviceRoles: list(header(req, 'x-service-roles')),
    systemScope: scope ? scope.toLowerCase() : null,
  });
}

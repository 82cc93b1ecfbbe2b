/**
 * The request context: who is calling, derived from the caller's Keystone identity
 * (a validated Keystone token, a JWT, or a trusted proxy's identity headers).
 */
export interface RequestContext {
  requestId: string;
  authenticated: boolean;
  userId: string | null;
  projectId: string | null;
  domainId: string | null;
  userDomainId: string | null;
  projectDomainId: string | null;
  /** Lower-cased role names, Keystone implied roles included. */
  roles: string[];
  serviceRoles: string[];
  /** `all` for system-scoped tokens, else null. */
  systemScope: string | null;
  /**
   * The policy's `context_is_admin` for this caller: set by the authenticator from the policy
   * (createAuthenticator), false until then and for anonymous callers.
   */
  isAdmin: boolean;
  /** Anonymous contexts are read-only: every mutating call is refused. */
  readOnly: boolean;
  /** When the credential stops being valid (epoch ms), if known. */
  expiresAt?: number;
}

export function anonymousContext(requestId: string): RequestContext {
  return {
    requestId,
    authenticated: false,
    userId: null,
    projectId: null,
    domainId: null,
    userDomainId: null,
    projectDomainId: null,
    roles: [],
    serviceRoles: [],
    systemScope: null,
    isAdmin: false,
    readOnly: true,
  };
}

/** Keystone's default implied roles: admin ⇒ member ⇒ reader. */
export function expandRoles(roles: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const r of roles) set.add(String(r).trim().toLowerCase());
  if (set.has('admin')) set.add('member');
  if (set.has('member')) set.add('reader');
  set.delete('');
  return [...set].sort();
}

export function buildContext(requestId: string, id: {
  userId?: string | null;
  projectId?: string | null;
  domainId?: string | null;
  userDomainId?: string | null;
  projectDomainId?: string | null;
  roles?: Iterable<string>;
  serviceRoles?: Iterable<string>;
  systemScope?: string | null;
  expiresAt?: number;
}): RequestContext {
  const roles = expandRoles(id.roles ?? []);
  return {
    requestId,
    authenticated: true,
    userId: id.userId ?? null,
    projectId: id.projectId ?? null,
    domainId: id.domainId ?? null,
    userDomainId: id.userDomainId ?? null,
    projectDomainId: id.projectDomainId ?? null,
    roles,
    serviceRoles: expandRoles(id.serviceRoles ?? []),
    systemScope: id.systemScope ?? null,
    isAdmin: false,
    readOnly: false,
    ...(id.expiresAt !== undefined ? { expiresAt: id.expiresAt } : {}),
  };
}

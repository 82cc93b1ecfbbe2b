import { createHash } from 'node:crypto';
import type { Config } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { Lru } from '../lru.js';
import { buildContext, type RequestContext } from './context.js';

/**
 * AUTH_MODE=keystone: validates tokens against a Keystone v3 server the way
 * keystonemiddleware's auth_token does. The service authenticates itself with its own
 * credentials (password method, project scope), then asks
 * `GET /v3/auth/tokens` (X-Auth-Token: service token, X-Subject-Token: caller's token).
 *
 * - 200: the token body becomes the request context, cached under a hash of the token
 *   until min(token expiry, now + KEYSTONE_CACHE_TTL) in a bounded LRU.
 * - 404 (or 400): the caller's token is invalid, expired or revoked → 401.
 * - 401 for the service token: the service token is re-obtained once and the call retried.
 * - anything else (unreachable, timeout, 5xx, service credentials refused) → 503, never allow.
 */
export type KeystoneIdentity = Pick<RequestContext, 'userId' | 'projectId' | 'domainId' | 'userDomainId' | 'projectDomainId' | 'roles' | 'systemScope'> & {
  expiresAt: number;
};

interface TokenBody {
  token?: {
    expires_at?: string;
    user?: { id?: string; domain?: { id?: string } };
    project?: { id?: string; domain?: { id?: string } };
    domain?: { id?: string };
    system?: Record<string, unknown>;
    roles?: { name?: string }[];
  };
}

/** Keystone's base URL without the version suffix (for WWW-Authenticate: Keystone uri=...). */
export function keystoneBaseUri(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v3$/, '');
}

/** The v3 API root of KEYSTONE_URL (given with or without /v3). */
export function keystoneV3(url: string): string {
  return `${keystoneBaseUri(url)}/v3`;
}

/** Maps a validated token body to the context's identity fields. */
export function identityFromToken(body: TokenBody): KeystoneIdentity {
  const t = body.token;
  if (!t || typeof t !== 'object') throw new Error('the validation response has no token');
  const expiresAt = Date.parse(t.expires_at ?? '');
  if (!Number.isFinite(expiresAt)) throw new Error('the validation response has no valid expires_at');
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const system = t.system && typeof t.system === 'object' ? t.system : null;
  return {
    userId: str(t.user?.id),
    projectId: str(t.project?.id),
    domainId: str(t.domain?.id),
    userDomainId: str(t.user?.domain?.id),
    projectDomainId: str(t.project?.domain?.id),
    roles: (t.roles ?? []).map((r) => (typeof r?.name === 'string' ? r.name.toLowerCase() : '')).filter(Boolean),
    systemScope: system && system.all === true ? 'all' : null,
    expiresAt,
  };
}

export class KeystoneValidator {
  private readonly v3: string;
  private readonly cache: Lru<string, KeystoneIdentity>;
  private readonly inflight = new Map<string, Promise<KeystoneIdentity>>();
  private service: { token: string; expiresAt: number } | null = null;
  private serviceInflight: Promise<string> | null = null;
  /** Validations that reached Keystone (observability and tests). */
  validations = 0;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    /** Told of each token answered from the cache (metrics). */
    private readonly onCacheHit: () => void = () => undefined,
  ) {
    this.v3 = keystoneV3(config.KEYSTONE_URL!);
    this.cache = new Lru(config.KEYSTONE_CACHE_SIZE);
  }

  /** Validates a caller's token; throws Unauthenticated (401) or Unavailable (503). */
  async validate(token: string): Promise<KeystoneIdentity> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key);
    if (cached) {
      this.onCacheHit();
      return cached;
    }
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchIdentity(token).then(
        (id) => {
          const until = Math.min(id.expiresAt, Date.now() + this.config.KEYSTONE_CACHE_TTL * 1000);
          if (this.config.KEYSTONE_CACHE_TTL > 0) this.cache.set(key, id, until);
          return id;
        },
      );
      p.finally(() => this.inflight.delete(key)).catch(() => undefined);
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetchIdentity(token: string): Promise<KeystoneIdentity> {
    if (!/^[\x21-\x7e]{1,8192}$/.test(token)) throw new DomainError('Unauthenticated', 'The request you have made requires authentication: the token is malformed.');
    for (let attempt = 0; attempt < 2; attempt++) {
      const serviceToken = await this.serviceToken(attempt > 0);
      this.validations++;
      const res = await this.request(`${this.v3}/auth/tokens`, {
        method: 'GET',
        headers: { 'X-Auth-Token': serviceToken, 'X-Subject-Token': token, Accept: 'application/json' },
      });
      if (res.status === 200) {
        let identity: KeystoneIdentity;
        try {
          identity = identityFromToken((await res.json()) as TokenBody);
        } catch (e) {
          this.log.error({ err: e }, 'keystone: unexpected token validation response');
          throw new DomainError('Unavailable', 'The identity service gave an unexpected answer; try again later.');
        }
        if (identity.expiresAt <= Date.now()) throw new DomainError('Unauthenticated', 'The request you have made requires authentication: the token has expired.');
        return identity;
      }
      await res.body?.cancel().catch(() => undefined);
      // 404: invalid, expired or revoked; 400: Keystone could not even parse it. Both are the caller's token.
      if (res.status === 404 || res.status === 400) throw new DomainError('Unauthenticated', 'The request you have made requires authentication: the token is invalid, expired or revoked.');
      if (res.status === 401 && attempt === 0) {
        // Our own token was refused (expired, revoked, keys rotated): get a new one, retry once.
        this.service = null;
        continue;
      }
      this.log.error({ status: res.status }, 'keystone: token validation failed');
      throw new DomainError('Unavailable', 'The identity service could not validate the token; try again later.');
    }
    throw new DomainError('Unavailable', 'The identity service refused this service\'s credentials.');
  }

  /**
   * One HTTP call to Keystone within KEYSTONE_TIMEOUT. A connection dropped before any answer
   * (a kept-alive socket the server had just closed) is retried once; both calls are safe to repeat.
   */
  private async request(url: string, init: RequestInit): Promise<Response> {
    const deadline = AbortSignal.timeout(this.config.KEYSTONE_TIMEOUT);
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(url, { ...init, redirect: 'manual', signal: deadline });
      } catch (e) {
        const dropped = (e as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET' || (e as { cause?: { code?: string } }).cause?.code === 'ECONNRESET';
        if (attempt === 1 && dropped && !deadline.aborted) continue;
        this.log.error({ err: (e as Error).message, cause: String((e as { cause?: unknown }).cause ?? ''), url }, 'keystone: unreachable');
        throw new DomainError('Unavailable', 'The identity service is unreachable; try again later.');
      }
    }
  }

  /** The service's own token, obtained with its credentials and renewed before it expires. */
  async serviceToken(renew = false): Promise<string> {
    if (!renew && this.service && this.service.expiresAt - 60_000 > Date.now()) return this.service.token;
    if (!this.serviceInflight) {
      this.serviceInflight = this.obtainServiceToken().finally(() => {
        this.serviceInflight = null;
      });
    }
    return this.serviceInflight;
  }

  private async obtainServiceToken(): Promise<string> {
    const c = this.config;
    const res = await this.request(`${this.v3}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: c.KEYSTONE_USERNAME, password: c.KEYSTONE_PASSWORD, domain: { name: c.KEYSTONE_USER_DOMAIN } } },
          },
          scope: { project: { name: c.KEYSTONE_PROJECT, domain: { name: c.KEYSTONE_PROJECT_DOMAIN } } },
        },
      }),
    });
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) {
      await res.body?.cancel().catch(() => undefined);
      this.log.error({ status: res.status, user: c.KEYSTONE_USERNAME, project: c.KEYSTONE_PROJECT }, 'keystone: the service credentials were refused');
      throw new DomainError('Unavailable', 'The identity service refused this service\'s credentials; try again later.');
    }
    let expiresAt = Date.now() + 300_000;
    try {
      const body = (await res.json()) as TokenBody;
      const e = Date.parse(body.token?.expires_at ?? '');
      if (Number.isFinite(e)) expiresAt = e;
    } catch {
      /* keep the short default lifetime */
    }
    this.service = { token, expiresAt };
    return token;
  }

  clear(): void {
    this.cache.clear();
    this.service = null;
  }
}

/** The context for a validated Keystone identity. */
export function keystoneContext(requestId: string, id: KeystoneIdentity, serviceRoles: string[] = []): RequestContext {
  return buildContext(requestId, { ...id, serviceRoles });
}

import type { Request } from 'express';
import { contextIsAdmin, loadPolicies } from '../authz/index.js';
import type { Config } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { createJwtVerifier } from './jwt.js';
import type { RequestContext } from './context.js';
import { KeystoneValidator, keystoneBaseUri, keystoneContext } from './keystone.js';
import { contextFromProxyHeaders } from './trusted-proxy.js';
import { NO_HOOKS, type AuthnHooks } from '../metrics/hooks.js';

/**
 * Turns a request's credentials into a RequestContext. Returns null when the request
 * carries no credentials at all (the pipeline answers 401). Throws
 * DomainError('Unauthenticated') for bad credentials, ('Unavailable') when the identity
 * service cannot be reached — never "allow".
 */
export interface Authenticator {
  mode: string;
  /** The WWW-Authenticate challenge sent with every 401. */
  challenge: string;
  authenticate(req: Request, requestId: string): Promise<RequestContext | null>;
  /** Extra lines for the start log (how to get a token). */
  startHints(): string[];
  close?(): void;
  /** AUTH_MODE=keystone: the token validator (cache, service token). */
  validator?: KeystoneValidator;
}

function keystoneV3Hint(url: string): string {
  return `${keystoneBaseUri(url)}/v3`;
}

export function bearerToken(req: Request): string | null {
  const x = req.headers['x-auth-token'];
  if (typeof x === 'string' && x.trim()) return x.trim();
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return null;
}

/**
 * `isAdmin` decides `ctx.isAdmin` for every authenticated caller: the policy's
 * `context_is_admin` (pass `authz.isAdmin`; without it, the policies of config.POLICY_FILE are
 * loaded here), so services reading `ctx.isAdmin` agree with the authorizer.
 */
export async function createAuthenticator(config: Config, log?: Logger, isAdmin?: (ctx: RequestContext) => boolean, hooks: AuthnHooks = NO_HOOKS): Promise<Authenticator> {
  const admin = isAdmin ?? policyAdmin(config.POLICY_FILE);
  const inner = await credentialAuthenticator(config, log, () => hooks.tokenCacheHit(config.AUTH_MODE));
  const mode = config.AUTH_MODE;
  return {
    ...inner,
    async authenticate(req, requestId) {
      let ctx: RequestContext | null;
      try {
        ctx = await inner.authenticate(req, requestId);
      } catch (e) {
        hooks.tokenValidated(mode, e instanceof DomainError && e.kind === 'Unavailable' ? 'unavailable' : 'invalid');
        throw e;
      }
      // No credentials at all is not a validation; an anonymous context (trusted-proxy) is not a valid one.
      if (ctx) hooks.tokenValidated(mode, ctx.authenticated ? 'valid' : 'invalid');
      if (ctx?.authenticated) ctx.isAdmin = admin(ctx);
      return ctx;
    },
  };
}

function policyAdmin(policyFile: string | null | undefined): (ctx: RequestContext) => boolean {
  const policies = loadPolicies(policyFile);
  return (ctx) => contextIsAdmin(policies, ctx);
}

async function credentialAuthenticator(config: Config, log: Logger | undefined, cacheHit: () => void): Promise<Authenticator> {
  switch (config.AUTH_MODE) {
    case 'jwt': {
      const verifier = await createJwtVerifier(config, cacheHit);
      return {
        mode: 'jwt',
        challenge: 'Bearer realm="image"',
        async authenticate(req, requestId) {
          const token = bearerToken(req);
          return token ? verifier.verify(token, requestId) : null;
        },
        startHints: () =>
          verifier.devKeyFile
            ? [
                `JWT signing key generated for development: ${verifier.devKeyFile}`,
                'Mint a token with: npm run token -- --project demo --user alice --roles admin',
                'then call: curl -H "X-Auth-Token: $TOKEN" http://HOST:PORT/v2/images',
              ]
            : [],
      };
    }
    case 'keystone': {
      if (!log) throw new Error('AUTH_MODE=keystone needs a logger');
      const validator = new KeystoneValidator(config, log, cacheHit);
      return {
        mode: 'keystone',
        challenge: `Keystone uri="${keystoneBaseUri(config.KEYSTONE_URL!)}"`,
        validator,
        async authenticate(req, requestId) {
          const token = bearerToken(req);
          if (!token) return null;
          const identity = await validator.validate(token);
          // A service token (X-Service-Token) adds its roles as service roles, as keystonemiddleware does.
          const st = req.headers['x-service-token'];
          const serviceRoles = typeof st === 'string' && st.trim() ? (await validator.validate(st.trim())).roles : [];
          return keystoneContext(requestId, identity, serviceRoles);
        },
        startHints: () => [`Tokens are validated by Keystone at ${keystoneV3Hint(config.KEYSTONE_URL!)} (cache ${config.KEYSTONE_CACHE_TTL} s, ${config.KEYSTONE_CACHE_SIZE} tokens).`],
        close: () => validator.clear(),
      };
    }
    case 'trusted-proxy':
      return {
        mode: 'trusted-proxy',
        challenge: config.KEYSTONE_URL ? `Keystone uri="${keystoneBaseUri(config.KEYSTONE_URL)}"` : 'Keystone realm="image"',
        authenticate: async (req, requestId) => contextFromProxyHeaders(req, requestId, config.ALLOW_ANONYMOUS_ACCESS),
        startHints: () => [
          'AUTH_MODE=trusted-proxy: identity headers (X-Identity-Status, X-User-Id, X-Project-Id, X-Roles, ...) are trusted as sent; only expose this service through the validating proxy.',
        ],
      };
    default:
      throw new DomainError('NotImplemented', `AUTH_MODE=${config.AUTH_MODE} is not available in this build`);
  }
}

import type { Request } from 'express';
import type { Config } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { createJwtVerifier } from './jwt.js';
import type { RequestContext } from './context.js';

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

export async function createAuthenticator(config: Config): Promise<Authenticator> {
  switch (config.AUTH_MODE) {
    case 'jwt': {
      const verifier = await createJwtVerifier(config);
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
    default:
      throw new DomainError('NotImplemented', `AUTH_MODE=${config.AUTH_MODE} is not available in this build`);
  }
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  importSPKI,
  jwtVerify,
  SignJWT,
  errors as joseErrors,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';
import type { Config } from '../config/config.js';
import { DomainError } from '../domain/errors.js';
import { Lru } from '../lru.js';
import { buildContext, type RequestContext } from './context.js';

const DEV_KEY_FILE = 'dev-jwt-key.json';

type KeySource = KeyLike | Uint8Array | JWTVerifyGetKey;

export interface JwtVerifier {
  verify(token: string, requestId: string): Promise<RequestContext>;
  /** Set when the key pair was generated for development: where the private key lives. */
  devKeyFile?: string;
}

/** The development key pair: generated once under DATA_DIR and reused across restarts. */
export async function loadOrCreateDevKey(dataDir: string): Promise<{ privateJwk: JWK; publicJwk: JWK; file: string }> {
  const file = join(dataDir, DEV_KEY_FILE);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { privateJwk: JWK; publicJwk: JWK };
    return { ...saved, file };
  }
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'dev' };
  const publicJwk = { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'dev' };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ privateJwk, publicJwk }, null, 2), { mode: 0o600 });
  return { privateJwk, publicJwk, file };
}

async function keyFromFile(path: string): Promise<KeySource> {
  const text = readFileSync(path, 'utf8').trim();
  if (text.startsWith('{')) {
    const json = JSON.parse(text) as { keys?: JWK[] } & JWK;
    if (Array.isArray(json.keys)) return createLocalJWKSet({ keys: json.keys });
    if ('d' in json || json.kty === 'oct') throw new Error('JWT_PUBLIC_KEY_FILE must hold a public key, not a private or symmetric one');
    return createLocalJWKSet({ keys: [json] });
  }
  if (!text.includes('BEGIN PUBLIC KEY')) throw new Error('JWT_PUBLIC_KEY_FILE must be a PEM public key (SPKI) or a JWK/JWKS');
  // The algorithm is only needed to import; verification still checks the token's alg
  // against JWT_ALGORITHMS, and a key can only verify the algorithm family it belongs to.
  for (const alg of ['ES256', 'RS256', 'EdDSA', 'ES384', 'ES512', 'PS256']) {
    try {
      return await importSPKI(text, alg);
    } catch {
      /* try the next family */
    }
  }
  throw new Error('JWT_PUBLIC_KEY_FILE holds a key of an unsupported type');
}

function stringClaim(payload: JWTPayload, name: string): string | null {
  const v = payload[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

function rolesClaim(payload: JWTPayload, name: string): string[] {
  const v = payload[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string') return v.split(',');
  return [];
}

type Identity = Parameters<typeof buildContext>[1];
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

export async function createJwtVerifier(config: Config, onCacheHit: () => void = () => undefined): Promise<JwtVerifier> {
  let key: KeySource;
  let devKeyFile: string | undefined;
  if (config.JWT_JWKS_URL) key = createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
  else if (config.JWT_PUBLIC_KEY_FILE) key = await keyFromFile(config.JWT_PUBLIC_KEY_FILE);
  else {
    const dev = await loadOrCreateDevKey(config.DATA_DIR);
    key = await importJWK(dev.publicJwk, 'ES256');
    devKeyFile = dev.file;
  }
  const algorithms = config.JWT_ALGORITHMS as string[];
  // Verified tokens, so a client reusing its token pays the signature check (~0.1 ms, as much
  // as the rest of a cached read) once a minute, not on every request. Verification is a pure
  // function of the token, the trusted keys and the clock: an entry lives until the token
  // expires or VERIFIED_TTL_MS passes (bounding how long a key removed from a JWKS keeps
  // working), and only successes are kept. Bounded; the least recently used entry goes first.
  const verified = new Lru<string, Identity>(VERIFIED_MAX);
  const remember = (token: string, identity: Identity) => {
    const until = Math.min(Date.now() + VERIFIED_TTL_MS, identity.expiresAt ?? 0);
    if (until > Date.now()) verified.set(token, identity, until);
  };
  return {
    devKeyFile,
    async verify(token, requestId) {
      const hit = verified.get(token);
      if (hit) {
        onCacheHit();
        return buildContext(requestId, hit);
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key as never, {
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          algorithms,
          requiredClaims: ['exp'],
        }));
      } catch (e) {
        if (keySetUnavailable(e)) throw new DomainError('Unavailable', 'The signing keys (JWT_JWKS_URL) cannot be fetched; try again later.');
        throw new DomainError('Unauthenticated', describeJwtError(e));
      }
      const scope = payload.system_scope;
      const identity: Identity = {
        userId: stringClaim(payload, config.JWT_USER_CLAIM),
        projectId: stringClaim(payload, config.JWT_PROJECT_CLAIM),
        domainId: stringClaim(payload, 'domain_id'),
        userDomainId: stringClaim(payload, 'user_domain_id'),
        projectDomainId: stringClaim(payload, 'project_domain_id'),
        roles: rolesClaim(payload, config.JWT_ROLES_CLAIM),
        systemScope: typeof scope === 'string' ? scope : null,
        expiresAt: payload.exp ? payload.exp * 1000 : undefined,
      };
      remember(token, identity);
      return buildContext(requestId, identity);
    },
  };
}

/** The JWKS endpoint could not be read (down, timeout, not 200, not JSON): 503, not 401. */
function keySetUnavailable(e: unknown): boolean {
  if (e instanceof joseErrors.JWKSTimeout) return true;
  if (!(e instanceof joseErrors.JOSEError)) return typeof (e as NodeJS.ErrnoException)?.code === 'string'; // ECONNREFUSED, ENOTFOUND, ...
  return e.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set HTTP response/.test(e.message);
}

function describeJwtError(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'The authentication token has expired.';
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `The authentication token was refused: claim "${e.claim}" ${e.reason === 'check_failed' ? 'has an unexpected value' : 'is missing'}.`;
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'The authentication token was refused: its signature algorithm is not accepted.';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'The authentication token was refused: bad signature.';
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'The authentication token was refused: no matching signing key.';
  return 'The authentication token was refused: it is malformed or not signed by a trusted key.';
}

/** Mints a token signed by the development key (the `npm run token` command and tests). */
export async function mintToken(
  privateJwk: JWK,
  claims: { sub: string; project_id?: string; roles: string[]; [k: string]: unknown },
  opts: { issuer: string; audience: string; expiresIn?: string | number },
): Promise<string> {
  const key = await importJWK(privateJwk, privateJwk.alg ?? 'ES256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: privateJwk.alg ?? 'ES256', kid: privateJwk.kid })
    .setIssuedAt()
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setExpirationTime(opts.expiresIn ?? '12h')
    .sign(key);
}

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { startServer, call, type TestServer } from '../helpers/server.js';

/**
 * AUTH_MODE=jwt with keys from a JWKS URL (a local HTTP server) and from a PEM file, and the
 * classic JWT attacks: unsigned (`alg: none`) tokens and HMAC tokens keyed with the public key.
 */
const ISSUER = 'https://idp.test';
const AUDIENCE = 'image';
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

let jwks: Server;
let jwksHits = 0;
let rsa: { privateKey: KeyLike; publicKey: KeyLike };
let other: { privateKey: KeyLike; publicKey: KeyLike };
let viaJwks: TestServer;
let viaPem: TestServer;
let pem: string;

const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'u1', project_id: 'p1', roles: ['Member'], ...extra });

async function sign(key: KeyLike, opts: { alg?: string; kid?: string; iss?: string; aud?: string; exp?: number | string; claims?: Record<string, unknown> } = {}) {
  return new SignJWT(opts.claims ?? claims())
    .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? 'k1' })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '10m')
    .sign(key);
}

/** A token signed with HMAC-SHA256 whose secret is the given bytes (the public key, for the confusion attack). */
function hmacToken(secret: string | Buffer, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT', kid: 'k1' }) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64(header)}.${b64({ ...claims({ roles: ['admin'] }), iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

before(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  other = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((req, res) => {
    jwksHits++;
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
  const base = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_PUBLIC_KEY_FILE: '' };
  viaJwks = await startServer({ ...base, JWT_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` });
  pem = await exportSPKI(rsa.publicKey);
  const dir = mkdtempSync(join(tmpdir(), 'jwt-pem-'));
  writeFileSync(join(dir, 'pub.pem'), pem);
  viaPem = await startServer({ ...base, JWT_PUBLIC_KEY_FILE: join(dir, 'pub.pem') });
});
after(async () => {
  await viaJwks?.close();
  await viaPem?.close();
  jwks?.close();
});

test('JWT_JWKS_URL: a token signed by a key the JWKS serves → 200, claims mapped to the context', async () => {
  const t = await sign(rsa.privateKey);
  const r = await call(viaJwks.url, 'GET', '/v2/info/import', { token: t });
  assert.equal(r.status, 200);
  assert.ok(jwksHits >= 1, 'the key set was fetched from the URL');
  const bearer = await call(viaJwks.url, 'GET', '/v2/info/import', { headers: { Authorization: `Bearer ${t}` } });
  assert.equal(bearer.status, 200);
  const ctx = (await viaJwks.app.services.authenticator.authenticate({ headers: { 'x-auth-token': t } } as never, 'req-x'))!;
  assert.equal(ctx.userId, 'u1');
  assert.equal(ctx.projectId, 'p1');
  assert.deepEqual(ctx.roles, ['member', 'reader']);
});

test('JWT_JWKS_URL: unknown key, wrong issuer, wrong audience, expired → 401', async () => {
  const cases = {
    'other key': await sign(other.privateKey),
    'unknown kid': await sign(other.privateKey, { kid: 'nope' }),
    issuer: await sign(rsa.privateKey, { iss: 'https://evil.test' }),
    audience: await sign(rsa.privateKey, { aud: 'compute' }),
    expired: await sign(rsa.privateKey, { exp: Math.floor(Date.now() / 1000) - 120 }),
  };
  for (const [why, t] of Object.entries(cases)) {
    const r = await call(viaJwks.url, 'GET', '/v2/info/import', { token: t });
    assert.equal(r.status, 401, why);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /, why);
  }
});

test('JWT_JWKS_URL unreachable or not serving a key set → 503, never allow', async () => {
  const port = (jwks.address() as AddressInfo).port;
  for (const url of ['http://127.0.0.1:9/jwks.json', `http://127.0.0.1:${port}/missing.json`]) {
    const s = await startServer({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_PUBLIC_KEY_FILE: '', JWT_JWKS_URL: url });
    try {
      const r = await call(s.url, 'GET', '/v2/info/import', { token: await sign(rsa.privateKey) });
      assert.equal(r.status, 503, url);
      assert.match(r.body.message, /signing keys/);
      // A token that is not even a JWT is still a 401.
      assert.equal((await call(s.url, 'GET', '/v2/info/import', { token: 'junk' })).status, 401);
    } finally {
      await s.close();
    }
  }
});

test('alg "none" (unsigned) tokens are refused, whatever the header spelling', async () => {
  const now = Math.floor(Date.now() / 1000);
  const payload = b64({ ...claims({ roles: ['admin'] }), iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600 });
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    for (const sig of ['', 'AAAA']) {
      const t = `${b64({ alg, typ: 'JWT' })}.${payload}.${sig}`;
      for (const s of [viaJwks, viaPem]) {
        const r = await call(s.url, 'GET', '/v2/info/import', { token: t });
        assert.equal(r.status, 401, `alg ${alg} sig "${sig}"`);
      }
    }
  }
});

test('HMAC tokens keyed with the public key (algorithm confusion) are refused', async () => {
  const jwk = JSON.stringify({ ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256' });
  const secrets = [pem, pem.trim(), Buffer.from(pem), jwk];
  for (const s of [viaJwks, viaPem]) {
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const r = await call(s.url, 'GET', '/v2/info/import', { token: hmacToken(secret, { alg, typ: 'JWT', kid: 'k1' }) });
        assert.equal(r.status, 401, `${alg} keyed with the public key`);
        assert.match(r.body.message, /refused/);
      }
    }
  }
  // The same key, used properly, is accepted by both: the refusals above are about the algorithm.
  assert.equal((await call(viaPem.url, 'GET', '/v2/info/import', { token: await sign(rsa.privateKey) })).status, 200);
});

test('a token signed with an algorithm outside JWT_ALGORITHMS is refused', async () => {
  const s = await startServer({ JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, JWT_PUBLIC_KEY_FILE: viaPem.config.JWT_PUBLIC_KEY_FILE!, JWT_ALGORITHMS: 'ES256' });
  try {
    const r = await call(s.url, 'GET', '/v2/info/import', { token: await sign(rsa.privateKey) });
    assert.equal(r.status, 401);
    assert.match(r.body.message, /algorithm is not accepted/);
  } finally {
    await s.close();
  }
});

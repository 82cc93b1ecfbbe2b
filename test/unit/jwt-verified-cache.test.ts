import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { loadConfig } from '../../src/config/config.js';
import { createJwtVerifier, mintToken } from '../../src/authn/jwt.js';
import { DomainError } from '../../src/domain/errors.js';

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'k1' };
  const dir = mkdtempSync(join(tmpdir(), 'jwt-cache-'));
  const keyFile = join(dir, 'jwks.json');
  writeFileSync(keyFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k1' }] }));
  const config = loadConfig({ NODE_ENV: 'test', AUTH_MODE: 'jwt', JWT_PUBLIC_KEY_FILE: keyFile, DATA_DIR: dir });
  const verifier = await createJwtVerifier(config);
  const mint = (claims: { sub: string; project_id: string; roles: string[] }, expiresIn: string | number = '1h') =>
    mintToken(privateJwk, claims, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, expiresIn });
  return { verifier, mint };
}

test('a re-used token gets a fresh context per request with the same identity; other tokens are verified on their own', async () => {
  const { verifier, mint } = await setup();
  const a = await mint({ sub: 'alice', project_id: 'p1', roles: ['member'] });
  const b = await mint({ sub: 'bob', project_id: 'p2', roles: ['reader'] });
  const first = await verifier.verify(a, 'req-1');
  const again = await verifier.verify(a, 'req-2');
  assert.equal(first.requestId, 'req-1');
  assert.equal(again.requestId, 'req-2');
  assert.deepEqual({ ...again, requestId: 'x' }, { ...first, requestId: 'x' });
  assert.notEqual(again, first);
  const other = await verifier.verify(b, 'req-3');
  assert.equal(other.userId, 'bob');
  assert.equal(other.projectId, 'p2');
  assert.deepEqual(other.roles, ['reader']);
  // a token that differs from a verified one by its signature is checked, and refused
  const parts = a.split('.');
  const forged = `${parts[0]}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(parts[1], 'base64url').toString()), roles: ['admin'] })).toString('base64url')}.${parts[2]}`;
  await assert.rejects(verifier.verify(forged, 'req-4'), (e: unknown) => e instanceof DomainError && e.kind === 'Unauthenticated');
});

test('a verified token stops working when it expires, even though it was verified before', async () => {
  const { verifier, mint } = await setup();
  const t = await mint({ sub: 'carol', project_id: 'p1', roles: ['member'] }, Math.floor(Date.now() / 1000) + 2);
  assert.equal((await verifier.verify(t, 'req-1')).userId, 'carol');
  assert.equal((await verifier.verify(t, 'req-2')).userId, 'carol');
  await new Promise((r) => setTimeout(r, 2100 - (Date.now() % 1000)));
  await new Promise((r) => setTimeout(r, 1000));
  await assert.rejects(verifier.verify(t, 'req-3'), (e: unknown) => e instanceof DomainError && e.kind === 'Unauthenticated' && /expired/.test(e.message));
});

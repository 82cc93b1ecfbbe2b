import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { startServer, call, type TestServer } from '../helpers/server.js';

/** AUTH_MODE=trusted-proxy: keystonemiddleware's identity headers; 401 without them unless anonymous access is allowed. */
let s: TestServer;
before(async () => {
  s = await startServer({ AUTH_MODE: 'trusted-proxy' });
});
after(() => s.close());

const confirmed = {
  'X-Identity-Status': 'Confirmed',
  'X-User-Id': 'u-1',
  'X-Project-Id': 'p-1',
  'X-Roles': 'Member, reader,',
  'X-Domain-Id': 'd-0',
  'X-User-Domain-Id': 'd-user',
  'X-Project-Domain-Id': 'd-proj',
  'X-Service-Roles': 'service',
};

const contextFor = (headers: Record<string, string>) =>
  s.app.services.authenticator.authenticate({ headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) } as unknown as Request, 'req-t');

test('confirmed identity headers → an authenticated context with every field', async () => {
  const r = await call(s.url, 'GET', '/v2/info/import', { headers: confirmed });
  assert.equal(r.status, 200);
  const ctx = (await contextFor(confirmed))!;
  assert.equal(ctx.authenticated, true);
  assert.equal(ctx.readOnly, false);
  assert.equal(ctx.userId, 'u-1');
  assert.equal(ctx.projectId, 'p-1');
  assert.equal(ctx.domainId, 'd-0');
  assert.equal(ctx.userDomainId, 'd-user');
  assert.equal(ctx.projectDomainId, 'd-proj');
  assert.deepEqual(ctx.roles, ['member', 'reader']);
  assert.deepEqual(ctx.serviceRoles, ['service']);
  assert.equal(ctx.isAdmin, false);
  assert.equal(ctx.systemScope, null);
  const admin = (await contextFor({ ...confirmed, 'X-Roles': 'admin', 'OpenStack-System-Scope': 'all', 'X-Project-Id': '' }))!;
  assert.equal(admin.isAdmin, true);
  assert.deepEqual(admin.roles, ['admin', 'member', 'reader']);
  assert.equal(admin.systemScope, 'all');
  assert.equal(admin.projectId, null);
});

test('no identity headers, or a status other than Confirmed → 401, as upstream (allow_anonymous_access = False)', async () => {
  const r = await call(s.url, 'GET', '/v2/info/import');
  assert.equal(r.status, 401);
  assert.equal(r.body.code, '401 Unauthorized');
  assert.ok(r.headers.get('www-authenticate'));
  const variants: Record<string, string>[] = [{}, { ...confirmed, 'X-Identity-Status': 'Invalid' }, { ...confirmed, 'X-Identity-Status': 'confirmed' }, { 'X-User-Id': 'u', 'X-Roles': 'admin', 'X-Project-Id': 'p' }];
  for (const h of variants) {
    assert.equal(await contextFor(h), null, JSON.stringify(h));
    assert.equal((await call(s.url, 'GET', '/v2/images', { headers: h })).status, 401, JSON.stringify(h));
  }
  const invalid = await call(s.url, 'POST', '/v2/images', { headers: { 'X-Identity-Status': 'Invalid', 'X-Roles': 'admin' }, body: { name: 'x' } });
  assert.equal(invalid.status, 401);
});

test('ALLOW_ANONYMOUS_ACCESS=true: without Confirmed, an anonymous read-only context (open reads pass, writes 403)', async () => {
  const anon = await startServer({ AUTH_MODE: 'trusted-proxy', ALLOW_ANONYMOUS_ACCESS: 'true' });
  try {
    assert.equal((await call(anon.url, 'GET', '/v2/info/import')).status, 200);
    assert.equal((await call(anon.url, 'GET', '/v2/schemas/image')).status, 200);
    for (const h of [{}, { ...confirmed, 'X-Identity-Status': 'Invalid' }, { 'X-User-Id': 'u', 'X-Roles': 'admin', 'X-Project-Id': 'p' }]) {
      const ctx = (await anon.app.services.authenticator.authenticate({ headers: Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])) } as unknown as Request, 'req-t'))!;
      assert.equal(ctx.authenticated, false);
      assert.equal(ctx.readOnly, true);
      assert.equal(ctx.userId, null);
      assert.deepEqual(ctx.roles, []);
      assert.equal(ctx.isAdmin, false);
    }
    const write = await call(anon.url, 'POST', '/v2/images', { headers: { 'X-Identity-Status': 'Invalid', 'X-Roles': 'admin' }, body: { name: 'x' } });
    assert.equal(write.status, 403);
  } finally {
    await anon.close();
  }
});

test('a token is not a credential in trusted-proxy mode, and identity headers are not in jwt mode', async () => {
  assert.equal(await contextFor({ 'X-Auth-Token': 'whatever' }), null);
  const jwt = await startServer();
  try {
    const r = await call(jwt.url, 'GET', '/v2/info/import', { headers: confirmed });
    assert.equal(r.status, 401);
  } finally {
    await jwt.close();
  }
});

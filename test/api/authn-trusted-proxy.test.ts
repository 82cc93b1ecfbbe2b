import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { startServer, call, type TestServer } from '../helpers/server.js';

/** AUTH_MODE=trusted-proxy: keystonemiddleware's identity headers, anonymous without them. */
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

test('no identity headers, or a status other than Confirmed → anonymous read-only context, not 401', async () => {
  const r = await call(s.url, 'GET', '/v2/info/import');
  assert.equal(r.status, 200);
  const variants: Record<string, string>[] = [{}, { ...confirmed, 'X-Identity-Status': 'Invalid' }, { 'X-User-Id': 'u', 'X-Roles': 'admin', 'X-Project-Id': 'p' }];
  for (const h of variants) {
    const ctx = (await contextFor(h))!;
    assert.equal(ctx.authenticated, false);
    assert.equal(ctx.readOnly, true);
    assert.equal(ctx.userId, null);
    assert.deepEqual(ctx.roles, []);
    assert.equal(ctx.isAdmin, false);
  }
  const invalid = await call(s.url, 'GET', '/v2/info/import', { headers: { 'X-Identity-Status': 'Invalid', 'X-Roles': 'admin' } });
  assert.equal(invalid.status, 200);
});

test('a token is not a credential in trusted-proxy mode, and identity headers are not in jwt mode', async () => {
  const ctx = (await contextFor({ 'X-Auth-Token': 'whatever' }))!;
  assert.equal(ctx.authenticated, false);
  const jwt = await startServer();
  try {
    const r = await call(jwt.url, 'GET', '/v2/info/import', { headers: confirmed });
    assert.equal(r.status, 401);
  } finally {
    await jwt.close();
  }
});

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request } from 'express';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { freePort, keystoneUnavailableReason, startKeystone, PASSWORD, type Keystone } from '../helpers/keystone.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { identityFromToken } from '../../src/authn/keystone.js';

/**
 * AUTH_MODE=keystone against a real Keystone (Debian's keystone package, fernet tokens),
 * started on a free loopback port for this file. Skipped only when the package is absent
 * (scripts/e2e-setup.sh installs it; .ci/run runs that first).
 */
const skip = keystoneUnavailableReason();
const kt = (name: string, fn: () => Promise<void>) => test(name, fn);

let ks: Keystone;
let s: TestServer;

function keystoneEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AUTH_MODE: 'keystone',
    KEYSTONE_URL: url,
    KEYSTONE_USERNAME: 'glance',
    KEYSTONE_PASSWORD: PASSWORD,
    KEYSTONE_PROJECT: 'service',
    KEYSTONE_TIMEOUT: '2000',
    ...extra,
  };
}

/** The context the service derives for a token (the authenticator a request goes through). */
function contextFor(server: TestServer, token: string) {
  return server.app.services.authenticator.authenticate({ headers: { 'x-auth-token': token } } as unknown as Request, 'req-test');
}

test('keystone mode requires the URL and the service credentials at start', () => {
  assert.throws(() => loadConfig({ AUTH_MODE: 'keystone' }), (e: unknown) => e instanceof ConfigError && /KEYSTONE_URL is required when AUTH_MODE=keystone/.test(e.message));
  assert.throws(
    () => loadConfig({ AUTH_MODE: 'keystone', KEYSTONE_URL: 'http://127.0.0.1:5000/v3', KEYSTONE_USERNAME: 'glance', KEYSTONE_PROJECT: 'service' }),
    /KEYSTONE_PASSWORD is required/,
  );
  assert.throws(() => loadConfig({ AUTH_MODE: 'keystone', KEYSTONE_URL: 'keystone:5000' }), /KEYSTONE_URL must be an http/);
  const c = loadConfig(keystoneEnv('http://127.0.0.1:5000/v3/'));
  assert.equal(c.KEYSTONE_URL, 'http://127.0.0.1:5000/v3');
  assert.equal(c.KEYSTONE_CACHE_TTL, 60);
  assert.equal(c.KEYSTONE_USER_DOMAIN, 'Default');
  assert.doesNotThrow(() => loadConfig({ AUTH_MODE: 'jwt' }), 'the Keystone settings are only required in keystone mode');
});

test('token body mapping: ids, lower-cased roles, system scope, expiry', () => {
  const id = identityFromToken({
    token: {
      expires_at: '2030-01-02T03:04:05.000000Z',
      user: { id: 'u1', domain: { id: 'd-user' } },
      project: { id: 'p1', domain: { id: 'd-proj' } },
      roles: [{ name: 'Member' }, { name: 'READER' }],
    },
  });
  assert.deepEqual(id, {
    userId: 'u1',
    projectId: 'p1',
    domainId: null,
    userDomainId: 'd-user',
    projectDomainId: 'd-proj',
    roles: ['member', 'reader'],
    systemScope: null,
    expiresAt: Date.parse('2030-01-02T03:04:05Z'),
  });
  const sys = identityFromToken({ token: { expires_at: '2030-01-01T00:00:00Z', user: { id: 'u' }, system: { all: true }, roles: [{ name: 'admin' }] } });
  assert.equal(sys.systemScope, 'all');
  assert.equal(sys.projectId, null);
  const dom = identityFromToken({ token: { expires_at: '2030-01-01T00:00:00Z', user: { id: 'u' }, domain: { id: 'dom1' }, roles: [] } });
  assert.equal(dom.domainId, 'dom1');
  assert.throws(() => identityFromToken({ token: { user: { id: 'u' } } }), /expires_at/);
});

describe('against a real Keystone', { skip: skip ?? false }, () => {
  before(async () => {
    if (skip) return;
    ks = await startKeystone();
    s = await startServer(keystoneEnv(ks.url));
  });
  after(async () => {
    await s?.close();
    await ks?.stop();
  });

  kt('a valid token → 200; the context carries user, project, domains, lower-cased roles, expiry', async () => {
    const t = await ks.token('alpha-member');
    const r = await call(s.url, 'GET', '/v2/info/import', { token: t });
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.body['import-methods'].value));
    const bearer = await call(s.url, 'GET', '/v2/info/import', { headers: { Authorization: `Bearer ${t}` } });
    assert.equal(bearer.status, 200);
    const ctx = (await contextFor(s, t))!;
    assert.equal(ctx.authenticated, true);
    assert.equal(ctx.userId, ks.users['alpha-member']);
    assert.equal(ctx.projectId, ks.projects.alpha);
    assert.equal(ctx.userDomainId, 'default');
    assert.equal(ctx.projectDomainId, 'default');
    assert.deepEqual(ctx.roles, ['member', 'reader']);
    assert.equal(ctx.isAdmin, false);
    assert.equal(ctx.systemScope, null);
    assert.ok(ctx.expiresAt! > Date.now() && ctx.expiresAt! <= Date.now() + 3_600_000 + 5_000);

    const reader = (await contextFor(s, await ks.token('alpha-reader')))!;
    assert.deepEqual(reader.roles, ['reader']);
    assert.equal(reader.projectId, ks.projects.alpha);
    const beta = (await contextFor(s, await ks.token('beta-member')))!;
    assert.equal(beta.projectId, ks.projects.beta);
    const admin = (await contextFor(s, await ks.token('admin')))!;
    assert.deepEqual(admin.roles, ['admin', 'member', 'reader']);
    assert.equal(admin.isAdmin, true);
    assert.equal(admin.projectId, ks.projects.admin);
  });

  kt('an X-Service-Token is validated too: its roles become service roles; a bad one is a 401', async () => {
    const user = await ks.token('alpha-member');
    const service = await ks.token('glance');
    const ctx = (await s.app.services.authenticator.authenticate({ headers: { 'x-auth-token': user, 'x-service-token': service } } as unknown as Request, 'req-st'))!;
    assert.equal(ctx.projectId, ks.projects.alpha);
    assert.deepEqual(ctx.roles, ['member', 'reader']);
    assert.deepEqual(ctx.serviceRoles, ['admin', 'member', 'reader']);
    assert.equal(ctx.isAdmin, false, 'service roles do not make the caller an admin');
    const ok = await call(s.url, 'GET', '/v2/info/import', { token: user, headers: { 'X-Service-Token': service } });
    assert.equal(ok.status, 200);
    const bad = await call(s.url, 'GET', '/v2/info/import', { token: user, headers: { 'X-Service-Token': 'not-a-token' } });
    assert.equal(bad.status, 401);
  });

  kt('a system-scoped token → systemScope "all", no project', async () => {
    const res = await fetch(`${ks.url}/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: PASSWORD, domain: { name: 'Default' } } } }, scope: { system: { all: true } } } }),
    });
    assert.equal(res.status, 201);
    const ctx = (await contextFor(s, res.headers.get('x-subject-token')!))!;
    assert.equal(ctx.systemScope, 'all');
    assert.equal(ctx.projectId, null);
    assert.ok(ctx.roles.includes('admin'));
  });

  kt('no token, a garbage token, a malformed token → 401 with the Keystone challenge', async () => {
    const challenge = `Keystone uri="${ks.url.replace(/\/v3$/, '')}"`;
    const none = await call(s.url, 'GET', '/v2/info/import');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), challenge);
    const junk = await call(s.url, 'GET', '/v2/info/import', { token: 'gAAAAABnot-a-real-fernet-token' });
    assert.equal(junk.status, 401);
    assert.equal(junk.headers.get('www-authenticate'), challenge);
    assert.equal(junk.body.code, '401 Unauthorized');
    assert.match(junk.body.message, /invalid, expired or revoked/);
    assert.ok(!junk.text.includes('not-a-real'), 'the token is never echoed');
    const long = await call(s.url, 'GET', '/v2/info/import', { token: 'x'.repeat(9000) });
    assert.equal(long.status, 401);
  });

  kt('validated tokens are cached (one Keystone call); within KEYSTONE_CACHE_TTL a revoked token still passes', async () => {
    const v = s.app.services.authenticator.validator!;
    const t = await ks.token('beta-member');
    const before = v.validations;
    assert.equal((await call(s.url, 'GET', '/v2/info/import', { token: t })).status, 200);
    assert.equal((await call(s.url, 'GET', '/v2/info/import', { token: t })).status, 200);
    assert.equal(v.validations, before + 1, 'the second request is served from the cache');
    await ks.revoke(t);
    assert.equal((await call(s.url, 'GET', '/v2/info/import', { token: t })).status, 200, 'the documented window: cached for KEYSTONE_CACHE_TTL (60 s here)');
    assert.equal(v.validations, before + 1);
  });

  kt('a revoked token is refused once KEYSTONE_CACHE_TTL has passed', async () => {
    const s1 = await startServer(keystoneEnv(ks.url, { KEYSTONE_CACHE_TTL: '1' }));
    try {
      const t = await ks.token('beta-member');
      assert.equal((await call(s1.url, 'GET', '/v2/info/import', { token: t })).status, 200);
      await ks.revoke(t);
      await new Promise((r) => setTimeout(r, 1100));
      const revoked = await call(s1.url, 'GET', '/v2/info/import', { token: t });
      assert.equal(revoked.status, 401);
      assert.match(revoked.headers.get('www-authenticate') ?? '', /^Keystone uri=/);
      assert.match(revoked.body.message, /invalid, expired or revoked/);
    } finally {
      await s1.close();
    }
  });

  kt('KEYSTONE_CACHE_TTL=0 validates every request: revocation is noticed at once', async () => {
    const s0 = await startServer(keystoneEnv(ks.url, { KEYSTONE_CACHE_TTL: '0' }));
    try {
      const t = await ks.token('alpha-reader');
      assert.equal((await call(s0.url, 'GET', '/v2/info/import', { token: t })).status, 200);
      await ks.revoke(t);
      assert.equal((await call(s0.url, 'GET', '/v2/info/import', { token: t })).status, 401);
    } finally {
      await s0.close();
    }
  });

  kt('the service token is re-obtained when Keystone rejects it', async () => {
    const v = s.app.services.authenticator.validator!;
    const serviceToken = await v.serviceToken();
    await ks.revoke(serviceToken);
    const t = await ks.token('alpha-admin');
    const r = await call(s.url, 'GET', '/v2/info/import', { token: t });
    assert.equal(r.status, 200);
    assert.notEqual(await v.serviceToken(), serviceToken);
  });

  kt('Keystone unreachable → 503, never allow (valid and invalid tokens alike)', async () => {
    const port = await freePort(); // nothing listens there
    const down = await startServer(keystoneEnv(`http://127.0.0.1:${port}/v3`));
    try {
      const t = await ks.token('alpha-member');
      for (const token of [t, 'garbage']) {
        const r = await call(down.url, 'GET', '/v2/info/import', { token });
        assert.equal(r.status, 503);
        assert.equal(r.body.code, '503 Service Unavailable');
        assert.match(r.body.message, /identity service is unreachable/);
      }
      // No token at all is still a plain 401 (nothing to validate).
      assert.equal((await call(down.url, 'GET', '/v2/info/import')).status, 401);
    } finally {
      await down.close();
    }
  });

  kt('Keystone answering errors, or refusing the service credentials → 503', async () => {
    const t = await ks.token('alpha-member');
    const broken: Server = createServer((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(201, { 'X-Subject-Token': 'svc', 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3_600_000).toISOString() } }));
      } else {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end('{"error":{"code":500}}');
      }
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', () => r()));
    const s500 = await startServer(keystoneEnv(`http://127.0.0.1:${(broken.address() as AddressInfo).port}/v3`));
    const badCreds = await startServer(keystoneEnv(ks.url, { KEYSTONE_PASSWORD: 'wrong' }));
    try {
      assert.equal((await call(s500.url, 'GET', '/v2/info/import', { token: t })).status, 503);
      const r = await call(badCreds.url, 'GET', '/v2/info/import', { token: t });
      assert.equal(r.status, 503);
      assert.match(r.body.message, /refused this service's credentials/);
    } finally {
      await s500.close();
      await badCreds.close();
      broken.close();
    }
  });
});

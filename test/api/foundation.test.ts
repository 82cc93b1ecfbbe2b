import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, type TestServer } from '../helpers/server.js';

let s: TestServer;
let admin: string;
before(async () => {
  s = await startServer();
  admin = await s.token({ project: 'p1', roles: ['admin'] });
});
after(() => s.close());

test('GET / answers the versions document with 300', async () => {
  const r = await call(s.url, 'GET', '/');
  assert.equal(r.status, 300);
  assert.equal(r.body.versions[0].id, 'v2.17');
  assert.equal(r.body.versions[0].status, 'CURRENT');
  assert.ok(r.body.versions.every((v: any) => v.links[0].href === `${s.url}/v2/` && v.links[0].rel === 'self'));
  assert.deepEqual(
    r.body.versions.map((v: any) => v.id),
    ['v2.17', 'v2.15', 'v2.9', 'v2.7', 'v2.6', 'v2.5', 'v2.4', 'v2.3', 'v2.2', 'v2.1', 'v2.0'],
  );
});

test('GET /versions answers 200; unknown version prefixes answer 300', async () => {
  assert.equal((await call(s.url, 'GET', '/versions')).status, 200);
  for (const p of ['/images', '/v1/images', '/v3/x', '/v2.8/images', '/v2.99/images']) {
    const r = await call(s.url, 'GET', p);
    assert.equal(r.status, 300, p);
    assert.ok(Array.isArray(r.body.versions), p);
  }
});

test('/v2.N/ is routed as /v2/', async () => {
  const r = await call(s.url, 'GET', '/v2.6/info/import', { token: admin });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body['import-methods'].value, ['glance-direct', 'web-download', 'copy-image']);
});

test('every response carries x-openstack-request-id; a given id is reused, a long one refused', async () => {
  const r = await call(s.url, 'GET', '/healthz');
  assert.match(r.headers.get('x-openstack-request-id') ?? '', /^req-[0-9a-f-]{36}$/);
  const given = await call(s.url, 'GET', '/healthz', { headers: { 'X-Openstack-Request-ID': 'abc-123' } });
  assert.equal(given.headers.get('x-openstack-request-id'), 'req-abc-123');
  const long = await call(s.url, 'GET', '/healthz', { headers: { 'X-Openstack-Request-ID': 'x'.repeat(65) } });
  assert.equal(long.status, 431);
  assert.match(long.body.message, /longer than 64/);
});

test('unknown path under /v2 → 404 with the error shape', async () => {
  const r = await call(s.url, 'GET', '/v2/nothing-here', { token: admin });
  assert.equal(r.status, 404);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.deepEqual(Object.keys(r.body), ['message', 'code', 'title', 'request_id']);
  assert.equal(r.body.code, '404 Not Found');
  assert.equal(r.body.title, 'Not Found');
  assert.equal(typeof r.body.message, 'string');
  assert.doesNotMatch(r.body.message, /<br|<\/?[a-z]/i);
  assert.equal(r.body.request_id, r.headers.get('x-openstack-request-id'));
});

test('errors are negotiated on Accept as upstream: HTML for */*, JSON or plain text when asked', async () => {
  const id = '0b2c2b7e-0000-4000-8000-000000000000';
  const json = await call(s.url, 'GET', `/v2/images/${id}`, { token: admin });
  assert.equal(json.status, 404);
  const message: string = json.body.message;
  assert.match(message, new RegExp(`No image found with ID ${id}`));
  const cases: Array<[string, string, string]> = [
    ['', 'text/plain; charset=UTF-8', `404 Not Found\n\n${message}\n`],
    ['*/*', 'text/html; charset=UTF-8', `<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  ${message}\n </body>\n</html>`],
    ['text/html', 'text/html; charset=UTF-8', ''],
    ['application/json', 'application/json', ''],
    ['text/html;q=0.5, application/json', 'application/json', ''],
    ['application/*', 'application/json', ''],
    ['text/plain', 'text/plain; charset=UTF-8', ''],
    ['application/xml', 'text/plain; charset=UTF-8', ''],
    ['not a media type', 'text/html; charset=UTF-8', ''],
  ];
  for (const [accept, type, text] of cases) {
    const r = await call(s.url, 'GET', `/v2/images/${id}`, { token: admin, headers: { Accept: accept } });
    assert.equal(r.status, 404, String(accept));
    assert.equal(r.headers.get('content-type'), type, String(accept));
    if (text) assert.equal(r.text, text, String(accept));
    assert.ok(r.text.includes(message) || r.text.includes(message.replace(/'/g, '&#39;')), String(accept));
  }
});

test('known path with a wrong method → 405 with Allow', async () => {
  const r = await call(s.url, 'POST', '/v2/info/import', { token: admin });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET');
  const v = await call(s.url, 'DELETE', '/versions');
  assert.equal(v.status, 405);
  assert.equal(v.headers.get('allow'), 'GET');
});

test('missing, malformed, forged and expired credentials → 401 with WWW-Authenticate', async () => {
  const none = await call(s.url, 'GET', '/v2/info/import');
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer /);
  const junk = await call(s.url, 'GET', '/v2/info/import', { token: 'not-a-jwt' });
  assert.equal(junk.status, 401);
  assert.ok(!junk.text.includes('not-a-jwt'), 'the token is never echoed');
  const [h, p] = admin.split('.');
  const forged = await call(s.url, 'GET', '/v2/info/import', { token: `${h}.${p}.${'A'.repeat(86)}` });
  assert.equal(forged.status, 401);
  const expired = await s.token({ project: 'p1', roles: ['admin'], expiresIn: Math.floor(Date.now() / 1000) - 60 });
  const e = await call(s.url, 'GET', '/v2/info/import', { token: expired });
  assert.equal(e.status, 401);
  assert.match(e.body.message, /expired/);
  const bearer = await call(s.url, 'GET', '/v2/info/import', { headers: { Authorization: `Bearer ${admin}` } });
  assert.equal(bearer.status, 200);
});

test('a body on a route that takes none → 400; malformed JSON → 400', async () => {
  const r = await call(s.url, 'GET', '/v2/info/import', { token: admin, body: { a: 1 } });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /body is not expected/);
  const bad = await call(s.url, 'GET', '/v2/info/import', { token: admin, rawBody: '{"a":', headers: { 'Content-Type': 'application/json' } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /Malformed JSON/);
});

test('liveness and readiness', async () => {
  const live = await call(s.url, 'GET', '/healthz');
  assert.equal(live.status, 200);
  const ready = await call(s.url, 'GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.checks.mongodb, 'ok');
});

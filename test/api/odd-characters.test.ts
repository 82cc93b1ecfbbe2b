import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startServer, call, type TestServer } from '../helpers/server.js';

/**
 * Stored strings are valid Unicode without NUL (issue 14, defect 5): anything else is a 400
 * naming the field, and nothing is stored. Links built from names are percent-encoded
 * (defect 8): each one routes back to the resource it names.
 */

const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';

let s: TestServer;
let admin: string, member: string;
before(async () => {
  s = await startServer();
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  member = await s.token({ project: 'p1', roles: ['member'] });
});
after(() => s.close());

const imageCount = async () => (await call(s.url, 'GET', '/v2/images?limit=1000', { token: member })).body.images.length;
const namespaceNames = async () => (await call(s.url, 'GET', '/v2/metadefs/namespaces?limit=1000', { token: admin })).body.namespaces.map((n: { namespace: string }) => n.namespace);

function assert400Naming(r: { status: number; body: any; text: string }, field: RegExp) {
  assert.equal(r.status, 400, r.text);
  assert.match(r.body.message, field, r.text);
  assert.doesNotMatch(r.text, /[\ud800-\udfff]/, 'the message escapes what it names');
}

test('a NUL or a lone surrogate in a property name on image create is a 400 naming it, and no image is made', async () => {
  const before = await imageCount();
  for (const bad of ['a\u0000b', `x${LONE_HIGH}`, `${LONE_LOW}y`]) {
    const r = await call(s.url, 'POST', '/v2/images', { token: member, body: { name: 'n', [bad]: 'v' } });
    assert400Naming(r, /Invalid name '.*\\u(0000|d800|dc00).*' in request body/);
  }
  const r = await call(s.url, 'POST', '/v2/images', { token: member, body: { name: `bad${LONE_HIGH}`, ok: 'v' } });
  assert400Naming(r, /'name' in request body/);
  const nested = await call(s.url, 'POST', '/v2/images', { token: member, body: { tags: ['fine', 'x\u0000'] } });
  assert400Naming(nested, /'tags\.1' in request body/);
  assert.equal(await imageCount(), before);
});

test('valid text is still accepted in image properties', async () => {
  const r = await call(s.url, 'POST', '/v2/images', { token: member, body: { name: 'caf\u00e9 \u4e2d\u6587', 'k\u00e9y': '\u00fc' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.name, 'caf\u00e9 \u4e2d\u6587');
  assert.equal(r.body['k\u00e9y'], '\u00fc');
});

test('PATCH add of a property named with a NUL or a lone surrogate is a 400, and the image is unchanged', async () => {
  const img = (await call(s.url, 'POST', '/v2/images', { token: member, body: { name: 'patched' } })).body;
  const before = (await call(s.url, 'GET', `/v2/images/${img.id}`, { token: member })).body;
  for (const bad of ['p\u0000', `p${LONE_HIGH}`]) {
    const r = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: member, headers: PATCH, body: [{ op: 'add', path: `/${bad}`, value: 'v' }] });
    assert400Naming(r, /'0\.path' in request body/);
    const v = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: member, headers: PATCH, body: [{ op: 'add', path: '/ok', value: `v${LONE_LOW}` }] });
    assert400Naming(v, /'0\.value' in request body/);
  }
  assert.deepEqual((await call(s.url, 'GET', `/v2/images/${img.id}`, { token: member })).body, before);
});

test('a lone surrogate in a namespace name is a 400, and no namespace is stored', async () => {
  const before = await namespaceNames();
  const r = await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, body: { namespace: `ns${LONE_HIGH}` } });
  assert400Naming(r, /'namespace' in request body/);
  const nul = await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, body: { namespace: 'ns', properties: { 'p\u0000': { type: 'string', title: 't' } } } });
  assert400Naming(nul, /Invalid name 'properties\.p\\u0000' in request body/);
  assert.deepEqual(await namespaceNames(), before);
});

test('NUL in path and query parameters is a 400 naming the parameter', async () => {
  assert400Naming(await call(s.url, 'GET', '/v2/metadefs/namespaces/a%00b', { token: admin }), /'namespace' in path/);
  assert400Naming(await call(s.url, 'GET', '/v2/images?name=a%00', { token: member }), /'name' in query/);
  assert400Naming(await call(s.url, 'GET', '/v2/images?os_x%00=1', { token: member }), /Invalid name 'os_x\\u0000' in query/);
});

test('links and Location of names holding reserved characters are percent-encoded and route back', async () => {
  for (const name of ['a/b', 'c?d#e', '50%', '..', 'sp ace', 'caf\u00e9']) {
    const r = await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, body: { namespace: name, objects: [{ name: 'o/p' }] } });
    assert.equal(r.status, 201, r.text);
    const self = r.body.self as string;
    assert.equal(self, `/v2/metadefs/namespaces/${name === '..' ? '%2E%2E' : encodeURIComponent(name)}`);
    assert.equal(r.headers.get('location'), s.url + self);
    // (WHATWG URLs resolve %2E%2E as a dot segment, so that one goes out exactly as written)
    const get = (path: string) => (name === '..' ? rawGet(path, admin) : call(s.url, 'GET', path, { token: admin }));
    const back = await get(self);
    assert.equal(back.status, 200, `${name}: ${back.text}`);
    assert.equal(back.body.namespace, name);
    const obj = await get(back.body.objects[0].self);
    assert.equal(obj.status, 200, `${back.body.objects[0].self}: ${obj.text}`);
    assert.equal(obj.body.name, 'o/p');
  }
});

/** A GET with the path sent byte for byte (no client-side dot-segment resolution). */
function rawGet(path: string, token: string): Promise<{ status: number; body: any; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(s.url);
    const req = request({ host: u.hostname, port: u.port, path, headers: { 'X-Auth-Token': token } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), text }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('bodies nested deeper than the limit are a 400 naming where (a deep metadef default was a 500)', async () => {
  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const before = await namespaceNames();
  const body = `{"namespace":"deep","properties":{"p":{"type":"string","title":"t","default":${deep(20_000)}}}}`;
  const r = await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, rawBody: body, headers: { 'Content-Type': 'application/json' } });
  assert400Naming(r, /'properties\.p\.default\.a\.a.*' in request body: nested deeper than 32 levels/);
  const brackets = await call(s.url, 'POST', '/v2/images', { token: member, rawBody: `{"name":"x","p":${'['.repeat(400_000)}${']'.repeat(400_000)}}`, headers: { 'Content-Type': 'application/json' } });
  assert.equal(brackets.status, 400, brackets.text);
  assert.deepEqual(await namespaceNames(), before);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, type TestServer } from '../helpers/server.js';

/**
 * Namespace show and list answer cached JSON text: a cached body is never served to a caller
 * who may see something else, and every write is visible in the next answer.
 */
const NS = '/v2/metadefs/namespaces';
const names = (body: { namespaces: { namespace: string }[] }) => body.namespaces.map((n) => n.namespace).sort();

let s: TestServer;
let admin: string;
let a: string;
let aReader: string;
let b: string;

before(async () => {
  s = await startServer();
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  a = await s.token({ project: 'pa', roles: ['member'] });
  aReader = await s.token({ project: 'pa', roles: ['reader'] });
  b = await s.token({ project: 'pb', roles: ['member'] });
  for (const [namespace, owner, visibility] of [['RC::A', 'pa', 'private'], ['RC::B', 'pb', 'private'], ['RC::Pub', 'pb', 'public']]) {
    const body = { namespace, owner, visibility, properties: { size: { type: 'integer', title: 'Size' } }, resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'rc_' }] };
    assert.equal((await call(s.url, 'POST', NS, { token: admin, body })).status, 201);
  }
});
after(() => s.close());

test('list: each caller gets the namespaces it may see, whoever asked the same query first', async () => {
  for (let round = 0; round < 2; round++) {
    const asA = await call(s.url, 'GET', `${NS}?limit=50`, { token: a });
    assert.equal(asA.status, 200);
    assert.match(String(asA.headers.get('content-type')), /^application\/json/);
    assert.equal(Number(asA.headers.get('content-length')), Buffer.byteLength(asA.text));
    assert.deepEqual(names(asA.body).filter((n) => n.startsWith('RC::')), ['RC::A', 'RC::Pub']);
    const asB = await call(s.url, 'GET', `${NS}?limit=50`, { token: b });
    assert.deepEqual(names(asB.body).filter((n) => n.startsWith('RC::')), ['RC::B', 'RC::Pub']);
    const asAdmin = await call(s.url, 'GET', `${NS}?limit=50`, { token: admin });
    assert.deepEqual(names(asAdmin.body).filter((n) => n.startsWith('RC::')), ['RC::A', 'RC::B', 'RC::Pub']);
    const asReader = await call(s.url, 'GET', `${NS}?limit=50`, { token: aReader });
    assert.deepEqual(names(asReader.body).filter((n) => n.startsWith('RC::')), ['RC::A', 'RC::Pub']);
  }
  // a different query is a different answer
  const pub = await call(s.url, 'GET', `${NS}?limit=50&visibility=public`, { token: a });
  assert.ok(!names(pub.body).includes('RC::A'));
  assert.ok(names(pub.body).includes('RC::Pub'));
  const one = await call(s.url, 'GET', `${NS}?limit=1&sort_key=namespace&sort_dir=asc`, { token: admin });
  assert.equal(one.body.namespaces.length, 1);
  assert.match(one.body.first, /limit=1/);
});

test('show: a namespace shown to its owner stays hidden from others; resource_type prefixes', async () => {
  assert.equal((await call(s.url, 'GET', `${NS}/RC::A`, { token: a })).status, 200);
  assert.equal((await call(s.url, 'GET', `${NS}/RC::A`, { token: b })).status, 404);
  const plain = await call(s.url, 'GET', `${NS}/RC::Pub`, { token: a });
  assert.deepEqual(Object.keys(plain.body.properties), ['size']);
  const prefixed = await call(s.url, 'GET', `${NS}/RC::Pub?resource_type=OS::Glance::Image`, { token: a });
  assert.deepEqual(Object.keys(prefixed.body.properties), ['rc_size']);
  assert.equal(Number(prefixed.headers.get('content-length')), Buffer.byteLength(prefixed.text));
  assert.deepEqual(Object.keys((await call(s.url, 'GET', `${NS}/RC::Pub`, { token: b })).body.properties), ['size']);
});

test('writes show in the next list and show', async () => {
  const before = await call(s.url, 'GET', `${NS}?limit=50`, { token: b });
  assert.ok(!names(before.body).includes('RC::A'));
  assert.equal((await call(s.url, 'GET', `${NS}/RC::A`, { token: a })).body.display_name, undefined);
  const put = await call(s.url, 'PUT', `${NS}/RC::A`, { token: admin, body: { namespace: 'RC::A', owner: 'pa', visibility: 'public', display_name: 'Now public' } });
  assert.equal(put.status, 200);
  const after = await call(s.url, 'GET', `${NS}?limit=50`, { token: b });
  assert.ok(names(after.body).includes('RC::A'), 'the list follows the change of visibility');
  const shown = await call(s.url, 'GET', `${NS}/RC::A`, { token: b });
  assert.equal(shown.status, 200);
  assert.equal(shown.body.display_name, 'Now public');
  assert.equal((await call(s.url, 'DELETE', `${NS}/RC::A`, { token: admin })).status, 204);
  assert.ok(!names((await call(s.url, 'GET', `${NS}?limit=50`, { token: b })).body).includes('RC::A'));
  assert.equal((await call(s.url, 'GET', `${NS}/RC::A`, { token: a })).status, 404);
});

test('child reads: cached per caller like show, and a child write shows in the next read', async () => {
  const base = `${NS}/RC::B`;
  const paths = [`${base}/properties`, `${base}/properties/size`, `${base}/properties/rc_size?resource_type=OS::Glance::Image`, `${base}/objects`, `${base}/tags`, `${base}/resource_types`];
  for (let round = 0; round < 2; round++) {
    for (const p of paths) {
      const own = await call(s.url, 'GET', p, { token: b });
      assert.equal(own.status, 200, `${p} for its owner`);
      assert.equal(Number(own.headers.get('content-length')), Buffer.byteLength(own.text));
      assert.equal((await call(s.url, 'GET', p, { token: a })).status, 404, `${p} stays hidden from another project`);
    }
  }
  assert.equal((await call(s.url, 'GET', `${base}/properties/rc_size?resource_type=OS::Glance::Image`, { token: b })).body.name, 'size');
  assert.deepEqual((await call(s.url, 'GET', `${base}/objects`, { token: b })).body.objects, []);
  assert.equal((await call(s.url, 'POST', `${base}/objects`, { token: admin, body: { name: 'Obj' } })).status, 201);
  assert.equal((await call(s.url, 'POST', `${base}/properties`, { token: admin, body: { name: 'extra', title: 'Extra', type: 'string' } })).status, 201);
  assert.equal((await call(s.url, 'POST', `${base}/tags/T1`, { token: admin })).status, 201);
  assert.deepEqual((await call(s.url, 'GET', `${base}/objects`, { token: b })).body.objects.map((o: { name: string }) => o.name), ['Obj']);
  assert.equal((await call(s.url, 'GET', `${base}/objects/Obj`, { token: b })).body.name, 'Obj');
  assert.deepEqual(Object.keys((await call(s.url, 'GET', `${base}/properties`, { token: b })).body.properties).sort(), ['extra', 'size']);
  assert.deepEqual((await call(s.url, 'GET', `${base}/tags`, { token: b })).body.tags, [{ name: 'T1' }]);
  assert.equal((await call(s.url, 'GET', `${base}/tags/T1`, { token: b })).body.name, 'T1');
  const types = await call(s.url, 'GET', '/v2/metadefs/resource_types', { token: b });
  assert.ok(types.body.resource_types.some((t: { name: string }) => t.name === 'OS::Glance::Image'));
});

/**
 * Metadef answers shaped as upstream Glance 25 shapes them (seen with the differential lane):
 * `updated_at` only once something was updated, `required` on objects, property names.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { startServer, call, type TestServer } from '../helpers/server.js';

let s: TestServer;
let admin: string;
let reader: string;
const NS = '/v2/metadefs/namespaces';

before(async () => {
  s = await startServer({ METADEFS_AUTOLOAD_DIR: join(PROJECT_ROOT, 'etc', 'metadefs') });
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  reader = await s.token({ project: 'p1', roles: ['reader'] });
});
after(() => s.close());

test('loaded resources have no updated_at until updated; objects carry required', async () => {
  const ns = await call(s.url, 'GET', `${NS}/OS::Software::DBMS`, { token: reader });
  assert.equal(ns.status, 200);
  assert.ok(ns.body.created_at);
  assert.equal('updated_at' in ns.body, false);
  for (const o of ns.body.objects) {
    assert.equal('updated_at' in o, false, o.name);
    assert.deepEqual(o.required, [], o.name);
  }
  const list = await call(s.url, 'GET', `${NS}?limit=100`, { token: reader });
  for (const n of list.body.namespaces) assert.equal('updated_at' in n, false, n.namespace);
  const rts = await call(s.url, 'GET', '/v2/metadefs/resource_types', { token: reader });
  assert.ok(rts.body.resource_types.length >= 6);
  for (const r of rts.body.resource_types) {
    assert.ok(r.created_at);
    assert.equal('updated_at' in r, false, r.name);
  }
  const one = await call(s.url, 'GET', `${NS}/OS::Software::DBMS/objects/MySQL`, { token: reader });
  assert.deepEqual(one.body.required, []);
  assert.equal('updated_at' in one.body, false);
  // An update sets it.
  const upd = await call(s.url, 'PUT', `${NS}/OS::Software::DBMS/objects/MySQL`, { token: admin, body: { name: 'MySQL', properties: {} } });
  assert.equal(upd.status, 200, upd.text);
  assert.ok(upd.body.updated_at);
  assert.equal('required' in upd.body, false, 'the answer to a write leaves an empty required out, as upstream');
  const after = await call(s.url, 'GET', `${NS}/OS::Software::DBMS/objects/MySQL`, { token: reader });
  assert.ok(after.body.updated_at);
  assert.deepEqual(after.body.required, []);
});

test('a property asked by its prefixed name answers with its own name; API-created properties list their name', async () => {
  const p = await call(s.url, 'GET', `${NS}/OS::Compute::CPUPinning/properties/hw_cpu_policy?resource_type=OS::Glance::Image`, { token: reader });
  assert.equal(p.status, 200);
  assert.equal(p.body.name, 'cpu_policy');
  const loaded = await call(s.url, 'GET', `${NS}/OS::Compute::CPUPinning/properties`, { token: reader });
  assert.equal('name' in loaded.body.properties.cpu_policy, false, 'loaded definitions are listed as loaded');
  const ns = 'Upstream::Shapes';
  assert.equal((await call(s.url, 'POST', NS, { token: admin, body: { namespace: ns, visibility: 'public', resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'us_' }] } })).status, 201);
  const created = await call(s.url, 'POST', `${NS}/${ns}/properties`, { token: admin, body: { name: 'colour', title: 'Colour', type: 'string' } });
  assert.equal(created.status, 201, created.text);
  const listed = await call(s.url, 'GET', `${NS}/${ns}/properties`, { token: reader });
  assert.deepEqual(listed.body.properties.colour, { name: 'colour', title: 'Colour', type: 'string' });
  const full = await call(s.url, 'GET', `${NS}/${ns}`, { token: reader });
  assert.equal(full.body.properties.colour.name, 'colour');
  assert.ok(full.body.updated_at, 'created through the API: updated_at from the start, as upstream');
  assert.ok(full.body.resource_type_associations[0].updated_at, 'associations created through the API have updated_at');
  const assoc = await call(s.url, 'POST', `${NS}/${ns}/resource_types`, { token: admin, body: { name: 'OS::Nova::Flavor', prefix: 'us:' } });
  assert.equal(assoc.status, 201);
  assert.equal(assoc.body.updated_at, assoc.body.created_at);
  const assocs = await call(s.url, 'GET', `${NS}/${ns}/resource_types`, { token: reader });
  for (const a of assocs.body.resource_type_associations) assert.ok(a.updated_at, a.name);
});

test('bulk tag create with an empty list keeps the tags; deleting a tag of a protected namespace is 403', async () => {
  const ns = 'Upstream::Tags';
  assert.equal((await call(s.url, 'POST', NS, { token: admin, body: { namespace: ns, protected: true, tags: [{ name: 'a' }, { name: 'b' }] } })).status, 201);
  const empty = await call(s.url, 'POST', `${NS}/${ns}/tags`, { token: admin, body: { tags: [] } });
  assert.equal(empty.status, 201, empty.text);
  assert.deepEqual(empty.body, { tags: [] });
  const names = async () => (await call(s.url, 'GET', `${NS}/${ns}/tags`, { token: admin })).body.tags.map((t: { name: string }) => t.name).sort();
  assert.deepEqual(await names(), ['a', 'b']);
  const replaced = await call(s.url, 'POST', `${NS}/${ns}/tags`, { token: admin, body: { tags: [{ name: 'c' }] } });
  assert.equal(replaced.status, 201);
  assert.deepEqual(await names(), ['c']);
  const full = await call(s.url, 'GET', `${NS}/${ns}`, { token: admin });
  assert.deepEqual(full.body.tags, [{ name: 'c' }], 'a namespace shows its tags by name, as upstream');
  for (const tag of ['c', 'missing']) {
    const del = await call(s.url, 'DELETE', `${NS}/${ns}/tags/${tag}`, { token: admin });
    assert.equal(del.status, 403, tag);
  }
  assert.deepEqual(await names(), ['c']);
});

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sample } from '../helpers/samples.js';
import { startServer, call, type TestServer } from '../helpers/server.js';

/** Objects, properties, tags, resource type associations (glance-v2-api.md §2.8, §6; glance-authz.md §3.4). */
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const NS = '/v2/metadefs/namespaces';
const PUB = `${NS}/OS::Compute::Quota`; // public, owned by 'own'
const PRIV = `${NS}/Own::Private`; // private, owned by 'own'
const PROT = `${NS}/Prot::Ected`; // public, protected

let s: TestServer;
let admin: string;
let ownMember: string;
let ownReader: string;
let other: string;

before(async () => {
  s = await startServer();
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  ownMember = await s.token({ project: 'own', roles: ['member'] });
  ownReader = await s.token({ project: 'own', roles: ['reader'] });
  other = await s.token({ project: 'other', roles: ['member'] });
  for (const body of [
    { namespace: 'OS::Compute::Quota', visibility: 'public', owner: 'own', resource_type_associations: [{ name: 'OS::Nova::Flavor', prefix: 'quota:' }] },
    { namespace: 'Own::Private', owner: 'own' },
    { namespace: 'Prot::Ected', visibility: 'public', protected: true, properties: { p: { title: 'P', type: 'string' } }, objects: [{ name: 'o' }], tags: [{ name: 't' }], resource_type_associations: [{ name: 'OS::Glance::Image' }] },
  ]) {
    assert.equal((await call(s.url, 'POST', NS, { token: admin, body })).status, 201);
  }
});
after(() => s.close());

/** The refusals every write shares: members 403, invisible namespace 404, unknown namespace 404. */
async function refusals(method: string, sub: string, body?: unknown) {
  assert.equal((await call(s.url, method, `${PUB}${sub}`, { token: ownMember, body })).status, 403, `${method} ${sub} member`);
  assert.equal((await call(s.url, method, `${PUB}${sub}`, { token: ownReader, body })).status, 403, `${method} ${sub} reader`);
  assert.equal((await call(s.url, method, `${PRIV}${sub}`, { token: other, body })).status, 404, `${method} ${sub} invisible`);
  assert.equal((await call(s.url, method, `${NS}/Nope::Nope${sub}`, { token: admin, body })).status, 404, `${method} ${sub} unknown`);
  assert.equal((await call(s.url, method, `${PUB}${sub}`, { body })).status, 401, `${method} ${sub} no token`);
}

test('objects: create, list, show, replace, rename, delete, bulk delete; refusals', async () => {
  const req = sample('metadef-object-create-request.json');
  const want = sample('metadef-object-create-response.json');
  const c = await call(s.url, 'POST', `${PUB}/objects`, { token: admin, body: req });
  assert.equal(c.status, 201);
  assert.deepEqual(Object.keys(c.body).sort(), Object.keys(want).sort());
  for (const k of ['description', 'name', 'properties', 'required', 'schema']) assert.deepEqual(c.body[k], want[k], k);
  assert.equal(c.body.self, want.self.replace(/ /g, '%20'), 'self, percent-encoded (issue 14, defect 8)');
  assert.match(c.body.created_at, TS);
  assert.equal((await call(s.url, 'POST', `${PUB}/objects`, { token: admin, body: req })).status, 409);
  const list = await call(s.url, 'GET', `${PUB}/objects?limit=1&marker=x&sort_key=y`, { token: other });
  assert.equal(list.status, 200);
  assert.equal(list.body.schema, 'v2/schemas/metadefs/objects');
  assert.deepEqual(list.body.objects.map((o: any) => o.name), ['CPU Limits']);
  const show = await call(s.url, 'GET', `${PUB}/objects/CPU Limits`.replace(' ', '%20'), { token: other });
  assert.equal(show.status, 200);
  assert.deepEqual(show.body, c.body);
  assert.equal((await call(s.url, 'GET', `${PUB}/objects/nope`, { token: admin })).status, 404);
  assert.equal((await call(s.url, 'GET', `${PRIV}/objects`, { token: other })).status, 404);
  assert.equal((await call(s.url, 'GET', `${PRIV}/objects`, { token: ownReader })).status, 200);
  // PUT replaces: omitted fields are cleared; it may rename
  const put = await call(s.url, 'PUT', `${PUB}/objects/CPU%20Limits`, { token: admin, body: { name: 'CPU', description: 'new' } });
  assert.equal(put.status, 200);
  assert.deepEqual([put.body.name, put.body.description, 'properties' in put.body, 'required' in put.body], ['CPU', 'new', false, false]);
  assert.equal(put.body.self, `${PUB}/objects/CPU`);
  assert.equal((await call(s.url, 'GET', `${PUB}/objects/CPU%20Limits`, { token: admin })).status, 404);
  assert.equal((await call(s.url, 'POST', `${PUB}/objects`, { token: admin, body: { name: 'Other' } })).status, 201);
  assert.equal((await call(s.url, 'PUT', `${PUB}/objects/Other`, { token: admin, body: { name: 'CPU' } })).status, 409);
  // malformed
  for (const [b, status] of [[{}, 400], [{ name: 'x', bogus: 1 }, 400], [{ name: 'x', properties: { a: { type: 'string' } } }, 400], [{ name: 'x', properties: { a: { title: 'A', type: 'string', minimum: 1 } } }, 400], [{ name: 'x', self: 'y' }, 403]] as const) {
    assert.equal((await call(s.url, 'POST', `${PUB}/objects`, { token: admin, body: b })).status, status, JSON.stringify(b));
  }
  await refusals('POST', '/objects', { name: 'z' });
  await refusals('PUT', '/objects/CPU', { name: 'z' });
  await refusals('DELETE', '/objects/CPU');
  await refusals('DELETE', '/objects');
  // protected namespace: create/update allowed, deletes refused
  assert.equal((await call(s.url, 'PUT', `${PROT}/objects/o`, { token: admin, body: { name: 'o', description: 'd' } })).status, 200);
  assert.equal((await call(s.url, 'DELETE', `${PROT}/objects/o`, { token: admin })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `${PROT}/objects`, { token: admin })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/objects/CPU`, { token: admin })).status, 204);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/objects/CPU`, { token: admin })).status, 404);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/objects`, { token: admin })).status, 204);
  assert.deepEqual((await call(s.url, 'GET', `${PUB}/objects`, { token: admin })).body.objects, []);
});

test('properties: create, list, show (with resource_type prefix), replace, rename, delete; refusals', async () => {
  const req = sample('metadef-property-create-request.json');
  const c = await call(s.url, 'POST', `${PUB}/properties`, { token: admin, body: req });
  assert.equal(c.status, 201);
  assert.deepEqual(c.body, sample('metadef-property-create-response.json'));
  assert.equal((await call(s.url, 'POST', `${PUB}/properties`, { token: admin, body: req })).status, 409);
  const list = await call(s.url, 'GET', `${PUB}/properties`, { token: other });
  // Created through the property API, it is listed with its name inside, as upstream stores it.
  assert.deepEqual(list.body, { properties: { hypervisor_type: req } });
  assert.deepEqual((await call(s.url, 'GET', `${PUB}/properties/hypervisor_type`, { token: other })).body, sample('metadef-property-details-response.json'));
  const pre = await call(s.url, 'GET', `${PUB}/properties/quota:hypervisor_type?resource_type=OS::Nova::Flavor`, { token: other });
  assert.equal(pre.status, 200);
  assert.equal(pre.body.name, 'hypervisor_type', 'its own name, without the prefix, as upstream');
  assert.equal((await call(s.url, 'GET', `${PUB}/properties/hypervisor_type?resource_type=OS::Nova::Flavor`, { token: other })).status, 404, 'prefix missing');
  assert.equal((await call(s.url, 'GET', `${PUB}/properties/hypervisor_type?resource_type=OS::Glance::Image`, { token: other })).status, 200, 'not associated: no prefix');
  assert.equal((await call(s.url, 'GET', `${PRIV}/properties`, { token: other })).status, 404);
  assert.equal((await call(s.url, 'GET', `${PUB}/properties/nope`, { token: admin })).status, 404);
  // replace and rename
  const upd = await call(s.url, 'PUT', `${PUB}/properties/hypervisor_type`, { token: admin, body: sample('metadef-property-update-request.json') });
  assert.deepEqual(upd.body, sample('metadef-property-update-response.json'));
  const ren = await call(s.url, 'PUT', `${PUB}/properties/hypervisor_type`, { token: admin, body: { name: 'hv', title: 'HV', type: 'string' } });
  assert.deepEqual(ren.body, { name: 'hv', title: 'HV', type: 'string' });
  assert.equal((await call(s.url, 'POST', `${PUB}/properties`, { token: admin, body: { name: 'n', title: 'N', type: 'integer' } })).status, 201);
  assert.equal((await call(s.url, 'PUT', `${PUB}/properties/n`, { token: admin, body: { name: 'hv', title: 'N', type: 'integer' } })).status, 409);
  await refusals('POST', '/properties', { name: 'z', title: 'Z', type: 'string' });
  await refusals('PUT', '/properties/hv', { name: 'hv', title: 'Z', type: 'string' });
  await refusals('DELETE', '/properties/hv');
  await refusals('DELETE', '/properties');
  assert.equal((await call(s.url, 'DELETE', `${PROT}/properties/p`, { token: admin })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `${PROT}/properties`, { token: admin })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/properties/hv`, { token: admin })).status, 204);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/properties`, { token: admin })).status, 204);
  assert.deepEqual((await call(s.url, 'GET', `${PUB}/properties`, { token: admin })).body, { properties: {} });
});

test('property definitions: every type and keyword upstream accepts; invalid or unsafe definitions are 400 naming the problem', async () => {
  const ok = [
    { name: 's', title: 'S', type: 'string', minLength: 1, maxLength: 8, pattern: '^[a-z]+$', enum: ['ab', 'cd'], default: 'ab', readonly: false, description: 'd' },
    { name: 'nested', title: 'N', type: 'string', pattern: '^(a+)+$' },
    { name: 'i', title: 'I', type: 'integer', minimum: 0, maximum: 10, default: 3 },
    { name: 'n', title: 'N', type: 'number', minimum: 0.5, maximum: 1.5 },
    { name: 'b', title: 'B', type: 'boolean', default: false },
    { name: 'a', title: 'A', type: 'array', items: { type: 'string', enum: ['x', 'y'] }, minItems: 0, maxItems: 2, uniqueItems: true, additionalItems: false, operators: ['<or>', '<all-in>'] },
    { name: 'o', title: 'O', type: 'object', required: ['x'] },
    { name: 'dupenum', title: 'D', type: 'string', enum: ['x', 'x'] },
  ];
  for (const b of ok) {
    const r = await call(s.url, 'POST', `${PUB}/properties`, { token: admin, body: b });
    assert.equal(r.status, 201, `${JSON.stringify(b)}: ${r.text}`);
    assert.deepEqual(r.body, b);
  }
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ title: 'X', type: 'string' }, /name/],
    [{ name: 'x', type: 'string' }, /title/],
    [{ name: 'x', title: 'X' }, /type/],
    [{ name: 'x', title: 'X', type: 'date' }, /type/],
    [{ name: 'x', title: 'X', type: 'string', bogus: true }, /bogus/],
    [{ name: 'x', title: 'X', type: 'string', minLength: -1 }, /minLength/],
    [{ name: 'x', title: 'X', type: 'string', pattern: '(' }, /pattern.*not a valid regular expression/],
    [{ name: 'x', title: 'X', type: 'string', pattern: '^(a)\\1$' }, /pattern.*linear time/],
    [{ name: 'x', title: 'X', type: 'string', pattern: '^(?=a).*$' }, /pattern.*linear time/],
    [{ name: 'x', title: 'X', type: 'string', pattern: 'a'.repeat(1001) }, /pattern.*longer/],
    [{ name: 'x', title: 'X', type: 'string', minimum: 1 }, /'minimum' does not apply to type 'string'/],
    [{ name: 'x', title: 'X', type: 'integer', pattern: 'a' }, /'pattern' does not apply/],
    [{ name: 'x', title: 'X', type: 'integer', minimum: 5, maximum: 1 }, /'minimum' is greater than 'maximum'/],
    [{ name: 'x', title: 'X', type: 'string', minLength: 5, maxLength: 1 }, /'minLength' is greater/],
    [{ name: 'x', title: 'X', type: 'integer', enum: [1, 'two'] }, /enum value "two"/],
    [{ name: 'x', title: 'X', type: 'integer', default: 'one' }, /default "one"/],
    [{ name: 'x', title: 'X', type: 'integer', minimum: 1, default: 0 }, /default 0/],
    [{ name: 'x', title: 'X', type: 'string', items: { type: 'string' } }, /'items' does not apply/],
    [{ name: 'x', title: 'X', type: 'array', items: { type: 'nope' } }, /items/],
    [{ name: 'x', title: 'X', type: 'string', enum: [] }, /enum/],
    [{ name: 'x'.repeat(81), title: 'X', type: 'string' }, /name/],
  ];
  for (const [b, msg] of bad) {
    const r = await call(s.url, 'POST', `${PUB}/properties`, { token: admin, body: b });
    assert.equal(r.status, 400, JSON.stringify(b));
    assert.match(r.body.message, msg, JSON.stringify(b));
  }
  const put = await call(s.url, 'PUT', `${PUB}/properties/i`, { token: admin, body: { name: 'i', title: 'I', type: 'integer', maximum: -1, minimum: 0 } });
  assert.equal(put.status, 400);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/properties`, { token: admin })).status, 204);
});

test('tags: bulk create replaces unless X-Openstack-Append, single create, list paging, rename, delete; refusals', async () => {
  const bulk = await call(s.url, 'POST', `${PUB}/tags`, { token: admin, body: sample('metadef-tags-create-request.json') });
  assert.equal(bulk.status, 201);
  assert.deepEqual(bulk.body, sample('metadef-tags-create-response.json'));
  const list = await call(s.url, 'GET', `${PUB}/tags`, { token: other });
  assert.deepEqual(list.body, sample('metadef-tags-list-response.json'));
  const appended = await call(s.url, 'POST', `${PUB}/tags`, { token: admin, body: { tags: [{ name: 'extra' }] }, headers: { 'X-Openstack-Append': 'True' } });
  assert.equal(appended.status, 201);
  assert.deepEqual(appended.body, { tags: [{ name: 'extra' }] });
  const names = async (q = '') => (await call(s.url, 'GET', `${PUB}/tags${q}`, { token: admin })).body.tags.map((t: any) => t.name);
  assert.deepEqual((await names('?sort_key=name&sort_dir=asc')), ['extra', 'sample-tag1', 'sample-tag2', 'sample-tag3']);
  assert.deepEqual((await names('?sort_key=name&sort_dir=asc&limit=2&marker=extra')), ['sample-tag1', 'sample-tag2']);
  assert.deepEqual((await names('?sort_key=name&sort_dir=desc&limit=1')), ['sample-tag3']);
  for (const q of ['?sort_key=bogus', '?sort_dir=sideways', '?limit=-2']) assert.equal((await call(s.url, 'GET', `${PUB}/tags${q}`, { token: admin })).status, 400, q);
  assert.equal((await call(s.url, 'GET', `${PUB}/tags?marker=nope`, { token: admin })).status, 404);
  // duplicates: in the request, or against existing tags with append → 409 and nothing changes
  assert.equal((await call(s.url, 'POST', `${PUB}/tags`, { token: admin, body: { tags: [{ name: 'd' }, { name: 'd' }] } })).status, 409);
  assert.equal((await call(s.url, 'POST', `${PUB}/tags`, { token: admin, body: { tags: [{ name: 'new1' }, { name: 'extra' }] }, headers: { 'X-Openstack-Append': 'yes' } })).status, 409);
  assert.equal((await names()).length, 4);
  for (const b of [{}, { tags: [{}] }, { tags: [{ name: 'a', x: 1 }] }, { tags: [{ name: 'x'.repeat(81) }] }]) {
    assert.equal((await call(s.url, 'POST', `${PUB}/tags`, { token: admin, body: b })).status, 400, JSON.stringify(b));
  }
  // without the header: replaced
  const replaced = await call(s.url, 'POST', `${PUB}/tags`, { token: admin, body: { tags: [{ name: 'only' }] }, headers: { 'X-Openstack-Append': 'false' } });
  assert.equal(replaced.status, 201);
  assert.deepEqual(await names(), ['only']);
  // single tag
  const one = await call(s.url, 'POST', `${PUB}/tags/added-sample-tag`, { token: admin });
  assert.equal(one.status, 201);
  assert.deepEqual(Object.keys(one.body).sort(), Object.keys(sample('metadef-tag-create-response.json')).sort());
  assert.equal(one.body.name, 'added-sample-tag');
  assert.match(one.body.created_at, TS);
  assert.equal((await call(s.url, 'POST', `${PUB}/tags/added-sample-tag`, { token: admin })).status, 409);
  assert.equal((await call(s.url, 'POST', `${PUB}/tags/${'x'.repeat(81)}`, { token: admin })).status, 400);
  assert.equal((await call(s.url, 'POST', `${PUB}/tags/withbody`, { token: admin, body: { name: 'x' } })).status, 400);
  assert.deepEqual((await call(s.url, 'GET', `${PUB}/tags/added-sample-tag`, { token: other })).body, one.body);
  assert.equal((await call(s.url, 'GET', `${PUB}/tags/nope`, { token: other })).status, 404);
  assert.equal((await call(s.url, 'GET', `${PRIV}/tags`, { token: other })).status, 404);
  const ren = await call(s.url, 'PUT', `${PUB}/tags/added-sample-tag`, { token: admin, body: sample('metadef-tag-update-request.json') });
  assert.equal(ren.status, 200);
  assert.equal(ren.body.name, 'new-tag-name');
  assert.equal((await call(s.url, 'PUT', `${PUB}/tags/new-tag-name`, { token: admin, body: { name: 'only' } })).status, 409);
  assert.equal((await call(s.url, 'PUT', `${PUB}/tags/new-tag-name`, { token: admin, body: { name: 'x', created_at: 'y' } })).status, 403);
  await refusals('POST', '/tags', { tags: [{ name: 'z' }] });
  await refusals('POST', '/tags/z');
  await refusals('PUT', '/tags/only', { name: 'z' });
  await refusals('DELETE', '/tags/only');
  await refusals('DELETE', '/tags');
  assert.equal((await call(s.url, 'DELETE', `${PROT}/tags/t`, { token: admin })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `${PROT}/tags`, { token: admin })).status, 403);
  assert.equal((await call(s.url, 'POST', `${PROT}/tags/t2`, { token: admin })).status, 201, 'creates are allowed in protected namespaces');
  assert.equal((await call(s.url, 'DELETE', `${PUB}/tags/only`, { token: admin })).status, 204);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/tags`, { token: admin })).status, 204);
  assert.deepEqual(await names(), []);
});

test('resource types and associations: list, associate (type created on the fly), dissociate; refusals', async () => {
  const rts = await call(s.url, 'GET', '/v2/metadefs/resource_types', { token: other });
  assert.equal(rts.status, 200);
  const names = rts.body.resource_types.map((r: any) => r.name);
  for (const n of ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Aggregate', 'OS::Nova::Server']) assert.ok(names.includes(n), n);
  // Resource types are never updated: no updated_at, as upstream.
  assert.ok(rts.body.resource_types.every((r: any) => TS.test(r.created_at) && !('updated_at' in r)));
  assert.equal((await call(s.url, 'GET', '/v2/metadefs/resource_types')).status, 401);
  const noRole = await s.token({ project: 'own', roles: ['observer'] });
  assert.equal((await call(s.url, 'GET', '/v2/metadefs/resource_types', { token: noRole })).status, 403);

  const req = sample('metadef-resource-type-create-request.json');
  const c = await call(s.url, 'POST', `${PUB}/resource_types`, { token: admin, body: req });
  assert.equal(c.status, 201);
  assert.deepEqual(Object.keys(c.body).sort(), Object.keys(sample('metadef-resource-type-assoc-create-response.json')).sort());
  assert.deepEqual([c.body.name, c.body.prefix, c.body.properties_target], [req.name, req.prefix, req.properties_target]);
  assert.equal((await call(s.url, 'POST', `${PUB}/resource_types`, { token: admin, body: req })).status, 409);
  const fresh = await call(s.url, 'POST', `${PUB}/resource_types`, { token: admin, body: { name: 'Custom::Thing' } });
  assert.deepEqual(Object.keys(fresh.body).sort(), ['created_at', 'name', 'updated_at']);
  assert.ok((await call(s.url, 'GET', '/v2/metadefs/resource_types', { token: other })).body.resource_types.some((r: any) => r.name === 'Custom::Thing'));
  const list = await call(s.url, 'GET', `${PUB}/resource_types`, { token: other });
  assert.deepEqual(list.body.resource_type_associations.map((a: any) => a.name), ['OS::Nova::Flavor', 'OS::Cinder::Volume', 'Custom::Thing']);
  // Created through the API: updated_at from the start, as upstream.
  assert.ok(list.body.resource_type_associations.every((a: any) => TS.test(a.created_at) && TS.test(a.updated_at)));
  assert.equal((await call(s.url, 'GET', `${PRIV}/resource_types`, { token: other })).status, 404);
  for (const b of [{}, { name: 'x', bogus: 1 }, { name: 'x'.repeat(81) }, { name: 'x', prefix: 'p'.repeat(81) }]) {
    assert.equal((await call(s.url, 'POST', `${PUB}/resource_types`, { token: admin, body: b })).status, 400, JSON.stringify(b));
  }
  assert.equal((await call(s.url, 'POST', `${PUB}/resource_types`, { token: admin, body: { name: 'y', created_at: 'z' } })).status, 403);
  await refusals('POST', '/resource_types', { name: 'z' });
  await refusals('DELETE', '/resource_types/Custom::Thing');
  assert.equal((await call(s.url, 'DELETE', `${PROT}/resource_types/OS::Glance::Image`, { token: admin })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/resource_types/Custom::Thing`, { token: admin })).status, 204);
  assert.equal((await call(s.url, 'DELETE', `${PUB}/resource_types/Custom::Thing`, { token: admin })).status, 404);
  const filtered = await call(s.url, 'GET', `${NS}?resource_types=OS::Cinder::Volume`, { token: other });
  assert.deepEqual(filtered.body.namespaces.map((n: any) => n.namespace), ['OS::Compute::Quota']);
});

test('concurrent edits of one namespace never lose each other\'s children', async () => {
  const N = 6;
  const writes = [];
  for (let i = 0; i < N; i++) {
    writes.push(call(s.url, 'POST', `${PUB}/objects`, { token: admin, body: { name: `obj${i}` } }));
    writes.push(call(s.url, 'POST', `${PUB}/properties`, { token: admin, body: { name: `prop${i}`, title: 'P', type: 'string' } }));
    writes.push(call(s.url, 'POST', `${PUB}/tags/tag${i}`, { token: admin }));
  }
  writes.push(call(s.url, 'PUT', PUB, { token: admin, body: { namespace: 'OS::Compute::Quota', visibility: 'public', owner: 'own', display_name: 'Quota' } }));
  const results = await Promise.all(writes);
  assert.ok(results.every((r) => r.status === 201 || r.status === 200), results.map((r) => r.status).join(','));
  const show = await call(s.url, 'GET', PUB, { token: admin });
  assert.equal(show.body.display_name, 'Quota');
  assert.equal(show.body.objects.length, N);
  assert.equal(Object.keys(show.body.properties).length, N);
  assert.equal(show.body.tags.length, N);
});

test('the rules come from the policy: a POLICY_FILE can let project members edit their namespaces', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const file = join(mkdtempSync(join(tmpdir(), 'metadef-policy-')), 'policy.yaml');
  writeFileSync(file, [
    `add_metadef_property: "rule:context_is_admin or (role:member and project_id:%(project_id)s)"`,
    `add_metadef_tag: "rule:context_is_admin or (role:member and project_id:%(project_id)s)"`,
    `get_metadef_tags: "rule:context_is_admin"`,
  ].join('\n'));
  const s2 = await startServer({ POLICY_FILE: file });
  try {
    const adm = await s2.token({ project: 'adm', roles: ['admin'] });
    const member = await s2.token({ project: 'own', roles: ['member'] });
    const stranger = await s2.token({ project: 'other', roles: ['member'] });
    assert.equal((await call(s2.url, 'POST', NS, { token: adm, body: { namespace: 'Pol::Icy', visibility: 'public', owner: 'own' } })).status, 201);
    const prop = { name: 'p', title: 'P', type: 'string' };
    assert.equal((await call(s2.url, 'POST', `${NS}/Pol::Icy/properties`, { token: member, body: prop })).status, 201);
    assert.equal((await call(s2.url, 'POST', `${NS}/Pol::Icy/properties`, { token: stranger, body: { ...prop, name: 'q' } })).status, 403);
    assert.equal((await call(s2.url, 'POST', `${NS}/Pol::Icy/tags/t`, { token: member })).status, 201);
    assert.equal((await call(s2.url, 'DELETE', `${NS}/Pol::Icy/properties/p`, { token: member })).status, 403, 'remove_metadef_property stays admin-only');
    assert.equal((await call(s2.url, 'GET', `${NS}/Pol::Icy/tags`, { token: member })).status, 403, 'visible but get_metadef_tags refused');
    assert.equal((await call(s2.url, 'GET', `${NS}/Pol::Icy`, { token: member })).status, 403, 'namespace show also needs get_metadef_tags');
  } finally {
    await s2.close();
  }
});

test('4-byte UTF-8 characters are refused with 400 naming the field, as upstream\'s database does', async () => {
  const emoji = 'x\u{1F600}';
  const cases: [string, string, unknown][] = [
    ['POST', NS, { namespace: 'Emoji::NS', description: emoji }],
    ['POST', `${PUB}/objects`, { name: 'o', description: emoji }],
    ['POST', `${PUB}/properties`, { name: 'p', title: emoji, type: 'string' }],
    ['POST', `${PUB}/tags`, { tags: [{ name: emoji }] }],
    ['POST', `${PUB}/resource_types`, { name: emoji }],
  ];
  for (const [method, path, body] of cases) {
    const r = await call(s.url, method, path, { token: admin, body });
    assert.equal(r.status, 400, path);
    assert.match(r.body.message, /4-byte UTF-8/, path);
  }
  assert.equal((await call(s.url, 'POST', `${PUB}/tags/${encodeURIComponent(emoji)}`, { token: admin })).status, 400);
});

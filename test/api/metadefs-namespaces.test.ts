import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sample } from '../helpers/samples.js';
import { startServer, call, type TestServer } from '../helpers/server.js';

/** Namespaces and schemas (glance-v2-api.md §2.4, §2.8, §6; glance-authz.md §3.4, §4.3). */
const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const NS = '/v2/metadefs/namespaces';

let s: TestServer;
let admin: string;
let ownMember: string;
let ownReader: string;
let other: string;
const events: string[] = [];

before(async () => {
  s = await startServer();
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  ownMember = await s.token({ project: 'own', roles: ['member'] });
  ownReader = await s.token({ project: 'own', roles: ['reader'] });
  other = await s.token({ project: 'other', roles: ['member'] });
  const n = s.app.services.notifier;
  const emit = n.emit.bind(n);
  n.emit = (event, payload, ctx) => {
    events.push(event);
    emit(event, payload, ctx);
  };
  // owned by 'own': one private, one public
  for (const [namespace, visibility] of [['Own::Private', 'private'], ['Own::Public', 'public']]) {
    const r = await call(s.url, 'POST', NS, { token: admin, body: { namespace, visibility, owner: 'own' } });
    assert.equal(r.status, 201);
  }
});
after(() => s.close());

test('create: the simple sample answers 201 with the sample\'s fields and a Location', async () => {
  const req = sample('metadef-namespace-create-request-simple.json');
  const want = sample('metadef-namespace-create-response-simple.json');
  const r = await call(s.url, 'POST', NS, { token: admin, body: req });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('location'), `${s.url}${NS}/FredCo::SomeCategory::Example`);
  assert.deepEqual(Object.keys(r.body).sort(), Object.keys(want).sort());
  for (const k of ['description', 'display_name', 'namespace', 'protected', 'schema', 'self', 'visibility']) assert.deepEqual(r.body[k], want[k], k);
  assert.equal(r.body.owner, 'adm');
  assert.match(r.body.created_at, TS);
  assert.equal(r.body.updated_at, r.body.created_at);
  assert.ok(events.includes('metadef_namespace.create'));
});

test('create with inline children; show returns them, resource_type prefixes property names', async () => {
  const req = sample('metadef-namespace-create-request.json');
  req.resource_type_associations = [{ name: 'OS::Glance::Image', prefix: 'hw_' }, { name: 'OS::Nova::Flavor', prefix: 'hw:' }];
  req.objects = [{ name: 'Obj', description: 'd', required: ['a'], properties: { a: { title: 'A', type: 'integer', minimum: 1 } } }];
  req.tags = [{ name: 't1' }, { name: 't2' }];
  const r = await call(s.url, 'POST', NS, { token: admin, body: req });
  assert.equal(r.status, 201);
  assert.deepEqual(r.body.properties, req.properties);
  const show = await call(s.url, 'GET', `${NS}/OS::Compute::Hypervisor`, { token: other });
  assert.equal(show.status, 200);
  assert.deepEqual(show.body.properties, req.properties);
  assert.deepEqual(show.body.resource_type_associations.map((a: any) => [a.name, a.prefix]), [['OS::Glance::Image', 'hw_'], ['OS::Nova::Flavor', 'hw:']]);
  // Created through the API, associations have updated_at from the start, as upstream.
  assert.ok(show.body.resource_type_associations.every((a: any) => TS.test(a.created_at) && a.updated_at === a.created_at));
  assert.deepEqual(show.body.objects.map((o: any) => [o.name, o.self, o.schema, o.required]), [['Obj', `${NS}/OS::Compute::Hypervisor/objects/Obj`, '/v2/schemas/metadefs/object', ['a']]]);
  assert.deepEqual(show.body.tags.map((t: any) => t.name).sort(), ['t1', 't2']);
  assert.ok(show.body.tags.every((t: any) => Object.keys(t).join() === 'name'), 'a namespace shows its tags by name only, as upstream');
  const prefixed = await call(s.url, 'GET', `${NS}/OS::Compute::Hypervisor?resource_type=OS::Nova::Flavor`, { token: other });
  assert.deepEqual(Object.keys(prefixed.body.properties).sort(), ['hw:hypervisor_type', 'hw:vm_mode']);
  assert.deepEqual(Object.keys(prefixed.body.objects[0].properties), ['hw:a']);
  assert.deepEqual(prefixed.body.objects[0].required, ['hw:a']);
  const unassociated = await call(s.url, 'GET', `${NS}/OS::Compute::Hypervisor?resource_type=OS::Cinder::Volume`, { token: other });
  assert.deepEqual(Object.keys(unassociated.body.properties).sort(), ['hypervisor_type', 'vm_mode']);
});

test('create: refused for non-admins, duplicates, bad bodies and read-only keys', async () => {
  const body = { namespace: 'Refused::One' };
  assert.equal((await call(s.url, 'POST', NS, { token: ownMember, body })).status, 403);
  assert.equal((await call(s.url, 'POST', NS, { token: ownReader, body })).status, 403);
  assert.equal((await call(s.url, 'POST', NS, { body })).status, 401);
  const dup = await call(s.url, 'POST', NS, { token: admin, body: { namespace: 'Own::Public' } });
  assert.equal(dup.status, 409);
  const cases: [unknown, number, RegExp?][] = [
    [{}, 400, /namespace/],
    [{ namespace: 'X::Y', bogus: 1 }, 400, /bogus/],
    [{ namespace: 'X::Y', visibility: 'shared' }, 400, /visibility/],
    [{ namespace: 'X::Y', display_name: 'x'.repeat(81) }, 400, /display_name/],
    [{ namespace: 'x'.repeat(81) }, 400, /namespace/],
    [{ namespace: 'X::Y', protected: 'yes' }, 400, /protected/],
    [{ namespace: 'X::Y', properties: { p: { title: 'P' } } }, 400, /type/],
    [{ namespace: 'X::Y', properties: { p: { title: 'P', type: 'string', pattern: '(x)\\1' } } }, 400, /pattern/],
    [{ namespace: 'X::Y', tags: [{ name: 'a' }, { name: 'a' }] }, 409],
    [{ namespace: 'X::Y', self: '/x' }, 403, /self/],
    [{ namespace: 'X::Y', created_at: '2020-01-01T00:00:00Z' }, 403, /created_at/],
  ];
  for (const [b, status, msg] of cases) {
    const r = await call(s.url, 'POST', NS, { token: admin, body: b });
    assert.equal(r.status, status, JSON.stringify(b));
    if (msg) assert.match(r.body.message, msg, JSON.stringify(b));
  }
  assert.equal((await call(s.url, 'GET', `${NS}/X::Y`, { token: admin })).status, 404, 'nothing half-created');
  assert.equal((await call(s.url, 'POST', NS, { token: admin, rawBody: '{"namespace": ', headers: { 'Content-Type': 'application/json' } })).status, 400);
});

test('show: owner and admin see a private namespace, other projects get 404; a body is refused', async () => {
  const own = await call(s.url, 'GET', `${NS}/Own::Private`, { token: ownReader });
  assert.equal(own.status, 200);
  assert.deepEqual(Object.keys(own.body).sort(), ['created_at', 'namespace', 'owner', 'protected', 'schema', 'self', 'updated_at', 'visibility']);
  assert.equal((await call(s.url, 'GET', `${NS}/Own::Private`, { token: admin })).status, 200);
  assert.equal((await call(s.url, 'GET', `${NS}/Own::Private`, { token: other })).status, 404);
  assert.equal((await call(s.url, 'GET', `${NS}/Own::Public`, { token: other })).status, 200);
  assert.equal((await call(s.url, 'GET', `${NS}/Nope::Nope`, { token: admin })).status, 404);
  assert.equal((await call(s.url, 'GET', `${NS}/Own::Public`, { token: admin, body: { a: 1 } })).status, 400);
  const noRole = await s.token({ project: 'own', roles: ['observer'] });
  assert.equal((await call(s.url, 'GET', `${NS}/Own::Public`, { token: noRole })).status, 404);
});

test('list: visibility per caller, filters, sorting, limit/marker with next links, bad parameters', async () => {
  const names = async (token: string, q = '') => (await call(s.url, 'GET', `${NS}${q}`, { token })).body.namespaces.map((n: any) => n.namespace);
  const mine = await names(ownReader, '?limit=100');
  assert.ok(mine.includes('Own::Private') && mine.includes('Own::Public') && mine.includes('FredCo::SomeCategory::Example'));
  const theirs = await names(other, '?limit=100');
  assert.ok(!theirs.includes('Own::Private') && theirs.includes('Own::Public'));
  assert.deepEqual(await names(ownReader, '?visibility=private'), ['Own::Private']);
  assert.deepEqual(await names(admin, '?resource_types=OS::Nova::Flavor'), ['OS::Compute::Hypervisor']);
  const all = await names(admin, '?limit=100&sort_key=namespace&sort_dir=asc');
  assert.deepEqual(all, [...all].sort());
  const p1 = await call(s.url, 'GET', `${NS}?sort_key=namespace&sort_dir=asc&limit=2`, { token: admin });
  assert.equal(p1.status, 200);
  assert.equal(p1.body.first, `${NS}?sort_key=namespace&sort_dir=asc&limit=2`);
  assert.equal(p1.body.schema, '/v2/schemas/metadefs/namespaces');
  assert.equal(p1.body.next, `${NS}?sort_key=namespace&sort_dir=asc&limit=2&marker=${encodeURIComponent(all[1])}`);
  const p2 = await call(s.url, 'GET', p1.body.next, { token: admin });
  assert.deepEqual(p2.body.namespaces.map((n: any) => n.namespace), all.slice(2, 4));
  assert.equal(p2.body.first, p1.body.first);
  assert.ok(p1.body.namespaces.every((n: any) => !('properties' in n) && !('objects' in n) && !('tags' in n)));
  for (const q of ['?visibility=shared', '?sort_dir=up', '?sort_key=owner', '?limit=-1', '?limit=x']) {
    assert.equal((await call(s.url, 'GET', `${NS}${q}`, { token: admin })).status, 400, q);
  }
  assert.equal((await call(s.url, 'GET', `${NS}?marker=Nope::Nope`, { token: admin })).status, 404);
  assert.equal((await call(s.url, 'GET', `${NS}?marker=Own::Private`, { token: other })).status, 404, 'an invisible marker is unknown');
  const noRole = await s.token({ project: 'own', roles: ['observer'] });
  assert.equal((await call(s.url, 'GET', NS, { token: noRole })).status, 404);
});

test('update: a full replace (omitted fields back to defaults, children kept); refusals', async () => {
  const path = `${NS}/OS::Compute::Hypervisor`;
  const req = sample('metadef-namespace-update-request.json');
  const want = sample('metadef-namespace-update-response.json');
  const r = await call(s.url, 'PUT', path, { token: admin, body: { namespace: req.namespace, protected: false } });
  assert.equal(r.status, 200);
  assert.equal(r.body.visibility, 'private');
  assert.equal(r.body.owner, 'adm');
  assert.ok(!('display_name' in r.body) && !('description' in r.body) && !('properties' in r.body));
  const full = await call(s.url, 'PUT', path, { token: admin, body: req });
  assert.deepEqual(Object.keys(full.body).sort(), Object.keys(want).sort());
  for (const k of ['description', 'display_name', 'namespace', 'protected', 'schema', 'self', 'visibility']) assert.deepEqual(full.body[k], want[k], k);
  const show = await call(s.url, 'GET', path, { token: admin });
  assert.deepEqual(Object.keys(show.body.properties).sort(), ['hypervisor_type', 'vm_mode'], 'children untouched');
  assert.ok(events.includes('metadef_namespace.update'));
  // rename, and back
  const renamed = await call(s.url, 'PUT', `${NS}/Own::Public`, { token: admin, body: { namespace: 'Own::Renamed', visibility: 'public', owner: 'own' } });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.self, `${NS}/Own::Renamed`);
  assert.equal((await call(s.url, 'GET', `${NS}/Own::Public`, { token: admin })).status, 404);
  assert.equal((await call(s.url, 'PUT', `${NS}/Own::Renamed`, { token: admin, body: { namespace: 'Own::Public', visibility: 'public', owner: 'own' } })).status, 200);
  assert.equal((await call(s.url, 'PUT', `${NS}/Own::Public`, { token: admin, body: { namespace: 'Own::Private', visibility: 'public', owner: 'own' } })).status, 409);
  assert.equal((await call(s.url, 'PUT', `${NS}/Own::Public`, { token: ownMember, body: { namespace: 'Own::Public' } })).status, 403);
  assert.equal((await call(s.url, 'PUT', `${NS}/Own::Private`, { token: other, body: { namespace: 'Own::Private' } })).status, 404);
  assert.equal((await call(s.url, 'PUT', `${NS}/Own::Public`, { token: admin, body: { namespace: 'Own::Public', updated_at: 'x' } })).status, 403);
  assert.equal((await call(s.url, 'PUT', `${NS}/Own::Public`, { token: admin, body: { display_name: 'x' } })).status, 400);
  assert.equal((await call(s.url, 'PUT', `${NS}/Nope::Nope`, { token: admin, body: { namespace: 'Nope::Nope' } })).status, 404);
});

test('delete: protected refuses (403) until unprotected, then cascades to every child', async () => {
  const path = `${NS}/Cascade::Me`;
  const body = { namespace: 'Cascade::Me', visibility: 'public', protected: true, properties: { p: { title: 'P', type: 'string' } }, objects: [{ name: 'o' }], tags: [{ name: 't' }], resource_type_associations: [{ name: 'OS::Glance::Image' }] };
  assert.equal((await call(s.url, 'POST', NS, { token: admin, body })).status, 201);
  assert.equal((await call(s.url, 'DELETE', path, { token: ownMember })).status, 403);
  const refused = await call(s.url, 'DELETE', path, { token: admin });
  assert.equal(refused.status, 403);
  assert.match(refused.body.message, /protected/);
  assert.equal((await call(s.url, 'PUT', path, { token: admin, body: { namespace: 'Cascade::Me', visibility: 'public', protected: false } })).status, 200);
  const id = (await s.mongo.db.collection('metadef_namespaces').findOne({ namespace: 'Cascade::Me' }))!._id;
  assert.equal((await call(s.url, 'DELETE', path, { token: admin })).status, 204);
  assert.equal((await call(s.url, 'GET', path, { token: admin })).status, 404);
  for (const c of ['metadef_properties', 'metadef_objects', 'metadef_tags', 'metadef_namespace_resource_types']) {
    assert.equal(await s.mongo.db.collection(c).countDocuments({ ns_id: id }), 0, c);
  }
  assert.equal((await call(s.url, 'DELETE', path, { token: admin })).status, 404);
  assert.equal((await call(s.url, 'DELETE', `${NS}/Own::Private`, { token: other })).status, 404);
  assert.ok(events.includes('metadef_namespace.delete'));
});

test('schemas: the ten metadef schema documents are upstream\'s', async () => {
  const files: Record<string, string> = {
    namespace: 'schemas-metadef-namespace-show-response.json',
    namespaces: 'schemas-metadef-namespaces-list-response.json',
    object: 'schemas-metadef-object-show-response.json',
    objects: 'schemas-metadef-objects-list-response.json',
    property: 'schemas-metadef-property-show-response.json',
    properties: 'schemas-metadef-properties-list-response.json',
    resource_type: 'schemas-metadef-resource-type-association-show-response.json',
    resource_types: 'schemas-metadef-resource-type-associations-list-response.json',
    tag: 'schemas-metadef-tag-show-response.json',
    tags: 'schemas-metadef-tags-list-response.json',
  };
  // The api-ref samples come from a later release that allows 255-character names; Glance 25,
  // the release this service answers like, declares (and enforces) 80.
  const glance25 = (doc: unknown, key = ''): unknown => {
    if (Array.isArray(doc)) return doc.map((x) => glance25(x));
    if (!doc || typeof doc !== 'object') return doc;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) out[k] = key === 'name' && k === 'maxLength' ? 80 : glance25(v, k);
    return out;
  };
  for (const [name, file] of Object.entries(files)) {
    const r = await call(s.url, 'GET', `/v2/schemas/metadefs/${name}`, { token: other });
    assert.equal(r.status, 200, name);
    // The property schema also allows this service's x- extensions (README, deliberate differences).
    const expected = glance25(sample(file)) as Record<string, unknown>;
    assert.deepEqual(r.body, name === 'property' ? { ...expected, patternProperties: { '^x-': {} } } : expected, name);
  }
  const post = await call(s.url, 'POST', '/v2/schemas/metadefs/namespace', { token: admin });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET');
});

test('system- and domain-scoped tokens, even admin, get 404 from every metadef call', async () => {
  const system = await s.token({ project: null, roles: ['admin'], extra: { system_scope: 'all' } });
  const domain = await s.token({ project: null, roles: ['admin'], extra: { domain_id: 'default' } });
  for (const token of [system, domain]) {
    assert.equal((await call(s.url, 'GET', NS, { token })).status, 404);
    assert.equal((await call(s.url, 'GET', `${NS}/Own::Public`, { token })).status, 404);
    assert.equal((await call(s.url, 'POST', NS, { token, body: { namespace: 'Scoped::No' } })).status, 404);
    assert.equal((await call(s.url, 'PUT', `${NS}/Own::Public`, { token, body: { namespace: 'Own::Public' } })).status, 404);
    assert.equal((await call(s.url, 'POST', `${NS}/Own::Public/tags/x`, { token })).status, 404);
    assert.equal((await call(s.url, 'GET', '/v2/metadefs/resource_types', { token })).status, 404);
  }
});

test('names with spaces and non-ASCII characters work in paths, links and the Location header', async () => {
  const name = 'Ünï Cødé::Näme';
  const c = await call(s.url, 'POST', NS, { token: admin, body: { namespace: name, visibility: 'public' } });
  assert.equal(c.status, 201);
  assert.equal(c.headers.get('location'), `${s.url}${NS}/${encodeURI(name)}`);
  // links are percent-encoded, so each one routes back (issue 14, defect 8)
  assert.equal(c.body.self, `${NS}/${encodeURI(name)}`);
  const path = `${NS}/${encodeURIComponent(name)}`;
  assert.equal((await call(s.url, 'GET', path, { token: other })).body.namespace, name);
  const o = await call(s.url, 'POST', `${path}/objects`, { token: admin, body: { name: 'a/b c' } });
  assert.equal(o.status, 201);
  assert.equal(o.body.self, `${NS}/${encodeURI(name)}/objects/a%2Fb%20c`);
  assert.equal((await call(s.url, 'GET', o.body.self, { token: other })).status, 200);
  assert.equal((await call(s.url, 'GET', `${path}/objects/${encodeURIComponent('a/b c')}`, { token: other })).status, 200);
  assert.equal((await call(s.url, 'DELETE', path, { token: admin })).status, 204);
});

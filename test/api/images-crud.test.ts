import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sample } from '../helpers/samples.js';
import { startServer, call, type TestServer } from '../helpers/server.js';

const PATCH21 = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
const PATCH20 = { 'Content-Type': 'application/openstack-images-v2.0-json-patch' };

let s: TestServer;
let admin: string, om: string, or: string, other: string;
before(async () => {
  s = await startServer();
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  om = await s.token({ project: 'p1', roles: ['member'] });
  or = await s.token({ project: 'p1', roles: ['reader'] });
  other = await s.token({ project: 'p2', roles: ['member'] });
});
after(() => s.close());

const create = async (body: Record<string, unknown> = {}, token = om) => {
  const r = await call(s.url, 'POST', '/v2/images', { token, body });
  assert.equal(r.status, 201, r.text);
  return r.body;
};

test('create answers 201 with the sample key set, defaults and Location', async () => {
  const req = sample('image-create-request');
  const r = await call(s.url, 'POST', '/v2/images', { token: om, body: req });
  assert.equal(r.status, 201, r.text);
  const want = sample('image-create-response');
  delete want.locations; // shown only with show_multiple_locations
  assert.deepEqual(Object.keys(r.body).sort(), Object.keys(want).sort());
  for (const k of ['status', 'name', 'tags', 'container_format', 'disk_format', 'size', 'min_disk', 'min_ram', 'protected', 'id', 'checksum', 'os_hash_algo', 'os_hash_value', 'os_hidden', 'virtual_size', 'schema', 'self', 'file']) {
    assert.deepEqual(r.body[k], want[k], k);
  }
  assert.equal(r.body.visibility, 'shared', 'new images default to shared (§7.1)');
  assert.equal(r.body.owner, 'p1');
  assert.match(r.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(r.body.created_at, r.body.updated_at);
  assert.equal(r.headers.get('location'), `${s.url}/v2/images/${req.id}`);
  assert.equal(r.headers.get('openstack-image-import-methods'), 'glance-direct,web-download,copy-image');
  const shown = await call(s.url, 'GET', `/v2/images/${req.id}`, { token: or });
  assert.equal(shown.status, 200);
  assert.deepEqual(shown.body, r.body);
  const dup = await call(s.url, 'POST', '/v2/images', { token: om, body: req });
  assert.equal(dup.status, 409);
});

test('create with custom properties and tags; properties render first as strings', async () => {
  const img = await create({ name: 'x', tags: ['a', 'b', 'a'], hw_disk_bus: 'scsi', 'com.vendor.x': 'y', description: 'd', min_ram: 512 });
  assert.deepEqual(img.tags.sort(), ['a', 'b']);
  assert.equal(img.hw_disk_bus, 'scsi');
  assert.equal(img['com.vendor.x'], 'y');
  assert.equal(img.min_ram, 512);
  assert.deepEqual(Object.keys(img).slice(0, 3).sort(), ['com.vendor.x', 'description', 'hw_disk_bus']);
  const shown = await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om });
  assert.equal(shown.body['com.vendor.x'], 'y');
});

test('create refuses bad input with 400 naming the field, and stores nothing', async () => {
  const before = (await call(s.url, 'GET', '/v2/images?limit=1000', { token: admin })).body.images.length;
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ min_ram: 'x' }, /min_ram/],
    [{ min_disk: -1 }, /min_disk/],
    [{ min_ram: 2 ** 31 }, /min_ram/],
    [{ disk_format: 'floppy' }, /disk_format/],
    [{ container_format: 'tar' }, /container_format/],
    [{ visibility: 'everyone' }, /visibility/],
    [{ name: 'n'.repeat(256) }, /name/],
    [{ protected: 'yes' }, /protected/],
    [{ id: 'not-a-uuid' }, /id/],
    [{ custom: 5 }, /custom/],
    [{ custom: null }, /custom/],
    [{ tags: 'a' }, /tags/],
    [{ tags: ['t'.repeat(256)] }, /tags/],
    [{ ['k'.repeat(256)]: 'v' }, /longer than 255/],
  ];
  for (const [body, field] of cases) {
    const r = await call(s.url, 'POST', '/v2/images', { token: om, body });
    assert.equal(r.status, 400, JSON.stringify(body) + r.text);
    assert.match(r.body.message, field, JSON.stringify(body));
  }
  for (const raw of ['[1,2]', '"x"', '{bad json']) {
    const r = await call(s.url, 'POST', '/v2/images', { token: om, rawBody: raw, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400, raw);
  }
  const after = (await call(s.url, 'GET', '/v2/images?limit=1000', { token: admin })).body.images.length;
  assert.equal(after, before);
});

test('create refuses read-only and reserved attributes with 403', async () => {
  for (const k of ['status', 'checksum', 'size', 'virtual_size', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'locations', 'os_hash_algo', 'os_hash_value', 'location', 'deleted', 'deleted_at', 'os_glance_x', 'os_glancefoo']) {
    const r = await call(s.url, 'POST', '/v2/images', { token: om, body: { [k]: k === 'locations' ? [] : 'v' } });
    assert.equal(r.status, 403, k);
  }
});

test('create: owner, visibility and role rules', async () => {
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: om, body: { owner: 'p9' } })).status, 403);
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: om, body: { visibility: 'public' } })).status, 403);
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: or, body: {} })).status, 403);
  const community = await create({ visibility: 'community' });
  assert.equal(community.visibility, 'community');
  const priv = await create({ visibility: 'private' });
  assert.equal(priv.visibility, 'private');
  const pub = await create({ visibility: 'public', owner: 'p9' }, admin);
  assert.equal(pub.owner, 'p9');
  assert.equal(pub.visibility, 'public');
  assert.equal((await call(s.url, 'POST', '/v2/images', { body: {} })).status, 401);
});

test('show: 404 for unknown, invisible and deleted images', async () => {
  const priv = await create({ visibility: 'private' });
  assert.equal((await call(s.url, 'GET', `/v2/images/${priv.id}`, { token: other })).status, 404);
  assert.equal((await call(s.url, 'GET', `/v2/images/${priv.id}`, { token: admin })).status, 200);
  assert.equal((await call(s.url, 'GET', '/v2/images/00000000-0000-0000-0000-000000000000', { token: om })).status, 404);
  assert.equal((await call(s.url, 'GET', '/v2/images/nope', { token: om })).status, 404);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${priv.id}`, { token: om })).status, 204);
  assert.equal((await call(s.url, 'GET', `/v2/images/${priv.id}`, { token: admin })).status, 404);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${priv.id}`, { token: om })).status, 404);
});

test('PATCH v2.1: sample request gives the sample fields; add overwrites, replace/remove missing → 409', async () => {
  const img = await create({ name: 'old', disk_format: 'vhd', container_format: 'ovf', min_disk: 20, min_ram: 512 });
  const r = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: sample('image-update-request') });
  assert.equal(r.status, 200, r.text);
  const want = sample('image-update-response');
  assert.deepEqual(Object.keys(r.body).sort(), Object.keys(want).sort());
  assert.equal(r.body.name, 'Fedora 17');
  assert.deepEqual(r.body.tags.sort(), ['beefy', 'fedora']);
  for (const k of ['container_format', 'disk_format', 'min_disk', 'min_ram', 'os_hidden', 'protected', 'schema']) assert.deepEqual(r.body[k], want[k], k);
  const add = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'add', path: '/name', value: 'n2' }, { op: 'add', path: '/p', value: '1' }, { op: 'add', path: '/p', value: '2' }] });
  assert.equal(add.status, 200, add.text);
  assert.equal(add.body.name, 'n2');
  assert.equal(add.body.p, '2');
  const rm = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'remove', path: '/p' }] });
  assert.equal(rm.status, 200);
  assert.equal(rm.body.p, undefined);
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'remove', path: '/p' }] })).status, 409);
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'replace', path: '/q', value: 'x' }] })).status, 409);
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'remove', path: '/name' }] })).status, 403);
  // a refused change leaves everything as it was (atomic)
  const mixed = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'add', path: '/z', value: 'z' }, { op: 'replace', path: '/missing', value: 'x' }] });
  assert.equal(mixed.status, 409);
  assert.equal((await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om })).body.z, undefined);
});

test('PATCH v2.0 media type: add of an existing attribute → 409', async () => {
  const img = await create({ name: 'a' });
  const r = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH20, body: [{ add: '/k', value: 'v' }, { replace: '/name', value: 'b' }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.k, 'v');
  assert.equal(r.body.name, 'b');
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH20, body: [{ add: '/k', value: 'w' }] })).status, 409);
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH20, body: [{ add: '/name', value: 'w' }] })).status, 409);
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH20, body: [{ add: '/x', replace: '/y', value: 'w' }] })).status, 400);
});

test('PATCH: media types, malformed documents, prototype paths', async () => {
  const img = await create({ name: 'a' });
  const url = `/v2/images/${img.id}`;
  for (const ct of ['application/json', 'application/json-patch+json', undefined]) {
    const r = await call(s.url, 'PATCH', url, { token: om, headers: ct ? { 'Content-Type': ct } : {}, rawBody: '[]' });
    assert.equal(r.status, 415, String(ct));
    assert.equal(r.headers.get('accept-patch'), 'application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch');
  }
  const bad: unknown[] = [
    { op: 'add', path: '/x', value: 'y' },
    [{ op: 'bogus', path: '/x', value: 'y' }],
    [{ path: '/x', value: 'y' }],
    [{ op: 'add', value: 'y' }],
    [{ op: 'add', path: '/x' }],
    ['x'],
    [{ op: 'add', path: 'x', value: 'y' }],
    [{ op: 'add', path: '/x/', value: 'y' }],
    [{ op: 'add', path: '//x', value: 'y' }],
    [{ op: 'add', path: '/x/y', value: 'y' }],
    [{ op: 'add', path: '/a~2b', value: 'y' }],
    [{ op: 'add', path: '/__proto__', value: 'y' }],
    [{ op: 'add', path: '/__proto__', value: { polluted: 'yes' } }],
    [{ op: 'add', path: '/constructor/prototype', value: 'y' }],
    [{ op: 'add', path: '/constructor', value: 'y' }],
    [{ op: 'replace', path: '/min_ram', value: 'x' }],
    [{ op: 'replace', path: '/visibility', value: 'nope' }],
    [{ op: 'add', path: '/custom', value: 1 }],
  ];
  for (const body of bad) {
    const r = await call(s.url, 'PATCH', url, { token: om, headers: PATCH21, body });
    assert.equal(r.status, 400, JSON.stringify(body) + ' ' + r.text);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const shown = await call(s.url, 'GET', url, { token: om });
  assert.equal(shown.body.name, 'a');
  assert.equal(shown.body.updated_at, img.updated_at);
  const ok = await call(s.url, 'PATCH', url, { token: om, headers: PATCH21, body: [{ op: 'add', path: '/a~1b~0c', value: 'v' }] });
  assert.equal(ok.status, 200);
  assert.equal(ok.body['a/b~c'], 'v');
});

test('PATCH: read-only, reserved, owner, visibility and format rules', async () => {
  const img = await create({ name: 'a', disk_format: 'raw', container_format: 'bare' });
  const url = `/v2/images/${img.id}`;
  const p = (body: unknown, token = om) => call(s.url, 'PATCH', url, { token, headers: PATCH21, body });
  for (const k of ['status', 'checksum', 'size', 'virtual_size', 'id', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'os_hash_algo', 'os_hash_value', 'location', 'deleted', 'deleted_at', 'os_glance_foo']) {
    assert.equal((await p([{ op: 'replace', path: `/${k}`, value: 'x' }])).status, 403, k);
  }
  assert.equal((await p([{ op: 'replace', path: '/owner', value: 'p2' }])).status, 403);
  assert.equal((await p([{ op: 'replace', path: '/visibility', value: 'public' }])).status, 403);
  assert.equal((await p([{ op: 'replace', path: '/visibility', value: 'community' }])).body.visibility, 'community');
  assert.equal((await p([{ op: 'replace', path: '/visibility', value: 'public' }], admin)).body.visibility, 'public');
  assert.equal((await p([{ op: 'replace', path: '/name', value: 'x' }], or)).status, 403);
  assert.equal((await p([{ op: 'replace', path: '/name', value: 'x' }], other)).status, 403, 'public image: visible but not modifiable');
  assert.equal((await p([{ op: 'replace', path: '/disk_format', value: 'qcow2' }])).body.disk_format, 'qcow2');
  const owned = await p([{ op: 'replace', path: '/owner', value: 'p2' }], admin);
  assert.equal(owned.body.owner, 'p2');
  // formats only while queued/importing
  await s.app.services.images.repo.transition(img.id, 'active');
  assert.equal((await p([{ op: 'replace', path: '/disk_format', value: 'raw' }], admin)).status, 403);
  assert.equal((await p([{ op: 'replace', path: '/os_hidden', value: true }], admin)).body.os_hidden, true);
  const priv = await create({ visibility: 'private' });
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${priv.id}`, { token: other, headers: PATCH21, body: [] })).status, 404);
});

test('delete: protected → 403 for everyone; reader and others refused; anonymous 401', async () => {
  const img = await create({ protected: true });
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: admin })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: or })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: other })).status, 404);
  const r = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'replace', path: '/protected', value: false }] });
  assert.equal(r.body.protected, false);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: om, rawBody: 'x' })).status, 400, 'no body expected');
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: om })).status, 204);
  const doc = await s.mongo.db.collection('images').findOne({ _id: img.id });
  assert.equal(doc?.status, 'deleted');
  assert.equal(doc?.deleted, true);
});

test('tags: add idempotent, delete, 404 for a missing tag, length and quota limits', async () => {
  const img = await create();
  const url = `/v2/images/${img.id}/tags`;
  assert.equal((await call(s.url, 'PUT', `${url}/t1`, { token: om })).status, 204);
  assert.equal((await call(s.url, 'PUT', `${url}/t1`, { token: om })).status, 204);
  assert.equal((await call(s.url, 'PUT', `${url}/t%202`, { token: om })).status, 204);
  assert.deepEqual((await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om })).body.tags.sort(), ['t 2', 't1']);
  assert.equal((await call(s.url, 'DELETE', `${url}/t1`, { token: om })).status, 204);
  assert.equal((await call(s.url, 'DELETE', `${url}/t1`, { token: om })).status, 404);
  assert.equal((await call(s.url, 'PUT', `${url}/${'x'.repeat(256)}`, { token: om })).status, 400);
  assert.equal((await call(s.url, 'PUT', `${url}/t3`, { token: or })).status, 403);
  assert.deepEqual((await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om })).body.tags, ['t 2']);
});

test('path parameters are percent-decoded exactly once; bad encodings are a 400', async () => {
  const img = await create();
  const url = `/v2/images/${img.id}/tags`;
  // "50%25 off" is the tag "50% off", and "a%2Fb" a tag with a slash in it.
  assert.equal((await call(s.url, 'PUT', `${url}/${encodeURIComponent('50% off')}`, { token: om })).status, 204);
  assert.equal((await call(s.url, 'PUT', `${url}/${encodeURIComponent('a/b')}`, { token: om })).status, 204);
  assert.deepEqual((await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om })).body.tags.sort(), ['50% off', 'a/b']);
  assert.equal((await call(s.url, 'DELETE', `${url}/${encodeURIComponent('50% off')}`, { token: om })).status, 204);
  const bad = await call(s.url, 'PUT', `${url}/bad%zzenc`, { token: om });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.body.message, /percent-encoding/);
});

test('schemas: image (with null in format enums), images, member, members', async () => {
  const img = await call(s.url, 'GET', '/v2/schemas/image', { token: or });
  assert.equal(img.status, 200);
  const want = sample('schemas-image-show-response');
  assert.deepEqual(img.body.additionalProperties, { type: 'string' });
  assert.deepEqual(img.body.links, want.links);
  assert.deepEqual(img.body.properties.disk_format.enum, want.properties.disk_format.enum);
  assert.deepEqual(img.body.properties.container_format.enum, want.properties.container_format.enum);
  assert.deepEqual([...img.body.properties.visibility.enum].sort(), ['community', 'private', 'public', 'shared']);
  for (const k of Object.keys(want.properties)) assert.ok(k in img.body.properties, k);
  const imgs = await call(s.url, 'GET', '/v2/schemas/images', { token: or });
  assert.deepEqual(imgs.body.properties.images.items, img.body);
  assert.deepEqual(imgs.body.links, sample('schemas-images-list-response').links);
  assert.deepEqual((await call(s.url, 'GET', '/v2/schemas/member', { token: or })).body, sample('schemas-image-member-show-response'));
  assert.deepEqual((await call(s.url, 'GET', '/v2/schemas/members', { token: or })).body, sample('schemas-image-members-list-response'));
  assert.equal((await call(s.url, 'POST', '/v2/schemas/image', { token: or })).status, 405);
});

test('4-byte UTF-8 characters are refused with 400 on writes', async () => {
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: om, body: { name: 'smile 😀' } })).status, 400);
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: om, body: { note: '😀' } })).status, 400);
  const img = await create({ name: 'é ok' });
  assert.equal(img.name, 'é ok');
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'add', path: '/k', value: '😀' }] })).status, 400);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${img.id}/tags/${encodeURIComponent('😀')}`, { token: om })).status, 400);
});

test('notifications use Glance event names and payloads, once per change, none for a refused request', async () => {
  const events: string[] = [];
  const payloads: Record<string, unknown>[] = [];
  const n = s.app.services.notifier;
  const orig = n.emit;
  n.emit = (event, payload, ctx) => {
    if ((payload as { id?: string }).id === id) {
      events.push(event);
      payloads.push(payload as Record<string, unknown>);
    }
    orig.call(n, event, payload, ctx);
  };
  let id = '';
  try {
    id = '6b1f6a2e-1c9d-4a0e-9a51-0b3c7c9d2e11';
    await create({ id, disk_format: 'raw', container_format: 'bare' });
    await call(s.url, 'PATCH', `/v2/images/${id}`, { token: om, headers: PATCH21, body: [{ op: 'add', path: '/k', value: 'v' }] });
    await s.app.services.images.repo.transition(id, 'active');
    assert.equal((await call(s.url, 'PATCH', `/v2/images/${id}`, { token: or, headers: PATCH21, body: [{ op: 'add', path: '/k2', value: 'v' }] })).status, 403);
    await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: om });
    await call(s.url, 'POST', `/v2/images/${id}/actions/reactivate`, { token: om });
    await call(s.url, 'DELETE', `/v2/images/${id}`, { token: om });
  } finally {
    n.emit = orig;
  }
  // Deactivate and reactivate are updates of the image, as in Glance.
  assert.deepEqual(events, ['image.create', 'image.update', 'image.update', 'image.update', 'image.delete']);
  const keys = ['id', 'name', 'status', 'created_at', 'updated_at', 'min_disk', 'min_ram', 'protected', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'is_public', 'visibility', 'properties', 'tags', 'deleted', 'deleted_at'];
  for (const p of payloads) assert.deepEqual(Object.keys(p).sort(), [...keys].sort());
  assert.deepEqual(payloads[1].properties, { k: 'v' });
  assert.equal(payloads[2].status, 'deactivated');
  assert.equal(payloads[3].status, 'active');
  assert.equal(payloads[4].deleted, true);
  assert.match(String(payloads[4].deleted_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

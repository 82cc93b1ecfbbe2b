import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sample } from '../helpers/samples.js';
import { startServer, call, type TestServer } from '../helpers/server.js';

const PATCH21 = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };

let s: TestServer;
let adm: string, om: string, or: string, sa: string, sp: string, ns: string, saReader: string;
const events: { event: string; payload: Record<string, unknown> }[] = [];
before(async () => {
  s = await startServer();
  adm = await s.token({ project: 'adm', roles: ['admin'] });
  om = await s.token({ project: 'p1', roles: ['member'] });
  or = await s.token({ project: 'p1', roles: ['reader'] });
  sa = await s.token({ project: 'p2', roles: ['member'] });
  saReader = await s.token({ project: 'p2', roles: ['reader'] });
  sp = await s.token({ project: 'p3', roles: ['member'] });
  ns = await s.token({ project: 'p4', roles: ['member'] });
  const n = s.app.services.notifier;
  const orig = n.emit.bind(n);
  n.emit = (event, payload, ctx) => {
    events.push({ event, payload: payload as Record<string, unknown> });
    orig(event, payload, ctx);
  };
});
after(() => s.close());

async function sharedImage(extra: Record<string, unknown> = {}) {
  const r = await call(s.url, 'POST', '/v2/images', { token: om, body: { name: 'sh', ...extra } });
  assert.equal(r.status, 201);
  const id = r.body.id;
  for (const m of ['p2', 'p3']) assert.equal((await call(s.url, 'POST', `/v2/images/${id}/members`, { token: om, body: { member: m } })).status, 200);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/members/p2`, { token: sa, body: { status: 'accepted' } })).status, 200);
  return id as string;
}

test('add member: sample shape, pending, duplicate 409, refusals', async () => {
  const img = (await call(s.url, 'POST', '/v2/images', { token: om, body: { name: 'm' } })).body;
  const r = await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: om, body: sample('image-member-create-request') });
  assert.equal(r.status, 200, r.text);
  const want = sample('image-member-create-response');
  assert.deepEqual(Object.keys(r.body).sort(), Object.keys(want).sort());
  assert.equal(r.body.status, 'pending');
  assert.equal(r.body.member_id, '8989447062e04a818baf9e073fd04fa7');
  assert.equal(r.body.image_id, img.id);
  assert.equal(r.body.schema, '/v2/schemas/member');
  assert.match(r.body.created_at, /Z$/);
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: om, body: sample('image-member-create-request') })).status, 409);
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: om, body: {} })).status, 400);
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: om, body: { member: '' } })).status, 400);
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: or, body: { member: 'x' } })).status, 403);
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: ns, body: { member: 'x' } })).status, 404);
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: adm, body: { member: 'x' } })).status, 200);
  const ev = events.find((e) => e.event === 'image.member.create' && e.payload.image_id === img.id);
  assert.ok(ev, 'image.member.create notified');
  const priv = (await call(s.url, 'POST', '/v2/images', { token: om, body: { visibility: 'private' } })).body;
  assert.equal((await call(s.url, 'POST', `/v2/images/${priv.id}/members`, { token: om, body: { member: 'x' } })).status, 403);
  assert.equal((await call(s.url, 'POST', `/v2/images/${priv.id}/members`, { token: adm, body: { member: 'x' } })).status, 403);
});

test('list/show members: owner sees all rows, a member only its own (sample shapes)', async () => {
  const id = await sharedImage();
  const all = await call(s.url, 'GET', `/v2/images/${id}/members`, { token: or });
  assert.equal(all.status, 200);
  assert.deepEqual(Object.keys(all.body).sort(), Object.keys(sample('image-members-list-response')).sort());
  assert.equal(all.body.schema, '/v2/schemas/members');
  assert.deepEqual(all.body.members.map((m: any) => `${m.member_id}:${m.status}`).sort(), ['p2:accepted', 'p3:pending']);
  const own = await call(s.url, 'GET', `/v2/images/${id}/members`, { token: sp });
  assert.deepEqual(own.body.members.map((m: any) => m.member_id), ['p3']);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members`, { token: ns })).status, 404);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members`, { token: adm })).body.members.length, 2);
  const show = await call(s.url, 'GET', `/v2/images/${id}/members/p2`, { token: sa });
  assert.equal(show.status, 200);
  assert.deepEqual(Object.keys(show.body).sort(), Object.keys(sample('image-member-details-response')).sort());
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members/p3`, { token: sa })).status, 404, 'another member row');
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members/p3`, { token: om })).status, 200);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members/p9`, { token: om })).status, 404);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members/p2`, { token: ns })).status, 404);
});

test('update member status: only the member (or admin), never the owner', async () => {
  const id = await sharedImage();
  const r = await call(s.url, 'PUT', `/v2/images/${id}/members/p3`, { token: sp, body: sample('image-member-update-request') });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), Object.keys(sample('image-member-update-response')).sort());
  assert.equal(r.body.status, 'accepted');
  assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/members/p3`, { token: om, body: { status: 'rejected' } })).status, 403);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/members/p3`, { token: sa, body: { status: 'rejected' } })).status, 404);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/members/p2`, { token: saReader, body: { status: 'rejected' } })).status, 403);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/members/p3`, { token: sp, body: { status: 'maybe' } })).status, 400);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/members/p3`, { token: sp, body: {} })).status, 400);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/members/p3`, { token: ns, body: { status: 'accepted' } })).status, 404);
  const a = await call(s.url, 'PUT', `/v2/images/${id}/members/p3`, { token: adm, body: { status: 'rejected' } });
  assert.equal(a.body.status, 'rejected');
  assert.ok(events.some((e) => e.event === 'image.member.update' && e.payload.image_id === id));
});

test('delete member: owner or admin only; 404 when absent', async () => {
  const id = await sharedImage();
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}/members/p2`, { token: sa })).status, 403, 'even its own row');
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}/members/p2`, { token: or })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}/members/p2`, { token: om })).status, 204);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}/members/p2`, { token: om })).status, 404);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}`, { token: sa })).status, 404, 'no longer visible');
  assert.ok(events.some((e) => e.event === 'image.member.delete' && e.payload.image_id === id));
});

test('member status gates listing, not access; leaving shared keeps rows that grant nothing', async () => {
  const id = await sharedImage();
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}`, { token: sp })).status, 200, 'pending member can read');
  const listed = async (t: string, qs = '') => (await call(s.url, 'GET', `/v2/images${qs}`, { token: t })).body.images.some((i: any) => i.id === id);
  assert.equal(await listed(sa), true);
  assert.equal(await listed(sp), false);
  assert.equal(await listed(sp, '?member_status=pending'), true);
  const toPrivate = await call(s.url, 'PATCH', `/v2/images/${id}`, { token: om, headers: PATCH21, body: [{ op: 'replace', path: '/visibility', value: 'private' }] });
  assert.equal(toPrivate.status, 200);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}`, { token: sa })).status, 404);
  assert.equal(await listed(sa), false);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members`, { token: om })).status, 403);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members/p2`, { token: om })).status, 404);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${id}/members/p2`, { token: adm, body: { status: 'pending' } })).status, 403);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}/members/p2`, { token: om })).status, 403);
  await call(s.url, 'PATCH', `/v2/images/${id}`, { token: om, headers: PATCH21, body: [{ op: 'replace', path: '/visibility', value: 'shared' }] });
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members/p2`, { token: sa })).body.status, 'accepted', 'old rows revive');
  assert.equal(await listed(sa), true);
  // community images: members API refused
  await call(s.url, 'PATCH', `/v2/images/${id}`, { token: om, headers: PATCH21, body: [{ op: 'replace', path: '/visibility', value: 'community' }] });
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members`, { token: ns })).status, 403);
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/members`, { token: om, body: { member: 'p5' } })).status, 403);
  // deleting the image deletes its members
  await call(s.url, 'PATCH', `/v2/images/${id}`, { token: om, headers: PATCH21, body: [{ op: 'replace', path: '/visibility', value: 'shared' }] });
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}`, { token: om })).status, 204);
  const doc = await s.mongo.db.collection('images').findOne({ _id: id as never });
  assert.deepEqual(doc?.members, []);
  assert.deepEqual(doc?.member_projects, []);
  assert.equal((await call(s.url, 'GET', `/v2/images/${id}/members`, { token: om })).status, 404);
});

test('concurrent member additions all persist', async () => {
  const img = (await call(s.url, 'POST', '/v2/images', { token: om, body: {} })).body;
  const rs = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((m) => call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: om, body: { member: m } })));
  for (const r of rs) assert.equal(r.status, 200, r.text);
  const list = await call(s.url, 'GET', `/v2/images/${img.id}/members`, { token: om });
  assert.deepEqual(list.body.members.map((m: any) => m.member_id).sort(), ['a', 'b', 'c', 'd', 'e']);
});

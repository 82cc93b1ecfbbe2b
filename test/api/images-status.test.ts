import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sample } from '../helpers/samples.js';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { imageRecord, member } from '../helpers/images.js';
import type { ImageStatus } from '../../src/domain/image-status.js';

let s: TestServer;
let adm: string, om: string, or: string, sa: string, ns: string;
before(async () => {
  s = await startServer();
  adm = await s.token({ project: 'adm', roles: ['admin'] });
  om = await s.token({ project: 'p1', roles: ['member'] });
  or = await s.token({ project: 'p1', roles: ['reader'] });
  sa = await s.token({ project: 'p2', roles: ['member'] });
  ns = await s.token({ project: 'p4', roles: ['member'] });
});
after(() => s.close());

async function seed(status: ImageStatus, extra: Record<string, unknown> = {}) {
  const img = imageRecord({ status, disk_format: 'raw', container_format: 'bare', members: [member('p2', 'accepted')], ...extra });
  await s.app.services.images.repo.insertMany([img]);
  return img._id;
}
const statusOf = async (id: string) => (await s.app.services.images.repo.get(id))!.status;

test('deactivate/reactivate: active ⇄ deactivated, idempotent, sample body', async () => {
  const id = await seed('active');
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: om })).status, 204);
  assert.equal(await statusOf(id), 'deactivated');
  const shown = await call(s.url, 'GET', `/v2/images/${id}`, { token: om });
  const want = sample('image-details-deactivate-response');
  assert.deepEqual(Object.keys(shown.body).sort(), Object.keys(want).sort());
  assert.equal(shown.body.status, 'deactivated');
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: om })).status, 204, 'no-op');
  assert.equal(await statusOf(id), 'deactivated');
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/reactivate`, { token: adm })).status, 204);
  assert.equal(await statusOf(id), 'active');
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/reactivate`, { token: om })).status, 204, 'no-op');
  assert.equal(await statusOf(id), 'active');
});

test('deactivate/reactivate refusals: wrong status 403, reader/member-project 403, invisible 404, body 400', async () => {
  for (const st of ['queued', 'saving', 'uploading', 'importing', 'killed', 'pending_delete'] as ImageStatus[]) {
    const id = await seed(st);
    assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: om })).status, 403, `deactivate ${st}`);
    assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/reactivate`, { token: om })).status, 403, `reactivate ${st}`);
    assert.equal(await statusOf(id), st);
  }
  const id = await seed('active');
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: or })).status, 403);
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: sa })).status, 403);
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: ns })).status, 404);
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`)).status, 401);
  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: om, body: {} })).status, 400);
  assert.equal((await call(s.url, 'POST', '/v2/images/nope/actions/reactivate', { token: om })).status, 404);
  assert.equal(await statusOf(id), 'active');
});

test('delete from every visible status; deleted images vanish', async () => {
  for (const st of ['queued', 'saving', 'uploading', 'importing', 'active', 'deactivated', 'killed', 'pending_delete'] as ImageStatus[]) {
    const id = await seed(st);
    const r = await call(s.url, 'DELETE', `/v2/images/${id}`, { token: om });
    assert.equal(r.status, 204, `${st}: ${r.text}`);
    const doc = await s.app.services.images.repo.get(id);
    assert.equal(doc!.status, 'deleted');
    assert.ok(doc!.deleted_at instanceof Date);
    assert.equal((await call(s.url, 'GET', `/v2/images/${id}`, { token: adm })).status, 404);
  }
});

test('repository transitions for the data path: allowed moves, refused moves, formats required', async () => {
  const repo = s.app.services.images.repo;
  const id = await seed('queued', { disk_format: null });
  await assert.rejects(repo.transition(id, 'saving'), /disk_format and container_format/);
  await repo.updateImage(id, 0, { disk_format: 'raw' });
  const saving = await repo.transition(id, 'saving', { from: ['queued'] });
  assert.equal(saving.status, 'saving');
  await assert.rejects(repo.transition(id, 'saving', { from: ['queued'] }), /expected queued/);
  await assert.rejects(repo.transition(id, 'deactivated'), /not allowed/);
  await repo.updateImage(id, saving.version, { size: 10 });
  const back = await repo.transition(id, 'queued');
  assert.equal(back.size, null, 'returning to queued clears size');
  const active = await repo.transition(id, 'active');
  assert.equal(active.status, 'active');
  await assert.rejects(repo.updateImage(id, active.version - 1, { name: 'late' }), /changed by another request/);
  await assert.rejects(repo.transition('missing', 'active'), /No image found/);
});

test('PATCH while not queued: formats 403, other attributes fine', async () => {
  const id = await seed('active');
  const P = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${id}`, { token: om, headers: P, body: [{ op: 'replace', path: '/container_format', value: 'ovf' }] })).status, 403);
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${id}`, { token: om, headers: P, body: [{ op: 'replace', path: '/min_disk', value: 3 }] })).body.min_disk, 3);
  const importing = await seed('importing');
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${importing}`, { token: om, headers: P, body: [{ op: 'replace', path: '/disk_format', value: 'qcow2' }] })).body.disk_format, 'qcow2');
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';

const P = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
let s: TestServer;
let p1: string, p9: string;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quotas-'));
  const file = join(dir, 'quotas.yaml');
  writeFileSync(file, 'p9:\n  image_count: 3\n  properties: -1\n  tags: 3\n');
  s = await startServer({ IMAGE_COUNT_QUOTA: '2', IMAGE_PROPERTY_QUOTA: '2', IMAGE_TAG_QUOTA: '2', IMAGE_MEMBER_QUOTA: '1', PROJECT_QUOTAS_FILE: file });
  p1 = await s.token({ project: 'p1', roles: ['member'] });
  p9 = await s.token({ project: 'p9', roles: ['member'] });
});
after(() => s.close());

test('image count quota per project, with a per-project override; deleted images do not count', async () => {
  const a = await call(s.url, 'POST', '/v2/images', { token: p1, body: {} });
  assert.equal(a.status, 201);
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: p1, body: {} })).status, 201);
  const over = await call(s.url, 'POST', '/v2/images', { token: p1, body: {} });
  assert.equal(over.status, 413);
  assert.match(over.body.message, /Maximum: 2/);
  assert.equal((await call(s.url, 'DELETE', `/v2/images/${a.body.id}`, { token: p1 })).status, 204);
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: p1, body: {} })).status, 201);
  for (let i = 0; i < 3; i++) assert.equal((await call(s.url, 'POST', '/v2/images', { token: p9, body: {} })).status, 201);
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: p9, body: {} })).status, 413);
});

test('property, tag and member quotas → 413, nothing stored', async () => {
  await s.mongo.db.collection('images').deleteMany({ owner: 'p1' });
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: p1, body: { a: '1', b: '2', c: '3' } })).status, 413);
  assert.equal((await call(s.url, 'POST', '/v2/images', { token: p1, body: { tags: ['a', 'b', 'c'] } })).status, 413);
  const img = (await call(s.url, 'POST', '/v2/images', { token: p1, body: { a: '1', tags: ['x', 'x', 'y'] } })).body;
  assert.deepEqual(img.tags.sort(), ['x', 'y'], 'duplicates count once');
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: p1, headers: P, body: [{ op: 'add', path: '/b', value: '2' }] })).status, 200);
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: p1, headers: P, body: [{ op: 'add', path: '/c', value: '3' }] })).status, 413);
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: p1, headers: P, body: [{ op: 'remove', path: '/a' }, { op: 'add', path: '/c', value: '3' }] })).status, 200, 'counted after the whole patch');
  assert.equal((await call(s.url, 'PUT', `/v2/images/${img.id}/tags/z`, { token: p1 })).status, 413);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${img.id}/tags/x`, { token: p1 })).status, 204, 'existing tag: idempotent');
  assert.equal((await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: p1, headers: P, body: [{ op: 'replace', path: '/tags', value: ['1', '2', '3'] }] })).status, 413);
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: p1, body: { member: 'm1' } })).status, 200);
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: p1, body: { member: 'm2' } })).status, 413);
  const shown = (await call(s.url, 'GET', `/v2/images/${img.id}`, { token: p1 })).body;
  assert.deepEqual(shown.tags.sort(), ['x', 'y']);
  assert.equal(shown.a, undefined);
  assert.equal(shown.c, '3');
  // p9's override: unlimited properties, 3 tags
  await s.mongo.db.collection('images').deleteMany({ owner: 'p9' });
  const big = await call(s.url, 'POST', '/v2/images', { token: p9, body: { ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'])), tags: ['1', '2', '3'] } });
  assert.equal(big.status, 201, big.text);
  assert.equal((await call(s.url, 'PUT', `/v2/images/${big.body.id}/tags/4`, { token: p9 })).status, 413);
});

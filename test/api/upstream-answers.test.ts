/**
 * Answers that must match upstream Glance 25 field for field (seen with the differential lane):
 * schemas, store discovery, the headers of image create and of partial downloads.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { createImage, download, upload } from '../helpers/image-data.js';

let s: TestServer;
let single: TestServer;
let om: string;
let or: string;
const DATA = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13 + 5) % 256));
const MD5 = createHash('md5').update(DATA).digest('hex');

before(async () => {
  s = await startServer({ ENABLED_BACKENDS: 'fast:file,slow:file', DEFAULT_BACKEND: 'fast', STORE_OPTIONS: JSON.stringify({ fast: { description: 'Fast file store' }, slow: { description: 'Slow file store' } }) });
  single = await startServer();
  om = await s.token({ project: 'p1', roles: ['member'] });
  or = await s.token({ project: 'p1', roles: ['reader'] });
});
after(async () => {
  await s.close();
  await single.close();
});

function head(srv: TestServer, token: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${srv.url}${path}`, { method: 'HEAD', headers: { 'X-Auth-Token': token, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('image create in multi-store mode announces the store ids; single store does not', async () => {
  const r = await call(s.url, 'POST', '/v2/images', { token: om, body: { name: 'x' } });
  assert.equal(r.status, 201);
  assert.equal(r.headers.get('openstack-image-store-ids'), 'fast,slow');
  assert.equal(r.headers.get('openstack-image-import-methods'), 'glance-direct,web-download,copy-image');
  const t = await single.token({ project: 'p1', roles: ['member'] });
  const one = await call(single.url, 'POST', '/v2/images', { token: t, body: { name: 'x' } });
  assert.equal(one.status, 201);
  assert.equal(one.headers.get('openstack-image-store-ids'), null);
});

test('/v2/info/stores: each store with its description, the default marked', async () => {
  const r = await call(s.url, 'GET', '/v2/info/stores', { token: or });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { stores: [{ id: 'fast', description: 'Fast file store', default: 'true' }, { id: 'slow', description: 'Slow file store' }] });
});

test('partial downloads carry the whole image Content-MD5; HEAD is 405; 416 names the size', async () => {
  const img = await createImage(s, om);
  assert.equal((await upload(s, om, img.id, DATA)).status, 204);
  const part = await download(s, om, img.id, { Range: 'bytes=100-199' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-md5'], MD5);
  assert.equal(part.headers['content-range'], 'bytes 100-199/3000');
  assert.deepEqual(part.body, DATA.subarray(100, 200));
  const full = await download(s, om, img.id);
  assert.equal(full.headers['content-md5'], MD5);
  // HEAD is not a data route upstream either: 405 naming the methods that are.
  const h = await head(s, om, `/v2/images/${img.id}/file`, { Range: 'bytes=0-9' });
  assert.equal(h.status, 405);
  assert.deepEqual(String(h.headers.allow).split(',').map((x) => x.trim()).sort(), ['GET', 'PUT']);
  const beyond = await call(s.url, 'GET', `/v2/images/${img.id}/file`, { token: om, headers: { Range: 'bytes=5000-6000' } });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), 'bytes */3000');
  assert.equal(beyond.body.code, '416 Request Range Not Satisfiable');
  assert.equal(beyond.body.title, 'Request Range Not Satisfiable');
});

test('image schema: status in upstream order, stores, min_ram/min_disk without bounds (yet refused below 0)', async () => {
  const r = await call(s.url, 'GET', '/v2/schemas/image', { token: or });
  const p = r.body.properties;
  assert.deepEqual(p.status.enum, ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated']);
  assert.deepEqual(p.stores, { description: 'Store in which image data resides.  Only present when the operator has enabled multiple stores.  May be a comma-separated list of store identifiers.', readOnly: true, type: 'string' });
  assert.deepEqual(p.min_ram, { description: 'Amount of ram (in MB) required to boot image.', type: 'integer' });
  assert.deepEqual(p.min_disk, { description: 'Amount of disk space (in GB) required to boot image.', type: 'integer' });
  for (const body of [{ min_ram: -1 }, { min_disk: -1 }, { min_ram: 2 ** 31 }]) {
    const bad = await call(s.url, 'POST', '/v2/images', { token: om, body });
    assert.equal(bad.status, 400, JSON.stringify(body));
  }
  const stores = await call(s.url, 'POST', '/v2/images', { token: om, body: { stores: 'fast' } });
  assert.equal(stores.status, 403, 'stores is read-only');
});

test('task schemas: image_id, request_id, user_id and the api_image_import type', async () => {
  const task = (await call(s.url, 'GET', '/v2/schemas/task', { token: or })).body;
  assert.deepEqual(task.properties.type.enum, ['import', 'api_image_import']);
  assert.deepEqual(task.properties.image_id, { description: 'Image associated with the task', type: 'string' });
  assert.deepEqual(task.properties.request_id, { description: 'Human-readable informative request-id', type: 'string' });
  assert.deepEqual(task.properties.user_id, { description: 'User associated with the task', type: 'string' });
  const tasks = (await call(s.url, 'GET', '/v2/schemas/tasks', { token: or })).body;
  const item = tasks.properties.tasks.items.properties;
  for (const k of ['image_id', 'request_id', 'user_id']) assert.ok(k in item, k);
  assert.deepEqual(item.type.enum, ['import', 'api_image_import']);
});

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { OCTET, createImage, download, getImage, upload, waitFor } from '../helpers/image-data.js';
import * as disk from '../helpers/disk-images.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const MiB = 1 << 20;

/** A local web server for web-download and http locations. */
let web: Server;
let webUrl: string;
const served = new Map<string, Buffer>();
before(async () => {
  web = createServer((req, res) => {
    if (req.url?.startsWith('/to-private')) {
      res.writeHead(302, { location: 'http://10.1.2.3/image' });
      return res.end();
    }
    if (req.url?.startsWith('/redirect/')) {
      res.writeHead(301, { location: req.url.slice('/redirect'.length) });
      return res.end();
    }
    const data = served.get(req.url ?? '');
    if (!data) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-length': data.length, 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : data);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => web.close(() => r())));

describe('multi-store', () => {
  let s: TestServer;
  let om: string, admin: string, service: string, other: string;
  before(async () => {
    s = await startServer({ ENABLED_BACKENDS: 'fast:file,db:gridfs,web:http', DEFAULT_BACKEND: 'fast', STORE_OPTIONS: JSON.stringify({ fast: { description: 'Fast disks', weight: 100 } }), HTTP_ALLOWED_HOSTS: '127.0.0.1' });
    om = await s.token({ project: 'p1', roles: ['member'] });
    admin = await s.token({ project: 'adm', roles: ['admin'] });
    service = await s.token({ project: 'p1', roles: ['reader', 'service'] });
    other = await s.token({ project: 'p2', roles: ['member'] });
  });
  after(() => s.close());

  const fastFiles = () => {
    const d = join(s.config.DATA_DIR, 'stores', 'fast');
    return existsSync(d) ? readdirSync(d) : [];
  };
  const gridfsFiles = () => s.mongo.db.collection('store_db.files').countDocuments();

  test('GET /v2/info/stores lists the stores; detail is for admins', async () => {
    const r = await call(s.url, 'GET', '/v2/info/stores', { token: om });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.stores, [{ id: 'fast', description: 'Fast disks', default: 'true' }, { id: 'db' }, { id: 'web', 'read-only': 'true' }]);
    assert.equal((await call(s.url, 'GET', '/v2/info/stores/detail', { token: om })).status, 403);
    const d = await call(s.url, 'GET', '/v2/info/stores/detail', { token: admin });
    assert.equal(d.status, 200);
    assert.equal(d.body.stores[0].type, 'file');
    assert.equal(d.body.stores[0].weight, 100);
    assert.ok(d.body.stores[0].properties.data_dir.endsWith('/stores/fast'));
    assert.equal(d.body.stores[1].type, 'gridfs');
    assert.deepEqual(d.body.stores[2].properties, {});
    const v = await call(s.url, 'GET', '/versions', {});
    assert.ok(v.body.versions.some((x: { id: string }) => x.id === 'v2.8'), 'multi-store versions advertised');
  });

  test('upload into a chosen store with X-Image-Meta-Store; the image lists its stores', async () => {
    const data = disk.vmdk(4096);
    const img = await createImage(s, om, { disk_format: 'vmdk' });
    assert.equal((await upload(s, om, img.id, data, { 'X-Image-Meta-Store': 'nope' })).status, 400);
    assert.equal((await upload(s, om, img.id, data, { 'X-Image-Meta-Store': 'web' })).status, 400, 'read-only store');
    const r = await upload(s, om, img.id, data, { 'X-Image-Meta-Store': 'db' });
    assert.equal(r.status, 204, r.text);
    const got = await getImage(s, om, img.id);
    assert.equal(got.stores, 'db');
    assert.equal(got.checksum, md5(data));
    const dl = await download(s, om, img.id);
    assert.ok(dl.body.equals(data));
    const part = await download(s, om, img.id, { Range: 'bytes=512-1023' });
    assert.equal(part.status, 206);
    assert.ok(part.body.equals(data.subarray(512, 1024)));
    assert.equal(await gridfsFiles(), 1);
    assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: om })).status, 204);
    assert.equal(await gridfsFiles(), 0, 'delete removed the GridFS data');
  });

  test('an interrupted upload into GridFS leaves no chunks', async () => {
    const { request } = await import('node:http');
    const img = await createImage(s, om);
    const req = request(`${s.url}/v2/images/${img.id}/file`, { method: 'PUT', headers: { ...OCTET, 'X-Auth-Token': om, 'X-Image-Meta-Store': 'db', 'Content-Length': String(4 * MiB) } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(MiB, 1));
    await waitFor(s, om, img.id, (i) => i.status === 'saving');
    await new Promise((r) => setTimeout(r, 100));
    req.destroy();
    await waitFor(s, om, img.id, (i) => i.status === 'queued');
    for (let i = 0; i < 50 && (await s.mongo.db.collection('store_db.chunks').countDocuments()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await s.mongo.db.collection('store_db.chunks').countDocuments(), 0);
    assert.equal(await gridfsFiles(), 0);
  });

  test('stage + glance-direct import into all stores; tasks record it', async () => {
    const data = disk.qcow2(32 * MiB);
    const img = await createImage(s, om, { disk_format: 'qcow2' });
    const st = await call(s.url, 'PUT', `/v2/images/${img.id}/stage`, { token: om, rawBody: data, headers: OCTET });
    assert.equal(st.status, 204, st.text);
    const staged = await getImage(s, om, img.id);
    assert.equal(staged.status, 'uploading');
    assert.equal(staged.size, data.length);
    assert.equal((await call(s.url, 'PUT', `/v2/images/${img.id}/stage`, { token: om, rawBody: data, headers: OCTET })).status, 409);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'glance-direct' }, stores: ['fast'] }, headers: { 'X-Image-Meta-Store': 'db' } })).status, 400);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'glance-direct' }, stores: ['nope'] } })).status, 409);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'bogus' } } })).status, 400);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: other, body: { method: { name: 'glance-direct' } } })).status, 404);
    const r = await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'glance-direct' }, all_stores: true } });
    assert.equal(r.status, 202, r.text);
    const done = await waitFor(s, om, img.id, (i) => i.status === 'active' || i.status === 'queued');
    assert.equal(done.status, 'active', JSON.stringify(done));
    assert.deepEqual(done.stores.split(',').sort(), ['db', 'fast']);
    assert.equal(done.virtual_size, 32 * MiB);
    assert.equal(done.os_hash_value, sha512(data));
    assert.equal(done.os_glance_import_task, undefined, 'lock released');
    assert.ok(!existsSync(join(s.config.DATA_DIR, 'staging', img.id)), 'staging data removed');
    assert.ok((await download(s, om, img.id)).body.equals(data));
    // The task record is finished right after the image turns active: poll it as a client would.
    let tasks = await call(s.url, 'GET', `/v2/images/${img.id}/tasks`, { token: om });
    for (let i = 0; i < 100 && tasks.body?.tasks?.[0]?.status === 'processing'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      tasks = await call(s.url, 'GET', `/v2/images/${img.id}/tasks`, { token: om });
    }
    assert.equal(tasks.status, 200, tasks.text);
    assert.equal(tasks.body.tasks.length, 1);
    const t = tasks.body.tasks[0];
    assert.equal(t.type, 'api_image_import');
    assert.equal(t.status, 'success');
    assert.equal(t.image_id, img.id);
    assert.match(t.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);

    // delete from one store; not the last one
    assert.equal((await call(s.url, 'DELETE', `/v2/stores/db/${img.id}`, { token: om })).status, 403);
    assert.equal((await call(s.url, 'DELETE', `/v2/stores/nope/${img.id}`, { token: admin })).status, 409);
    assert.equal((await call(s.url, 'DELETE', `/v2/stores/db/${img.id}`, { token: admin })).status, 204);
    assert.equal((await getImage(s, om, img.id)).stores, 'fast');
    assert.equal((await call(s.url, 'DELETE', `/v2/stores/db/${img.id}`, { token: admin })).status, 404);
    assert.equal((await call(s.url, 'DELETE', `/v2/stores/fast/${img.id}`, { token: admin })).status, 403, 'last location');

    // copy-image back into db (admin only)
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'copy-image' }, stores: ['db'] } })).status, 403);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: admin, body: { method: { name: 'copy-image' }, stores: ['fast'] } })).status, 400, 'already there');
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: admin, body: { method: { name: 'copy-image' }, stores: ['db'] } })).status, 202);
    const copied = await waitFor(s, om, img.id, (i) => (i.stores ?? '').includes('db'));
    assert.equal(copied.status, 'active');
    const tasks2 = await call(s.url, 'GET', `/v2/images/${img.id}/tasks`, { token: om });
    await waitFor(s, om, img.id, (i) => i.os_glance_import_task === undefined);
    assert.equal(tasks2.body.tasks.length, 2);
  });

  test('a staged qcow2 with a backing file fails the import: back to queued, nothing stored', async () => {
    const before = fastFiles().length;
    const img = await createImage(s, om, { disk_format: 'qcow2' });
    assert.equal((await call(s.url, 'PUT', `/v2/images/${img.id}/stage`, { token: om, rawBody: disk.qcow2(MiB, { backingFile: 'base.img' }), headers: OCTET })).status, 204);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'glance-direct' } } })).status, 202);
    const got = await waitFor(s, om, img.id, (i) => i.status === 'queued');
    assert.equal(got.size, null);
    assert.equal(fastFiles().length, before);
    const tasks = await call(s.url, 'GET', `/v2/images/${img.id}/tasks`, { token: om });
    await new Promise((r) => setTimeout(r, 50));
    const t = (await call(s.url, 'GET', `/v2/images/${img.id}/tasks`, { token: om })).body.tasks[0];
    assert.equal(tasks.status, 200);
    assert.equal(t.status, 'failure');
    assert.match(t.message, /backing file/);
  });

  test('web-download from an allowed host, following a redirect', async () => {
    const data = disk.iso(32);
    served.set('/disk.iso', data);
    const img = await createImage(s, om, { disk_format: 'iso' });
    const r = await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'web-download', uri: `${webUrl}/redirect/disk.iso` }, stores: ['db'] } });
    assert.equal(r.status, 202, r.text);
    const done = await waitFor(s, om, img.id, (i) => i.status === 'active' || (i.status === 'queued' && i.os_glance_import_task === undefined));
    assert.equal(done.status, 'active', JSON.stringify(done));
    assert.equal(done.stores, 'db');
    assert.equal(done.checksum, md5(data));
    assert.equal(done.virtual_size, 32 * 2048);
  });

  test('web-download whose redirect points to a private address fails', async () => {
    const img = await createImage(s, om);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'web-download', uri: `${webUrl}/to-private` } } })).status, 202);
    const got = await waitFor(s, om, img.id, (i) => i.status === 'queued' && i.os_glance_import_task === undefined && i.os_glance_failed_import !== undefined);
    assert.equal(got.size, null);
    const t = (await call(s.url, 'GET', `/v2/images/${img.id}/tasks`, { token: om })).body.tasks[0];
    assert.equal(t.status, 'failure');
    assert.match(t.message, /not a public address/);
  });

  test('locations API: add an http location (202, async), list it with the service role', async () => {
    const data = Buffer.from('remote image bytes');
    served.set('/remote.raw', data);
    const img = await createImage(s, om);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/locations`, { token: om, body: { url: 'file:///etc/passwd' } })).status, 403);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/locations`, { token: om, body: { url: `${webUrl}/remote.raw`, validation_data: { os_hash_algo: 'sha512' } } })).status, 400);
    const r = await call(s.url, 'POST', `/v2/images/${img.id}/locations`, { token: om, body: { url: `${webUrl}/remote.raw`, validation_data: { os_hash_algo: 'sha512', os_hash_value: sha512(data) } } });
    assert.equal(r.status, 202, r.text);
    const active = await waitFor(s, om, img.id, (i) => i.status === 'active');
    assert.equal(active.size, data.length);
    assert.equal(active.stores, 'web');
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/locations`, { token: om, body: { url: `${webUrl}/remote.raw` } })).status, 409);
    assert.equal((await call(s.url, 'GET', `/v2/images/${img.id}/locations`, { token: om })).status, 403);
    const list = await call(s.url, 'GET', `/v2/images/${img.id}/locations`, { token: service });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body, [{ url: `${webUrl}/remote.raw`, metadata: { store: 'web' } }]);
    const dl = await download(s, om, img.id);
    assert.ok(dl.body.equals(data));
    const part = await download(s, om, img.id, { Range: 'bytes=7-11' });
    assert.equal(part.body.toString(), 'image');
  });
});

describe('single store, quotas, SSRF refusals', () => {
  let s: TestServer;
  let om: string;
  before(async () => {
    s = await startServer({ USE_QUOTAS: 'true', QUOTA_IMAGE_SIZE_TOTAL: '2', QUOTA_IMAGE_STAGE_TOTAL: '1', QUOTA_IMAGE_COUNT_UPLOADING: '5' });
    om = await s.token({ project: 'p1', roles: ['member'] });
  });
  after(() => s.close());

  test('multi-store endpoints answer 404 without ENABLED_BACKENDS', async () => {
    assert.equal((await call(s.url, 'GET', '/v2/info/stores', { token: om })).status, 404);
    const admin = await s.token({ project: 'adm', roles: ['admin'] });
    assert.equal((await call(s.url, 'GET', '/v2/info/stores/detail', { token: admin })).status, 404);
  });

  test('web-download to loopback is refused with 400 unless allowed', async () => {
    const img = await createImage(s, om);
    const r = await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'web-download', uri: `${webUrl}/disk.iso` } } });
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.message, /not a public address/);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'web-download', uri: 'file:///etc/passwd' } } })).status, 400);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'glance-direct' }, all_stores_must_succeed: false } })).status, 400);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/import`, { token: om, body: { method: { name: 'glance-direct' } } })).status, 409, 'nothing staged');
  });

  test('usage and the storage quotas', async () => {
    const u0 = await call(s.url, 'GET', '/v2/info/usage', { token: om });
    assert.equal(u0.status, 200, u0.text);
    assert.deepEqual(u0.body.usage.image_size_total, { limit: 2, usage: 0 });
    assert.deepEqual(u0.body.usage.image_stage_total, { limit: 1, usage: 0 });
    assert.deepEqual(u0.body.usage.image_count_uploading, { limit: 5, usage: 0 });
    const a = await createImage(s, om);
    assert.equal((await upload(s, om, a.id, Buffer.alloc(3 * MiB))).status, 413, 'beyond the remaining 2 MiB');
    assert.equal((await getImage(s, om, a.id)).status, 'queued');
    assert.equal((await upload(s, om, a.id, Buffer.alloc(2 * MiB))).status, 204);
    const u1 = await call(s.url, 'GET', '/v2/info/usage', { token: om });
    assert.deepEqual(u1.body.usage.image_size_total, { limit: 2, usage: 2 });
    const b = await createImage(s, om);
    assert.equal((await upload(s, om, b.id, Buffer.alloc(10))).status, 413, 'quota used up');
    assert.equal((await call(s.url, 'PUT', `/v2/images/${b.id}/stage`, { token: om, rawBody: Buffer.alloc(2 * MiB), headers: OCTET })).status, 413, 'stage quota 1 MiB');
    assert.equal((await getImage(s, om, b.id)).status, 'queued');
  });
});

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { OCTET, createImage, download, getImage, upload, waitFor } from '../helpers/image-data.js';
import * as disk from '../helpers/disk-images.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');
const MiB = 1 << 20;

let s: TestServer;
let om: string, admin: string, other: string, reader: string;
let storeDir: string;
before(async () => {
  s = await startServer({ MAX_IMAGE_SIZE: String(16 * MiB), UPLOAD_IDLE_TIMEOUT: '1' });
  om = await s.token({ project: 'p1', roles: ['member'] });
  reader = await s.token({ project: 'p1', roles: ['reader'] });
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  other = await s.token({ project: 'p2', roles: ['member'] });
  storeDir = join(s.config.DATA_DIR, 'stores', 'file');
});
after(() => s.close());

const storeFiles = () => (existsSync(storeDir) ? readdirSync(storeDir) : []);

describe('upload and download of real disk images', () => {
  const cases: [string, () => Buffer, number | null][] = [
    ['qcow2', () => disk.qcow2(40 * MiB), 40 * MiB],
    ['vmdk', () => disk.vmdk(16384), 16384 * 512],
    ['vhd', () => disk.vhdFixed(MiB), MiB],
    ['vhdx', () => disk.vhdx(64 * MiB), 64 * MiB],
    ['vdi', () => disk.vdi(8 * MiB), 8 * MiB],
    ['iso', () => disk.iso(64), 64 * 2048],
    ['raw', () => disk.raw(777_777), 777_777],
  ];
  for (const [fmt, build, vsize] of cases) {
    test(`${fmt}: queued → active with size, checksums and virtual_size; download is byte-identical`, async () => {
      const data = build();
      const img = await createImage(s, om, { disk_format: fmt, name: `${fmt} image` });
      assert.equal((await download(s, om, img.id)).status, 204, 'no data yet → 204');
      const up = await upload(s, om, img.id, data);
      assert.equal(up.status, 204, up.text);
      const got = await getImage(s, om, img.id);
      assert.equal(got.status, 'active');
      assert.equal(got.size, data.length);
      assert.equal(got.checksum, md5(data));
      assert.equal(got.os_hash_algo, 'sha512');
      assert.equal(got.os_hash_value, sha512(data));
      assert.equal(got.virtual_size, vsize);
      const dl = await download(s, om, img.id);
      assert.equal(dl.status, 200);
      assert.equal(dl.headers['content-type'], 'application/octet-stream');
      assert.equal(dl.headers['content-md5'], md5(data));
      assert.equal(Number(dl.headers['content-length']), data.length);
      assert.ok(dl.body.equals(data));
    });
  }

  test('checksums agree with the md5sum and sha512sum binaries', async () => {
    const data = disk.qcow2(8 * MiB);
    const img = await createImage(s, om, { disk_format: 'qcow2' });
    assert.equal((await upload(s, om, img.id, data)).status, 204);
    const dl = await download(s, om, img.id);
    const dir = mkdtempSync(join(tmpdir(), 'dl-'));
    writeFileSync(join(dir, 'image'), dl.body);
    const got = await getImage(s, om, img.id);
    assert.equal(execFileSync('md5sum', [join(dir, 'image')], { encoding: 'utf8' }).split(' ')[0], got.checksum);
    assert.equal(execFileSync('sha512sum', [join(dir, 'image')], { encoding: 'utf8' }).split(' ')[0], got.os_hash_value);
  });
});

describe('refusals', () => {
  test('a qcow2 with a backing file is refused; the image stays queued with nothing stored', async () => {
    const before = storeFiles().length;
    const img = await createImage(s, om, { disk_format: 'qcow2' });
    const r = await upload(s, om, img.id, Buffer.concat([disk.qcow2(MiB, { backingFile: '/etc/passwd' }), Buffer.alloc(MiB)]));
    assert.equal(r.status, 415, r.text);
    assert.match(r.body.message, /backing file/);
    const got = await getImage(s, om, img.id);
    assert.equal(got.status, 'queued');
    assert.equal(got.size, null);
    assert.equal(got.checksum, null);
    assert.equal(storeFiles().length, before);
    assert.equal((await download(s, om, img.id)).status, 204);
  });

  test('data that is not the declared disk_format is refused', async () => {
    const img = await createImage(s, om, { disk_format: 'raw' });
    const r = await upload(s, om, img.id, disk.qcow2(MiB));
    assert.equal(r.status, 415);
    assert.match(r.body.message, /looks like qcow2/);
    assert.equal((await getImage(s, om, img.id)).status, 'queued');
  });

  test('content type, status, formats, size header, size cap', async () => {
    const img = await createImage(s, om);
    assert.equal((await call(s.url, 'PUT', `/v2/images/${img.id}/file`, { token: om, rawBody: 'abc', headers: { 'Content-Type': 'text/plain' } })).status, 415);
    assert.equal((await call(s.url, 'PUT', `/v2/images/${img.id}/file`, { token: om, rawBody: '{}', headers: { 'Content-Type': 'application/json' } })).status, 415);
    assert.equal((await upload(s, om, img.id, Buffer.from('abc'), { 'x-openstack-image-size': 'x' })).status, 400);
    assert.equal((await upload(s, om, img.id, Buffer.from('abc'), { 'x-openstack-image-size': '4' })).status, 400);
    assert.equal((await getImage(s, om, img.id)).status, 'queued');
    assert.equal((await upload(s, om, img.id, Buffer.alloc(17 * MiB))).status, 413);
    assert.equal((await getImage(s, om, img.id)).status, 'queued');
    assert.equal((await upload(s, om, img.id, Buffer.from('abc'), { 'x-openstack-image-size': '3' })).status, 204);
    assert.equal((await upload(s, om, img.id, Buffer.from('abc'))).status, 409, 'active image');
    const noFormats = await call(s.url, 'POST', '/v2/images', { token: om, body: {} });
    assert.equal((await upload(s, om, noFormats.body.id, Buffer.from('abc'))).status, 400);
  });

  test('policy: reader and other projects cannot upload; unknown image is 404', async () => {
    const img = await createImage(s, om);
    assert.equal((await upload(s, reader, img.id, Buffer.from('x'))).status, 403);
    assert.equal((await upload(s, other, img.id, Buffer.from('x'))).status, 404);
    assert.equal((await upload(s, om, '6b1a5b1e-0000-4000-8000-000000000000', Buffer.from('x'))).status, 404);
  });
});

describe('interrupted upload', () => {
  test('a client that disconnects mid-upload leaves no active image and no bytes', async () => {
    const before = storeFiles().length;
    const img = await createImage(s, om);
    const req = httpRequest(`${s.url}/v2/images/${img.id}/file`, { method: 'PUT', headers: { ...OCTET, 'X-Auth-Token': om, 'Content-Length': String(8 * MiB) } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(2 * MiB, 7));
    await waitFor(s, om, img.id, (i) => i.status === 'saving');
    req.destroy();
    const after = await waitFor(s, om, img.id, (i) => i.status === 'queued');
    assert.equal(after.size, null);
    assert.equal(after.checksum, null);
    // The partial file is gone (temporary files included).
    for (let i = 0; i < 50 && storeFiles().length !== before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(storeFiles().length, before);
    assert.equal((await download(s, om, img.id)).status, 204);
    // A retry works.
    assert.equal((await upload(s, om, img.id, Buffer.from('retry'))).status, 204);
    assert.equal((await getImage(s, om, img.id)).status, 'active');
  });

  test('an image deleted during its upload answers 410 and keeps no bytes', async () => {
    const before = storeFiles().length;
    const img = await createImage(s, om);
    const status = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${s.url}/v2/images/${img.id}/file`, { method: 'PUT', headers: { ...OCTET, 'X-Auth-Token': om, 'Content-Length': String(2 * MiB) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(MiB, 2));
      void waitFor(s, om, img.id, (i) => i.status === 'saving').then(async () => {
        assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: om })).status, 204);
        req.end(Buffer.alloc(MiB, 3));
      });
    });
    assert.equal(await status, 410);
    assert.equal((await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om })).status, 404);
    assert.equal(storeFiles().length, before);
  });

  test('a stalled client is cut off after UPLOAD_IDLE_TIMEOUT; the image returns to queued', async () => {
    const before = storeFiles().length;
    const img = await createImage(s, om);
    const req = httpRequest(`${s.url}/v2/images/${img.id}/file`, { method: 'PUT', headers: { ...OCTET, 'X-Auth-Token': om, 'Content-Length': String(4 * MiB) } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(MiB, 1));
    await waitFor(s, om, img.id, (i) => i.status === 'saving');
    const after = await waitFor(s, om, img.id, (i) => i.status === 'queued', 5000);
    assert.equal(after.size, null);
    assert.equal(storeFiles().length, before);
    req.destroy();
  });

  test('the sweeper resets an image left in saving by a crashed server and removes its partial bytes', async () => {
    const img = await createImage(s, om);
    const partial = join(storeDir, `.tmp-${img.id}-dead`);
    writeFileSync(partial, 'partial');
    const { utimesSync } = await import('node:fs');
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(partial, old, old);
    await s.mongo.db.collection('images').updateOne({ _id: img.id }, { $set: { status: 'saving', updated_at: old } });
    const n = await s.app.services.sweeper.sweep();
    assert.ok(n >= 1);
    const got = await getImage(s, om, img.id);
    assert.equal(got.status, 'queued');
    assert.equal(existsSync(partial), false);
  });
});

describe('ranges, deactivation, delete', () => {
  let id: string;
  const data = disk.raw(100_000);
  before(async () => {
    id = (await createImage(s, om)).id;
    assert.equal((await upload(s, om, id, data)).status, 204);
  });

  test('single ranges answer 206 with Content-Range', async () => {
    const r = await download(s, om, id, { Range: 'bytes=10-19' });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-range'], `bytes 10-19/${data.length}`);
    assert.equal(r.headers['content-length'], '10');
    assert.ok(r.body.equals(data.subarray(10, 20)));
    const suffix = await download(s, om, id, { Range: 'bytes=-5' });
    assert.ok(suffix.body.equals(data.subarray(-5)));
    const open = await download(s, om, id, { Range: `bytes=${data.length - 3}-` });
    assert.ok(open.body.equals(data.subarray(-3)));
    const past = await download(s, om, id, { Range: `bytes=99990-200000` });
    assert.equal(past.headers['content-range'], `bytes 99990-99999/${data.length}`);
    const legacy = await download(s, om, id, { 'Content-Range': 'bytes 0-3/*' });
    assert.equal(legacy.status, 206);
    assert.ok(legacy.body.equals(data.subarray(0, 4)));
  });

  test('unsatisfiable ranges answer 416, multiple ranges 400', async () => {
    assert.equal((await download(s, om, id, { Range: `bytes=${data.length}-` })).status, 416);
    assert.equal((await download(s, om, id, { Range: 'bytes=abc' })).status, 416);
    assert.equal((await download(s, om, id, { Range: 'bytes=5-2' })).status, 416);
    assert.equal((await download(s, om, id, { Range: 'bytes=0-1,5-6' })).status, 400);
  });

  test('a deactivated image is downloadable by admins only', async () => {
    const img = await createImage(s, om);
    assert.equal((await upload(s, om, img.id, Buffer.from('secret'))).status, 204);
    assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/actions/deactivate`, { token: om })).status, 204);
    assert.equal((await download(s, om, img.id)).status, 403);
    const a = await download(s, admin, img.id);
    assert.equal(a.status, 200);
    assert.equal(a.body.toString(), 'secret');
  });

  test('reader of the owner project may not download; other projects see 404', async () => {
    assert.equal((await download(s, reader, id)).status, 403);
    assert.equal((await download(s, other, id)).status, 404);
  });

  test('download by persona: community image readable by other projects\' members, not their readers', async () => {
    const img = await createImage(s, om, { visibility: 'community' });
    assert.equal((await upload(s, om, img.id, Buffer.from('community bytes'))).status, 204);
    const otherReader = await s.token({ project: 'p2', roles: ['reader'] });
    const cm = await download(s, other, img.id);
    assert.equal(cm.status, 200);
    assert.equal(cm.body.toString(), 'community bytes');
    assert.equal((await download(s, otherReader, img.id)).status, 403);
    assert.equal((await upload(s, other, img.id, Buffer.from('x'))).status, 403, 'visible but not theirs');
  });

  test('deleting the image removes its bytes from the store', async () => {
    const img = await createImage(s, om);
    assert.equal((await upload(s, om, img.id, Buffer.from('to be deleted'))).status, 204);
    assert.ok(storeFiles().includes(img.id));
    assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: om })).status, 204);
    assert.ok(!storeFiles().includes(img.id));
  });
});

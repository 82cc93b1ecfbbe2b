/**
 * End to end over HTTP with `ENABLED_BACKENDS=fast:file,ceph:rbd` on a throw-away Ceph
 * (scripts/ceph-local.sh): upload, download and ranges, direct_url as Nova reads it, copy-image
 * both ways, deleting from a store, the cache, quotas, an interrupted upload, clones (409), and
 * a second service whose cluster is unreachable (503 for rbd only).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { createImage, download, getImage, upload, waitFor } from '../helpers/image-data.js';
import { freePort, novaReads, startCeph, type LocalCeph } from '../helpers/ceph.js';

const MiB = 1 << 20;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

let ceph: LocalCeph;
before(async () => {
  ceph = await startCeph();
});
after(async () => ceph?.stop());

const rbdImages = async () => JSON.parse(await ceph.cli('rbd', ['ls', '--format', 'json', ceph.pool])) as string[];
const storeOptions = (conf: string, timeout = 5) =>
  JSON.stringify({ ceph: { rbd_store_pool: ceph.pool, rbd_store_ceph_conf: conf, rbd_store_chunk_size: 1, rados_connect_timeout: timeout, description: 'Ceph' } });

describe('fast:file,ceph:rbd over HTTP', () => {
  let s: TestServer;
  let om: string, admin: string, service: string;
  let fsid: string;
  before(async () => {
    s = await startServer({
      ENABLED_BACKENDS: 'fast:file,ceph:rbd',
      DEFAULT_BACKEND: 'fast',
      STORE_OPTIONS: storeOptions(ceph.conf),
      SHOW_IMAGE_DIRECT_URL: 'true',
      IMAGE_CACHE_ENABLED: 'true',
      IMAGE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'rbd-cache-')),
      USE_QUOTAS: 'true',
      QUOTA_IMAGE_SIZE_TOTAL: '24',
    });
    om = await s.token({ project: 'p1', roles: ['member'] });
    admin = await s.token({ project: 'adm', roles: ['admin'] });
    service = await s.token({ project: 'p1', roles: ['reader', 'service'] });
    fsid = (JSON.parse(await ceph.cli('ceph', ['fsid', '--format', 'json'])) as { fsid: string }).fsid;
  });
  after(() => s.close());

  it('lists the rbd store with its properties', async () => {
    const r = await call(s.url, 'GET', '/v2/info/stores/detail', { token: admin });
    assert.equal(r.status, 200, r.text);
    const st = r.body.stores.find((x: { id: string }) => x.id === 'ceph');
    assert.equal(st.type, 'rbd');
    assert.deepEqual(st.properties, { pool: ceph.pool, chunk_size: MiB, thin_provisioning: false });
  });

  it('uploads to rbd, downloads whole and ranged (cached on the way), shows the location Nova clones from', async () => {
    const data = randomBytes(3 * MiB + 99);
    const img = await createImage(s, om, { name: 'rbd-raw' });
    assert.equal((await upload(s, om, img.id, data, { 'X-Image-Meta-Store': 'ceph' })).status, 204);
    const got = await getImage(s, om, img.id);
    assert.equal(got.status, 'active');
    assert.equal(got.stores, 'ceph');
    assert.equal(got.checksum, md5(data));
    assert.equal(got.direct_url, `rbd://${fsid}/${ceph.pool}/${img.id}/snap`);
    const locs = await call(s.url, 'GET', `/v2/images/${img.id}/locations`, { token: service });
    assert.equal(locs.status, 200, locs.text);
    assert.deepEqual(locs.body, [{ url: got.direct_url, metadata: { store: 'ceph' } }]);
    assert.ok((await rbdImages()).includes(img.id));

    const range = await download(s, om, img.id, { Range: `bytes=${MiB - 5}-${2 * MiB + 4}` });
    assert.equal(range.status, 206);
    assert.deepEqual(range.body, data.subarray(MiB - 5, 2 * MiB + 5));
    const whole = await download(s, om, img.id);
    assert.equal(whole.status, 200);
    assert.equal(md5(whole.body), md5(data));
    const cache = await call(s.url, 'GET', '/v2/cache', { token: admin });
    assert.ok(
      cache.body.cached_images.some((c: { image_id: string }) => c.image_id === img.id),
      'cached after a whole download',
    );

    const nova = await novaReads(ceph, got.direct_url, 'raw');
    assert.deepEqual(nova.parsed, [fsid, ceph.pool, img.id, 'snap']);
    assert.equal(nova.cloneable, true);
  });

  it('an image with a clone answers 409 on delete and stays; without it the delete removes the RBD image', async () => {
    const data = randomBytes(MiB);
    const img = await createImage(s, om);
    assert.equal((await upload(s, om, img.id, data, { 'X-Image-Meta-Store': 'ceph' })).status, 204);
    const child = `vm-disk-${randomUUID()}`;
    await ceph.cli('rbd', ['clone', `${ceph.pool}/${img.id}@snap`, `${ceph.pool}/${child}`]);
    const refused = await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: om });
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.body.message ?? refused.text, /in use/);
    assert.equal((await getImage(s, om, img.id)).status, 'active');
    assert.deepEqual((await download(s, om, img.id)).body, data);
    const snaps = JSON.parse(await ceph.cli('rbd', ['snap', 'ls', '--format', 'json', `${ceph.pool}/${img.id}`])) as { protected: string }[];
    assert.equal(snaps[0].protected, 'true', 'still protected: clones can still be made');
    await ceph.cli('rbd', ['rm', '--no-progress', `${ceph.pool}/${child}`]);
    assert.equal((await call(s.url, 'DELETE', `/v2/images/${img.id}`, { token: om })).status, 204);
    assert.ok(!(await rbdImages()).includes(img.id));
  });

  it('copy-image from file to rbd and from rbd to file; deleting one store\'s copy leaves the other readable', async () => {
    const data = randomBytes(2 * MiB + 1);
    const a = await createImage(s, om);
    assert.equal((await upload(s, om, a.id, data)).status, 204);
    assert.equal((await getImage(s, om, a.id)).stores, 'fast');
    assert.equal((await call(s.url, 'POST', `/v2/images/${a.id}/import`, { token: admin, body: { method: { name: 'copy-image' }, stores: ['ceph'] } })).status, 202);
    await waitFor(s, om, a.id, (i) => (i.stores ?? '').split(',').includes('ceph') && i.os_glance_import_task === undefined, 60_000);
    assert.ok((await rbdImages()).includes(a.id));
    assert.equal((await call(s.url, 'DELETE', `/v2/stores/fast/${a.id}`, { token: admin })).status, 204);
    assert.equal((await getImage(s, om, a.id)).stores, 'ceph');
    assert.deepEqual((await download(s, om, a.id)).body, data, 'read from rbd');

    const b = await createImage(s, om);
    assert.equal((await upload(s, om, b.id, data, { 'X-Image-Meta-Store': 'ceph' })).status, 204);
    assert.equal((await call(s.url, 'POST', `/v2/images/${b.id}/import`, { token: admin, body: { method: { name: 'copy-image' }, stores: ['fast'] } })).status, 202);
    await waitFor(s, om, b.id, (i) => (i.stores ?? '').split(',').includes('fast') && i.os_glance_import_task === undefined, 60_000);
    assert.equal((await call(s.url, 'DELETE', `/v2/stores/ceph/${b.id}`, { token: admin })).status, 204);
    assert.ok(!(await rbdImages()).includes(b.id));
    assert.deepEqual((await download(s, om, b.id)).body, data, 'read from the file store');
    for (const id of [a.id, b.id]) assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}`, { token: om })).status, 204);
    assert.ok(!(await rbdImages()).includes(a.id));
  });

  it('a quota refusal and an interrupted upload leave no RBD image', async () => {
    const big = await createImage(s, om);
    assert.equal((await upload(s, om, big.id, Buffer.alloc(40 * MiB, 1), { 'X-Image-Meta-Store': 'ceph' })).status, 413);
    assert.equal((await getImage(s, om, big.id)).status, 'queued');
    assert.ok(!(await rbdImages()).includes(big.id));

    const cut = await createImage(s, om);
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${s.url}/v2/images/${cut.id}/file`, {
        method: 'PUT',
        headers: { 'X-Auth-Token': om, 'Content-Type': 'application/octet-stream', 'Content-Length': String(8 * MiB), 'X-Image-Meta-Store': 'ceph' },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(randomBytes(3 * MiB), () => setTimeout(() => req.destroy(), 300));
    });
    await waitFor(s, om, cut.id, (i) => i.status === 'queued', 60_000);
    for (let i = 0; i < 100 && (await rbdImages()).includes(cut.id); i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok(!(await rbdImages()).includes(cut.id), 'partial RBD image removed');
  });
});

describe('an unreachable cluster', () => {
  let s: TestServer;
  let om: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rbd-down-'));
    const conf = join(dir, 'ceph.conf');
    writeFileSync(conf, readFileSync(ceph.conf, 'utf8').replace(/mon host = .*/, `mon host = v2:127.0.0.1:${await freePort()}`));
    s = await startServer({ ENABLED_BACKENDS: 'fast:file,ceph:rbd', STORE_OPTIONS: storeOptions(conf, 2) });
    om = await s.token({ project: 'p1', roles: ['member'] });
  });
  after(() => s.close());

  it('answers 503 for the rbd store and serves the file store meanwhile', async () => {
    const img = await createImage(s, om);
    const slow = upload(s, om, img.id, randomBytes(MiB), { 'X-Image-Meta-Store': 'ceph' });
    const other = await createImage(s, om);
    const data = randomBytes(100_000);
    assert.equal((await upload(s, om, other.id, data)).status, 204, 'file store not held up');
    assert.deepEqual((await download(s, om, other.id)).body, data);
    const r = await slow;
    assert.equal(r.status, 503, r.text);
    assert.match(r.text, /Store ceph is unavailable/);
    assert.equal((await getImage(s, om, img.id)).status, 'queued');
    assert.equal((await call(s.url, 'GET', '/v2/info/stores', { token: om })).status, 200);
  });
});

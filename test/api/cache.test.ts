import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startServer, call, type TestServer } from '../helpers/server.js';
import type { CacheableImage } from '../../src/cache/types.js';

/**
 * The cache management API (§2.6): policy first (403), then 404 when caching is off;
 * queue → prefetch → cached; delete; clear with each target; clean; prune; versions.
 * Images are written straight into the `images` collection, their bytes straight into the
 * default store: the download path has its own tests (cache-download.test.ts).
 */
let on: TestServer;
let off: TestServer;
let admin: string;
let member: string;
let reader: string;
let offAdmin: string;
let storeReads = 0;

async function insertImage(s: TestServer, o: { status?: string; data?: Buffer; owner?: string } = {}): Promise<CacheableImage> {
  const data = o.data ?? randomBytes(64);
  const id = randomUUID();
  const doc = {
    _id: id,
    name: 'cache-test',
    status: o.status ?? 'active',
    visibility: 'public',
    protected: false,
    os_hidden: false,
    owner: o.owner ?? 'p1',
    size: data.length,
    checksum: createHash('md5').update(data).digest('hex'),
    os_hash_algo: 'sha512',
    os_hash_value: createHash('sha512').update(data).digest('hex'),
    deleted: false,
    member_projects: [],
    tags: [],
    properties: {},
    locations: [{ url: await writeBytes(s, id, data), metadata: {} }],
    created_at: new Date(),
    updated_at: new Date(),
    version: 1,
  };
  await s.mongo.db.collection('images').insertOne(doc as never);
  return { id, status: doc.status, size: doc.size, checksum: doc.checksum, os_hash_algo: doc.os_hash_algo, os_hash_value: doc.os_hash_value };
}

async function writeBytes(s: TestServer, id: string, data: Buffer): Promise<string> {
  return (await s.app.services.stores.default.write(id, Readable.from([data]), { hashAlgo: 'sha512' })).url;
}

/** Counts reads of the cache-enabled server's store (the prefetcher's source). */
function countStoreReads(s: TestServer): void {
  const drv = s.app.services.stores.default;
  const read = drv.read.bind(drv);
  drv.read = async (...args: Parameters<typeof read>) => {
    storeReads++;
    return read(...args);
  };
}

/** The image's bytes as the store holds them. */
const storeRead = async (s: TestServer, img: CacheableImage) => s.app.services.stores.default.read(s.app.services.stores.default.urlFor!(img.id));

async function waitFor(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

before(async () => {
  on = await startServer({ IMAGE_CACHE_ENABLED: 'true', IMAGE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'cache-api-')), IMAGE_CACHE_PREFETCH_BACKOFF: '10' });
  off = await startServer();
  admin = await on.token({ project: 'p1', roles: ['admin'] });
  member = await on.token({ project: 'p1', roles: ['member'] });
  reader = await on.token({ project: 'p1', roles: ['reader'] });
  offAdmin = await off.token({ project: 'p1', roles: ['admin'] });
  countStoreReads(on);
});

after(async () => {
  await on?.close();
  await off?.close();
});

test('the versions document advertises v2.14, v2.16 and v2.18 (CURRENT) only with the cache enabled', async () => {
  const withCache = await call(on.url, 'GET', '/versions');
  const ids = withCache.body.versions.map((v: { id: string }) => v.id);
  assert.equal(withCache.body.versions[0].id, 'v2.18');
  assert.equal(withCache.body.versions[0].status, 'CURRENT');
  for (const v of ['v2.14', 'v2.16']) assert.ok(ids.includes(v), v);
  const without = await call(off.url, 'GET', '/versions');
  const offIds = without.body.versions.map((v: { id: string }) => v.id);
  assert.equal(without.body.versions[0].id, 'v2.17');
  for (const v of ['v2.14', 'v2.16', 'v2.18']) assert.ok(!offIds.includes(v), v);
  // The version prefix follows the advertised set.
  assert.equal((await call(on.url, 'GET', '/v2.18/cache', { token: admin })).status, 200);
  assert.equal((await call(off.url, 'GET', '/v2.18/cache', { token: offAdmin })).status, 300);
});

test('non-admins get 403 on every cache call, before the disabled-cache 404', async () => {
  const img = await insertImage(on);
  const calls: [string, string, Record<string, string>?][] = [
    ['GET', '/v2/cache'],
    ['DELETE', '/v2/cache'],
    ['DELETE', '/v2/cache', { 'x-image-cache-clear-target': 'queue' }],
    ['POST', '/v2/cache/clean'],
    ['POST', '/v2/cache/prune'],
    ['PUT', `/v2/cache/${img.id}`],
    ['DELETE', `/v2/cache/${img.id}`],
  ];
  for (const [method, path, headers] of calls) {
    for (const t of [member, reader]) {
      const r = await call(on.url, method, path, { token: t, headers });
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.code, '403 Forbidden');
    }
    const offMember = await off.token({ project: 'p1', roles: ['member'] });
    assert.equal((await call(off.url, method, path.replace(img.id, randomUUID()), { token: offMember, headers })).status, path.includes('/cache/') && method !== 'POST' ? 404 : 403, `disabled: ${method} ${path}`);
  }
  assert.deepEqual(on.app.services.imageCache.cache!.queued(), []);
  assert.equal((await call(on.url, 'GET', '/v2/cache')).status, 401);
});

test('with the cache disabled, admins get 404 "not supported"', async () => {
  const img = await insertImage(off);
  for (const [method, path] of [
    ['GET', '/v2/cache'],
    ['DELETE', '/v2/cache'],
    ['POST', '/v2/cache/clean'],
    ['POST', '/v2/cache/prune'],
    ['PUT', `/v2/cache/${img.id}`],
  ]) {
    const r = await call(off.url, method, path, { token: offAdmin });
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.match(r.body.message, /not supported/);
  }
});

test('queue → prefetch → cached, with progress in GET /v2/cache', async () => {
  const img = await insertImage(on, { data: randomBytes(3000) });
  const before = storeReads;
  const put = await call(on.url, 'PUT', `/v2/cache/${img.id}`, { token: admin });
  assert.equal(put.status, 202);
  assert.equal(put.text, '');
  await waitFor('the prefetch', async () => {
    const l = await call(on.url, 'GET', '/v2/cache', { token: admin });
    return l.body.cached_images.some((c: { image_id: string }) => c.image_id === img.id);
  });
  const list = await call(on.url, 'GET', '/v2/cache', { token: admin });
  assert.equal(list.status, 200);
  const row = list.body.cached_images.find((c: { image_id: string }) => c.image_id === img.id);
  assert.equal(row.size, 3000);
  assert.equal(row.hits, 0);
  assert.equal(typeof row.last_accessed, 'number');
  assert.ok(Math.abs(row.last_modified - Date.now() / 1000) < 60);
  assert.ok(!list.body.queued_images.includes(img.id));
  assert.ok(list.body.stats.prefetch.completed >= 1);
  assert.ok(list.body.stats.bytes_prefetched >= 3000);
  assert.equal(storeReads, before + 1);
  assert.ok(readdirSync(on.app.services.imageCache.cache!.dir).includes(img.id));
});

test('PUT /v2/cache/{id}: 404 unknown image, 400 not active; an unfetchable image stays queued while retried', async () => {
  assert.equal((await call(on.url, 'PUT', `/v2/cache/${randomUUID()}`, { token: admin })).status, 404);
  assert.equal((await call(on.url, 'PUT', '/v2/cache/not-a-uuid', { token: admin })).status, 404);
  const queued = await insertImage(on, { status: 'queued' });
  const r = await call(on.url, 'PUT', `/v2/cache/${queued.id}`, { token: admin });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /active/);
  const deactivated = await insertImage(on, { status: 'deactivated' });
  assert.equal((await call(on.url, 'PUT', `/v2/cache/${deactivated.id}`, { token: admin })).status, 400);
});

test('DELETE /v2/cache/{id} removes the copy and the queue entry; 404 when neither image nor entry exists', async () => {
  const img = await insertImage(on);
  const cache = on.app.services.imageCache.cache!;
  assert.equal(await cache.prefetch(img, () => storeRead(on, img)), true);
  const del = await call(on.url, 'DELETE', `/v2/cache/${img.id}`, { token: admin });
  assert.equal(del.status, 204);
  assert.equal(cache.isCached(img.id), false);
  assert.ok(!readdirSync(cache.dir).includes(img.id));
  // A queued id whose image record is gone can still be removed.
  const ghost = randomUUID();
  await cache.enqueue(ghost);
  assert.equal((await call(on.url, 'DELETE', `/v2/cache/${ghost}`, { token: admin })).status, 204);
  assert.ok(!cache.queued().includes(ghost));
  assert.equal((await call(on.url, 'DELETE', `/v2/cache/${ghost}`, { token: admin })).status, 404);
});

test('DELETE /v2/cache with each x-image-cache-clear-target', async () => {
  const cache = on.app.services.imageCache.cache!;
  const prefetcher = on.app.services.imageCache.prefetcher!;
  const fill = async () => {
    await prefetcher.idle();
    await call(on.url, 'DELETE', '/v2/cache', { token: admin });
    const img = await insertImage(on);
    await cache.prefetch(img, () => storeRead(on, img));
    const ghost = randomUUID(); // queued but never fetchable: stays queued during the check
    await cache.enqueue(ghost);
    return { img, ghost };
  };
  const listing = async () => (await call(on.url, 'GET', '/v2/cache', { token: admin })).body;

  let { img, ghost } = await fill();
  assert.equal((await call(on.url, 'DELETE', '/v2/cache', { token: admin, headers: { 'x-image-cache-clear-target': 'cache' } })).status, 204);
  let l = await listing();
  assert.deepEqual(l.cached_images, []);
  assert.ok(l.queued_images.includes(ghost));

  ({ img, ghost } = await fill());
  assert.equal((await call(on.url, 'DELETE', '/v2/cache', { token: admin, headers: { 'x-image-cache-clear-target': 'queue' } })).status, 204);
  l = await listing();
  assert.deepEqual(l.queued_images, []);
  assert.deepEqual(l.cached_images.map((c: { image_id: string }) => c.image_id), [img.id]);

  ({ img, ghost } = await fill());
  assert.equal((await call(on.url, 'DELETE', '/v2/cache', { token: admin, headers: { 'x-image-cache-clear-target': '' } })).status, 204);
  l = await listing();
  assert.deepEqual([l.cached_images, l.queued_images], [[], []]);

  ({ img, ghost } = await fill());
  assert.equal((await call(on.url, 'DELETE', '/v2/cache', { token: admin })).status, 204);
  l = await listing();
  assert.deepEqual([l.cached_images, l.queued_images], [[], []]);

  ({ img, ghost } = await fill());
  const bad = await call(on.url, 'DELETE', '/v2/cache', { token: admin, headers: { 'x-image-cache-clear-target': 'both' } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /x-image-cache-clear-target/);
  l = await listing();
  assert.equal(l.cached_images.length, 1, 'nothing cleared on a bad header');
  assert.ok(l.queued_images.includes(ghost));
  await call(on.url, 'DELETE', '/v2/cache', { token: admin });
});

test('POST /v2/cache/clean and /v2/cache/prune', async () => {
  const clean = await call(on.url, 'POST', '/v2/cache/clean', { token: admin });
  assert.equal(clean.status, 200);
  assert.equal(clean.text, '');
  const prune = await call(on.url, 'POST', '/v2/cache/prune', { token: admin });
  assert.equal(prune.status, 200);
  assert.deepEqual(prune.body, { total_files_pruned: 0, total_bytes_pruned: 0 });
  assert.equal((await call(on.url, 'POST', '/v2/cache/prune', { token: admin, body: { x: 1 } })).status, 400);
});

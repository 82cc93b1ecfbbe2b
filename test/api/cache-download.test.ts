import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { createImage, upload } from '../helpers/image-data.js';

/**
 * The cache in the download path: the second download is served without reading the store,
 * ranges come from the copy, access rules are those of an uncached download, a store whose
 * bytes changed is never cached, eviction keeps the directory within its limit, and a queued
 * image is prefetched from the real store.
 */
let s: TestServer;
let small: TestServer;
let admin: string;
let owner: string;
let stranger: string;
const reads = new Map<TestServer, number>();

/** Counts every read of every store driver of the server (the test's view of "the store was read"). */
function countStoreReads(srv: TestServer): void {
  reads.set(srv, 0);
  for (const drv of srv.app.services.stores.stores.values()) {
    const read = drv.read.bind(drv);
    drv.read = async (...args: Parameters<typeof read>) => {
      reads.set(srv, reads.get(srv)! + 1);
      return read(...args);
    };
  }
}

/** A raw download that also reports whether the body arrived complete. */
function fetchData(srv: TestServer, token: string, id: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${srv.url}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': token, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }));
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false }) : reject(e)));
    req.end();
  });
}

async function activeImage(srv: TestServer, token: string, data: Buffer, body: Record<string, unknown> = {}): Promise<string> {
  const img = await createImage(srv, token, body);
  const r = await upload(srv, token, img.id, data);
  assert.equal(r.status, 204, r.text);
  return img.id as string;
}

async function listing(srv: TestServer) {
  const r = await call(srv.url, 'GET', '/v2/cache', { token: await srv.token({ project: 'p-admin', roles: ['admin'] }) });
  assert.equal(r.status, 200);
  return r.body as { cached_images: { image_id: string; hits: number; size: number }[]; queued_images: string[]; stats: Record<string, any> };
}

const cacheFiles = (srv: TestServer) => readdirSync(srv.app.services.imageCache.cache!.dir).filter((n) => /^[0-9a-f-]{36}$/.test(n));

before(async () => {
  s = await startServer({ IMAGE_CACHE_ENABLED: 'true', IMAGE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'cache-dl-')) });
  small = await startServer({ IMAGE_CACHE_ENABLED: 'true', IMAGE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'cache-small-')), IMAGE_CACHE_MAX_SIZE: '2500' });
  countStoreReads(s);
  countStoreReads(small);
  admin = await s.token({ project: 'p-admin', roles: ['admin'] });
  owner = await s.token({ project: 'p1', roles: ['member'] });
  stranger = await s.token({ project: 'p2', roles: ['member'] });
});

after(async () => {
  await s?.close();
  await small?.close();
});

test('the second download is served from the cache without reading the store; ranges too', async () => {
  const data = randomBytes(5000);
  const id = await activeImage(s, owner, data);
  const r0 = reads.get(s)!;
  const first = await fetchData(s, owner, id);
  assert.equal(first.status, 200);
  assert.ok(first.complete);
  assert.deepEqual(first.body, data);
  assert.equal(reads.get(s), r0 + 1);
  let l = await listing(s);
  const row = l.cached_images.find((c) => c.image_id === id);
  assert.ok(row, 'cached after the first download');
  assert.equal(row.hits, 0);
  assert.equal(row.size, 5000);

  const second = await fetchData(s, owner, id);
  assert.equal(second.status, 200);
  assert.deepEqual(second.body, data);
  assert.equal(second.headers['content-length'], '5000');
  assert.ok(second.headers['content-md5']);
  assert.equal(reads.get(s), r0 + 1, 'the store was not read again');

  const ranged = await fetchData(s, owner, id, { Range: 'bytes=100-199' });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers['content-range'], 'bytes 100-199/5000');
  assert.deepEqual(ranged.body, data.subarray(100, 200));
  const suffix = await fetchData(s, owner, id, { Range: 'bytes=-10' });
  assert.deepEqual(suffix.body, data.subarray(4990));
  assert.equal(reads.get(s), r0 + 1);

  l = await listing(s);
  assert.equal(l.cached_images.find((c) => c.image_id === id)!.hits, 3);
  assert.ok(l.stats.hits >= 3);
  assert.ok(l.stats.bytes_from_cache >= 5000 + 100 + 10);
  assert.ok(l.stats.bytes_from_store >= 5000);
});

test('the cache never bypasses policy: invisible 404, deactivated 403 for non-admins and not served from the cache; delete removes the copy', async () => {
  const data = randomBytes(3000);
  const id = await activeImage(s, owner, data, { visibility: 'private' });
  assert.deepEqual((await fetchData(s, owner, id)).body, data);
  assert.ok(cacheFiles(s).includes(id));
  assert.equal((await fetchData(s, stranger, id)).status, 404);

  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/deactivate`, { token: admin })).status, 204);
  assert.equal((await fetchData(s, owner, id)).status, 403);
  const r0 = reads.get(s)!;
  const asAdmin = await fetchData(s, admin, id);
  assert.equal(asAdmin.status, 200);
  assert.deepEqual(asAdmin.body, data);
  assert.equal(reads.get(s), r0 + 1, 'a deactivated image is read from the store, not the cache');

  assert.equal((await call(s.url, 'POST', `/v2/images/${id}/actions/reactivate`, { token: admin })).status, 204);
  assert.deepEqual((await fetchData(s, owner, id)).body, data);
  assert.equal(reads.get(s), r0 + 1, 'reactivated: served from the verified copy again');

  assert.equal((await call(s.url, 'DELETE', `/v2/images/${id}`, { token: owner })).status, 204);
  assert.ok(!cacheFiles(s).includes(id));
  assert.ok(!(await listing(s)).cached_images.some((c) => c.image_id === id));
});

test('bytes changed in the store behind our back: the fill fails verification, nothing is cached, the client gets no complete body', async () => {
  const data = randomBytes(300_000);
  const id = await activeImage(s, owner, data);
  const img = (await call(s.url, 'GET', `/v2/images/${id}`, { token: admin })).body;
  const loc = s.app.services.stores.default;
  const path = fileURLToPath((loc as any).urlFor(id));
  const changed = Buffer.from(data);
  changed[150_000] ^= 0x55;
  writeFileSync(path, changed);
  const before = (await listing(s)).stats.verification_failures;
  const r0 = reads.get(s)!;
  const got = await fetchData(s, owner, id, { Accept: 'application/json' });
  if (got.status === 503) {
    // Verification failed before the first byte went out: a real error response.
    assert.match(JSON.parse(got.body.toString()).message, /could not be read|verification|checksum/i);
  } else {
    assert.equal(got.status, 200);
    assert.equal(got.complete, false, 'the download is cut short');
    assert.ok(got.body.length < data.length);
  }
  const l = await listing(s);
  assert.equal(l.stats.verification_failures, before + 1);
  assert.ok(!l.cached_images.some((c) => c.image_id === id));
  assert.ok(!cacheFiles(s).includes(id));
  assert.deepEqual(readdirSync(s.app.services.imageCache.cache!.incompleteDir), []);
  await fetchData(s, owner, id);
  assert.equal(reads.get(s), r0 + 2, 'still read from the store');
  assert.ok(img.checksum);
});

test('two concurrent downloads of an uncached image fill it once', async () => {
  const data = randomBytes(200_000);
  const id = await activeImage(s, owner, data);
  const fills = (await listing(s)).stats.fills;
  const [a, b] = await Promise.all([fetchData(s, owner, id), fetchData(s, owner, id)]);
  assert.deepEqual(a.body, data);
  assert.deepEqual(b.body, data);
  assert.equal((await listing(s)).stats.fills, fills + 1);
  const r0 = reads.get(s)!;
  assert.deepEqual((await fetchData(s, owner, id)).body, data);
  assert.equal(reads.get(s), r0);
});

test('queue → prefetch from the real store → the download does not read the store', async () => {
  const data = randomBytes(6000);
  const id = await activeImage(s, owner, data);
  assert.equal((await call(s.url, 'PUT', `/v2/cache/${id}`, { token: admin })).status, 202);
  const end = Date.now() + 20_000;
  while (!(await listing(s)).cached_images.some((c) => c.image_id === id)) {
    if (Date.now() > end) assert.fail('not prefetched');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(!(await listing(s)).queued_images.includes(id));
  const r0 = reads.get(s)!;
  assert.deepEqual((await fetchData(s, owner, id)).body, data);
  assert.equal(reads.get(s), r0);
});

test('least-recently-used eviction keeps the cache directory under IMAGE_CACHE_MAX_SIZE', async () => {
  const t = await small.token({ project: 'p1', roles: ['member'] });
  const ids: string[] = [];
  const blobs: Buffer[] = [];
  for (let i = 0; i < 4; i++) {
    blobs.push(randomBytes(1000));
    ids.push(await activeImage(small, t, blobs[i]));
  }
  for (let i = 0; i < 4; i++) {
    assert.deepEqual((await fetchData(small, t, ids[i])).body, blobs[i]);
    if (i === 1) await fetchData(small, t, ids[0]); // 0 is now more recent than 1
    const dir = small.app.services.imageCache.cache!.dir;
    const total = cacheFiles(small).reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
    assert.ok(total <= 2500, `cache holds ${total} bytes`);
  }
  const cached = new Set((await listing(small)).cached_images.map((c) => c.image_id));
  assert.deepEqual(cached, new Set([ids[3], ids[2]]));
  assert.ok((await listing(small)).stats.evictions >= 2);
  // An image larger than the whole cache is served, never cached.
  const big = randomBytes(3000);
  const bigId = await activeImage(small, t, big);
  assert.deepEqual((await fetchData(small, t, bigId)).body, big);
  assert.ok(!cacheFiles(small).includes(bigId));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageCache } from '../../src/cache/image-cache.js';
import type { ByteRange, CacheableImage } from '../../src/cache/types.js';
import { createLogger } from '../../src/log.js';

const log = createLogger('silent');

function imageOf(data: Buffer, extra: Partial<CacheableImage> = {}): CacheableImage {
  return {
    id: randomUUID(),
    status: 'active',
    size: data.length,
    checksum: createHash('md5').update(data).digest('hex'),
    os_hash_algo: 'sha512',
    os_hash_value: createHash('sha512').update(data).digest('hex'),
    ...extra,
  };
}

/** A store: serves `data` in small chunks (optionally slowly, optionally failing after `failAfter` bytes), counting reads. */
function fakeStore(data: Buffer, o: { chunk?: number; delayMs?: number; failAfter?: number } = {}) {
  const store = {
    reads: 0,
    open: async (range?: ByteRange): Promise<Readable> => {
      store.reads++;
      const bytes = range ? data.subarray(range.start, range.end + 1) : data;
      const chunk = o.chunk ?? 64;
      let pos = 0;
      return new Readable({
        read() {
          const step = () => {
            if (o.failAfter !== undefined && pos >= o.failAfter) return this.destroy(new Error('store went away'));
            if (pos >= bytes.length) return this.push(null);
            this.push(bytes.subarray(pos, pos + chunk));
            pos += chunk;
          };
          if (o.delayMs) setTimeout(step, o.delayMs);
          else step();
        },
      });
    },
  };
  return store;
}

async function drain(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Polls until `check` holds (cleanup is asynchronous; a loaded machine can take a while). */
async function eventually(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await sleep(10);
  }
}

const newDir = () => mkdtempSync(join(tmpdir(), 'cache-unit-'));
const newCache = (dir = newDir(), maxSize = 1 << 20) => ImageCache.create({ dir, maxSize, log, saveDelay: 10 });

test('a whole-image read fills the cache; the next read comes from it without touching the store', async () => {
  const cache = await newCache();
  const data = randomBytes(1000);
  const img = imageOf(data);
  const store = fakeStore(data);
  const first = await cache.serve(img, undefined, store.open);
  assert.equal(first.source, 'store');
  assert.deepEqual(await drain(first.stream), data);
  assert.ok(cache.isCached(img.id));
  const second = await cache.serve(img, undefined, store.open);
  assert.equal(second.source, 'cache');
  assert.deepEqual(await drain(second.stream), data);
  assert.equal(store.reads, 1);
  const m = cache.metrics();
  assert.equal(m.hits, 1);
  assert.equal(m.misses, 1);
  assert.equal(m.fills, 1);
  assert.equal(m.bytes_from_store, 1000);
  assert.equal(m.bytes_from_cache, 1000);
  assert.equal(m.hit_ratio, 0.5);
  const [row] = cache.list();
  assert.equal(row.image_id, img.id);
  assert.equal(row.hits, 1);
  assert.equal(row.size, 1000);
  assert.ok(row.last_accessed >= row.last_modified && row.last_modified > 1.6e9);
  assert.deepEqual(readdirSync(cache.incompleteDir), []);
  await cache.close();
});

test('ranges are served from the cached copy; an uncached range goes to the store and fills nothing', async () => {
  const cache = await newCache();
  const data = randomBytes(500);
  const img = imageOf(data);
  const store = fakeStore(data);
  const ranged = await cache.serve(img, { start: 10, end: 19 }, store.open);
  assert.equal(ranged.source, 'store');
  assert.deepEqual(await drain(ranged.stream), data.subarray(10, 20));
  assert.equal(cache.isCached(img.id), false);
  await drain((await cache.serve(img, undefined, store.open)).stream);
  const fromCache = await cache.serve(img, { start: 490, end: 499 }, store.open);
  assert.equal(fromCache.source, 'cache');
  assert.deepEqual(await drain(fromCache.stream), data.subarray(490));
  assert.equal(store.reads, 2);
  await cache.close();
});

test('bytes that do not match the record are never cached and the client never gets the whole body', async () => {
  const cache = await newCache();
  const data = randomBytes(300);
  const img = imageOf(data);
  const changed = Buffer.from(data);
  changed[150] ^= 0xff; // same size, different content
  const store = fakeStore(changed);
  const got: Buffer[] = [];
  const { stream } = await cache.serve(img, undefined, store.open);
  await assert.rejects(
    (async () => {
      for await (const c of stream) got.push(c as Buffer);
    })(),
    /does not match/,
  );
  assert.ok(Buffer.concat(got).length < data.length, 'the last chunk is withheld');
  assert.equal(cache.isCached(img.id), false);
  assert.equal(cache.metrics().verification_failures, 1);
  assert.deepEqual(readdirSync(cache.incompleteDir), []);
  // The next read goes to the store again.
  const again = await cache.serve(img, undefined, store.open);
  assert.equal(again.source, 'store');
  again.stream.destroy();
  await cache.close();
});

test('a client abort or a store error mid-fill leaves nothing behind', async () => {
  const cache = await newCache();
  const data = randomBytes(4096);
  const img = imageOf(data);
  const slow = fakeStore(data, { chunk: 256, delayMs: 2 });
  const { stream } = await cache.serve(img, undefined, slow.open);
  for await (const _c of stream) break; // reads one chunk, then destroys the stream
  await eventually('the temporary file is removed', () => readdirSync(cache.incompleteDir).length === 0);
  assert.equal(cache.isCached(img.id), false);

  const failing = fakeStore(data, { chunk: 256, failAfter: 1024 });
  const r = await cache.serve(img, undefined, failing.open);
  await assert.rejects(drain(r.stream), /store went away/);
  await eventually('the temporary file is removed', () => readdirSync(cache.incompleteDir).length === 0);
  await eventually('both fills counted as failed', () => cache.metrics().fill_failures === 2);
  assert.equal(cache.isCached(img.id), false);
  assert.equal(cache.metrics().fill_failures, 2);
  await cache.close();
});

test('two concurrent reads of an uncached image fill it once', async () => {
  const cache = await newCache();
  const data = randomBytes(2048);
  const img = imageOf(data);
  const store = fakeStore(data, { chunk: 256, delayMs: 1 });
  const [a, b] = await Promise.all([cache.serve(img, undefined, store.open), cache.serve(img, undefined, store.open)]);
  const [da, db] = await Promise.all([drain(a.stream), drain(b.stream)]);
  assert.deepEqual(da, data);
  assert.deepEqual(db, data);
  assert.equal(cache.metrics().fills, 1);
  assert.equal(readdirSync(cache.dir).filter((n) => n === img.id).length, 1);
  const third = await cache.serve(img, undefined, store.open);
  assert.equal(third.source, 'cache');
  assert.deepEqual(await drain(third.stream), data);
  await cache.close();
});

test('least-recently-used copies are evicted to stay within the maximum size', async () => {
  const cache = await newCache(newDir(), 250);
  const imgs = [randomBytes(100), randomBytes(100), randomBytes(100)].map((d) => ({ d, img: imageOf(d), store: fakeStore(d) }));
  const [a, b, c] = imgs;
  await drain((await cache.serve(a.img, undefined, a.store.open)).stream);
  await sleep(5);
  await drain((await cache.serve(b.img, undefined, b.store.open)).stream);
  await sleep(5);
  await drain((await cache.serve(a.img, undefined, a.store.open)).stream); // a is now more recent than b
  await sleep(5);
  await drain((await cache.serve(c.img, undefined, c.store.open)).stream);
  assert.deepEqual(new Set(cache.list().map((r) => r.image_id)), new Set([a.img.id, c.img.id]));
  const onDisk = () => readdirSync(cache.dir).filter((n) => /^[0-9a-f-]{36}$/.test(n));
  await eventually('the evicted copy is deleted', () => onDisk().length === 2);
  assert.equal(onDisk().reduce((t, n) => t + statSync(join(cache.dir, n)).size, 0), 200);
  assert.equal(cache.metrics().evictions, 1);
  // An image larger than the whole cache is served but never cached.
  const big = randomBytes(300);
  const bi = imageOf(big);
  assert.deepEqual(await drain((await cache.serve(bi, undefined, fakeStore(big).open)).stream), big);
  assert.equal(cache.isCached(bi.id), false);
  assert.ok(cache.size <= 250);
  await cache.close();
});

test('the index survives a restart; incomplete fills and unknown files are removed at start', async () => {
  const dir = newDir();
  const cache = await newCache(dir);
  const data = randomBytes(200);
  const img = imageOf(data);
  const store = fakeStore(data);
  await drain((await cache.serve(img, undefined, store.open)).stream);
  await drain((await cache.serve(img, undefined, store.open)).stream);
  const queuedId = randomUUID();
  await cache.enqueue(queuedId);
  await cache.close();
  writeFileSync(join(dir, 'incomplete', `${randomUUID()}.abc`), 'partial');
  writeFileSync(join(dir, randomUUID()), 'a copy nobody verified');
  const again = await newCache(dir);
  assert.deepEqual(readdirSync(again.incompleteDir), []);
  assert.deepEqual(readdirSync(dir).sort(), [img.id, 'incomplete', 'index.json'].sort());
  assert.equal(again.list()[0].hits, 1);
  assert.deepEqual(again.queued(), [queuedId]);
  const r = await again.serve(img, undefined, store.open);
  assert.equal(r.source, 'cache');
  assert.deepEqual(await drain(r.stream), data);
  await again.close();
});

test('a copy whose record changed is not served; evict and deactivation stop serving it', async () => {
  const cache = await newCache();
  const data = randomBytes(100);
  const img = imageOf(data);
  const store = fakeStore(data);
  await drain((await cache.serve(img, undefined, store.open)).stream);
  assert.equal((await cache.serve({ ...img, status: 'deactivated' }, undefined, store.open)).source, 'store');
  assert.equal(cache.isCached(img.id), true);
  assert.equal(await cache.evict(img.id), true);
  assert.equal(cache.isCached(img.id), false);
  assert.equal(readdirSync(cache.dir).includes(img.id), false);
  await drain((await cache.serve(img, undefined, store.open)).stream);
  // The record now says other bytes: the old copy is dropped, not served.
  const other = randomBytes(100);
  const changed = { ...imageOf(other), id: img.id };
  const r = await cache.serve(changed, undefined, fakeStore(other).open);
  assert.equal(r.source, 'store');
  assert.deepEqual(await drain(r.stream), other);
  const again = await cache.serve(changed, undefined, store.open);
  assert.equal(again.source, 'cache');
  again.stream.destroy();
  await cache.close();
});

test('evicting an image while it is being filled discards that fill', async () => {
  const cache = await newCache();
  const data = randomBytes(2048);
  const img = imageOf(data);
  const { stream } = await cache.serve(img, undefined, fakeStore(data, { chunk: 256, delayMs: 2 }).open);
  const reading = drain(stream);
  await sleep(5);
  await cache.evict(img.id);
  assert.deepEqual(await reading, data, 'the client still gets its bytes');
  assert.equal(cache.isCached(img.id), false);
  assert.deepEqual(readdirSync(cache.incompleteDir), []);
  await cache.close();
});

test('clean removes corrupt copies and stray incomplete files; prune and clear', async () => {
  const cache = await newCache();
  const d1 = randomBytes(100);
  const d2 = randomBytes(100);
  const i1 = imageOf(d1);
  const i2 = imageOf(d2);
  await drain((await cache.serve(i1, undefined, fakeStore(d1).open)).stream);
  await drain((await cache.serve(i2, undefined, fakeStore(d2).open)).stream);
  const p1 = join(cache.dir, i1.id);
  const bad = readFileSync(p1);
  bad[0] ^= 1;
  writeFileSync(p1, bad);
  writeFileSync(join(cache.incompleteDir, 'stray'), 'x');
  assert.deepEqual(await cache.clean(), { incomplete: 1, invalid: 1 });
  assert.deepEqual(cache.list().map((r) => r.image_id), [i2.id]);
  assert.deepEqual(await cache.prune(), { files: 0, bytes: 0 });
  assert.equal(await cache.clearCache(), 1);
  assert.deepEqual(cache.list(), []);
  await cache.close();
});

test('prefetch fills without a client and waits for a running fill', async () => {
  const cache = await newCache();
  const data = randomBytes(1024);
  const img = imageOf(data);
  const store = fakeStore(data, { chunk: 128, delayMs: 1 });
  const client = await cache.serve(img, undefined, store.open);
  const reading = drain(client.stream);
  assert.equal(await cache.prefetch(img, () => store.open()), true);
  await reading;
  assert.equal(store.reads, 1);
  const other = randomBytes(50);
  const oi = imageOf(other);
  assert.equal(await cache.prefetch(oi, () => fakeStore(other).open()), true);
  assert.ok(cache.isCached(oi.id));
  assert.equal(cache.metrics().bytes_prefetched, 50);
  // Not cacheable: not active, or nothing to verify against.
  assert.equal(await cache.prefetch({ ...imageOf(other), status: 'queued' }, () => fakeStore(other).open()), false);
  assert.equal(await cache.prefetch({ ...imageOf(other), checksum: null, os_hash_value: null }, () => fakeStore(other).open()), false);
  await cache.close();
});

test('trouble on the cache side abandons the fill, never the download', async () => {
  const cache = await newCache();
  const data = randomBytes(5000);
  const img = imageOf(data);
  const { rmSync } = await import('node:fs');
  rmSync(cache.incompleteDir, { recursive: true, force: true }); // the temporary file cannot be created
  const r = await cache.serve(img, undefined, fakeStore(data).open);
  assert.deepEqual(await drain(r.stream), data);
  assert.equal(cache.isCached(img.id), false);
  assert.equal(cache.metrics().fill_failures, 1);
  await cache.close();
});

test('large images are hashed off the event loop with the same verdicts', async () => {
  const cache = await newCache(newDir(), 64 << 20);
  const data = randomBytes(6 << 20);
  const img = imageOf(data);
  const store = fakeStore(data, { chunk: 65536 });
  assert.deepEqual(await drain((await cache.serve(img, undefined, store.open)).stream), data);
  assert.ok(cache.isCached(img.id));
  const changed = Buffer.from(data);
  changed[5 << 20] ^= 1;
  const bad = { ...imageOf(data) };
  const got: Buffer[] = [];
  const s = (await cache.serve(bad, undefined, fakeStore(changed, { chunk: 65536 }).open)).stream;
  await assert.rejects(
    (async () => {
      for await (const c of s) got.push(c as Buffer);
    })(),
    /does not match/,
  );
  assert.ok(Buffer.concat(got).length < data.length);
  assert.equal(cache.isCached(bad.id), false);
  assert.deepEqual(readdirSync(cache.incompleteDir), []);
  await cache.close();
});

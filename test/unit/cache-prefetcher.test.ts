import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ImageCache } from '../../src/cache/image-cache.js';
import { Prefetcher } from '../../src/cache/prefetcher.js';
import type { CacheableImage } from '../../src/cache/types.js';
import { createLogger } from '../../src/log.js';

const log = createLogger('silent');

function imageOf(data: Buffer): CacheableImage {
  return { id: randomUUID(), status: 'active', size: data.length, checksum: createHash('md5').update(data).digest('hex'), os_hash_algo: 'sha256', os_hash_value: createHash('sha256').update(data).digest('hex') };
}

test('queued images are fetched with bounded concurrency, retried with back-off, then dequeued', async () => {
  const cache = await ImageCache.create({ dir: mkdtempSync(join(tmpdir(), 'prefetch-')), maxSize: 1 << 20, log });
  const images = new Map<string, { img: CacheableImage; data: Buffer }>();
  for (let i = 0; i < 5; i++) {
    const data = randomBytes(500);
    const img = imageOf(data);
    images.set(img.id, { img, data });
  }
  const flaky = [...images.keys()][0];
  const gone = randomUUID();
  let running = 0;
  let peak = 0;
  let flakyTries = 0;
  const opens: number[] = [];
  const source = {
    load: async (id: string) => images.get(id)?.img ?? null,
    open: async (img: CacheableImage) => {
      if (img.id === flaky && ++flakyTries < 3) throw new Error('store timeout');
      opens.push(Date.now());
      running++;
      peak = Math.max(peak, running);
      const { data } = images.get(img.id)!;
      const chunks = [data.subarray(0, 250), data.subarray(250)];
      return new Readable({
        read() {
          setTimeout(() => {
            const c = chunks.shift();
            if (!c) running--;
            this.push(c ?? null);
          }, 10);
        },
      });
    },
  };
  const p = new Prefetcher(cache, source, { concurrency: 2, retries: 3, backoffMs: 5, log });
  for (const id of [...images.keys(), gone]) await cache.enqueue(id);
  p.kick();
  assert.ok(p.status().active.length <= 2 && p.status().active.length > 0);
  await p.idle();
  assert.deepEqual(cache.queued(), []);
  for (const id of images.keys()) assert.ok(cache.isCached(id), `${id} cached`);
  assert.equal(cache.isCached(gone), false);
  assert.equal(flakyTries, 3);
  assert.ok(peak <= 2, `at most 2 fetches at once (saw ${peak})`);
  assert.deepEqual({ completed: p.status().completed, failed: p.status().failed }, { completed: 5, failed: 1 });
  await p.close();
  await cache.close();
});

test('an image that keeps failing is given up on after the retries', async () => {
  const cache = await ImageCache.create({ dir: mkdtempSync(join(tmpdir(), 'prefetch-')), maxSize: 1 << 20, log });
  const data = randomBytes(10);
  const img = imageOf(data);
  let tries = 0;
  const p = new Prefetcher(cache, { load: async () => img, open: async () => { tries++; throw new Error('down'); } }, { concurrency: 1, retries: 2, backoffMs: 1, log });
  await cache.enqueue(img.id);
  p.kick();
  await p.idle();
  assert.equal(tries, 3);
  assert.deepEqual(cache.queued(), []);
  assert.equal(p.status().failed, 1);
  await cache.close();
});

test('a prefetched copy is counted as completed in the same turn it is listed, not once its index is saved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prefetch-'));
  const cache = await ImageCache.create({ dir, maxSize: 1 << 20, log });
  const data = randomBytes(3000);
  const img = imageOf(data);
  const p = new Prefetcher(cache, { load: async () => img, open: async () => Readable.from([data]) }, { concurrency: 1, retries: 0, backoffMs: 1, log });
  await cache.enqueue(img.id);
  p.kick();
  // Looks once per event-loop turn, as a GET /v2/cache between two I/O callbacks would, until the index holds the copy.
  const seen: string[] = [];
  const saved = () => readFile(join(dir, 'index.json'), 'utf8').then((t) => (JSON.parse(t) as { entries: { id: string }[] }).entries.some((e) => e.id === img.id), () => false);
  while (!(await saved())) {
    if (cache.isCached(img.id) && !cache.queued().includes(img.id)) seen.push(`listed, completed ${p.status().completed}`);
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(seen.length > 0, 'the copy was listed before its index was saved');
  assert.deepEqual([...new Set(seen)], ['listed, completed 1']);
  await p.close();
  await cache.close();
});

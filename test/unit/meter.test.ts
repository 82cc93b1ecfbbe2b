import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Meter } from '../../src/stores/store.js';
import { BATCH } from '../../src/stores/hashing.js';

/** Streams `data` in chunks of varying sizes through a Meter; returns what came out and the result. */
async function meter(data: Buffer, algo: string, maxSize?: number) {
  const sizes = [1, 7, 65536, BATCH - 3, 4096, BATCH + 5, 100_000];
  const chunks: Buffer[] = [];
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length], data.length - off);
    chunks.push(data.subarray(off, off + n));
    off += n;
  }
  const out: Buffer[] = [];
  const m = new Meter(algo, maxSize);
  await pipeline(
    Readable.from(chunks),
    m,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(Buffer.from(c));
        // a slow consumer, now and then
        if (out.length % 5 === 0) setTimeout(cb, 1);
        else cb();
      },
    }),
  );
  return { out: Buffer.concat(out), result: m.result('file:///x') };
}

test('Meter passes the bytes through unchanged and computes size, MD5 and the multihash', async () => {
  for (const size of [0, 1, BATCH - 1, BATCH, 3 * BATCH + 12345]) {
    const data = randomBytes(size);
    const { out, result } = await meter(data, 'sha512');
    assert.ok(out.equals(data), `${size} bytes pass through`);
    assert.equal(result.size, size);
    assert.equal(result.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(result.os_hash_value, createHash('sha512').update(data).digest('hex'));
  }
});

test('concurrent Meters reusing shared batches never mix their data', async () => {
  const inputs = Array.from({ length: 6 }, (_, i) => randomBytes(2 * BATCH + 1000 * i));
  const results = await Promise.all(inputs.map((d, i) => meter(d, i % 2 ? 'sha256' : 'sha512')));
  results.forEach(({ result }, i) => {
    assert.equal(result.checksum, createHash('md5').update(inputs[i]).digest('hex'), `md5 of stream ${i}`);
    assert.equal(result.os_hash_value, createHash(i % 2 ? 'sha256' : 'sha512').update(inputs[i]).digest('hex'), `multihash of stream ${i}`);
  });
  // and again, now that batches come from the free list
  const again = await meter(inputs[0], 'sha512');
  assert.equal(again.result.os_hash_value, createHash('sha512').update(inputs[0]).digest('hex'));
});

test('Meter refuses data beyond maxSize with TooLarge', async () => {
  await assert.rejects(meter(randomBytes(BATCH + 10), 'sha512', BATCH), (e: Error & { kind?: string }) => e.kind === 'TooLarge');
});

/**
 * The contract every writable store driver meets, shared by test/contract/stores.test.ts and
 * the store lane (test/stores/): write, read whole and ranged, delete, hashes, size cap, and
 * nothing left behind by a failed write.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { StoreDriver } from '../../src/stores/store.js';
import { DomainError } from '../../src/domain/errors.js';

export async function drain(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A readable that yields `data` in small chunks, then fails (a client that disconnects). */
export function failingAfter(data: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(data);
      } else this.destroy(new Error('client went away'));
    },
  });
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

/** The contract every writable store driver meets. `leftovers()` counts stored objects/files. */
export function runStoreContract(name: string, make: () => Promise<{ store: StoreDriver; leftovers: () => Promise<number> }>): void {
  describe(`store contract: ${name}`, () => {
    let store: StoreDriver;
    let leftovers: () => Promise<number>;
    before(async () => ({ store, leftovers } = await make()));

    it('writes a stream and reports size, md5, multihash and a location it owns', async () => {
      const data = randomBytes(700_000);
      const id = randomUUID();
      const r = await store.write(id, Readable.from([data.subarray(0, 1000), data.subarray(1000)]), { hashAlgo: 'sha512' });
      assert.equal(r.size, data.length);
      assert.equal(r.checksum, md5(data));
      assert.equal(r.os_hash_algo, 'sha512');
      assert.equal(r.os_hash_value, sha512(data));
      assert.ok(store.owns(r.url));
      assert.deepEqual(await drain(await store.read(r.url)), data);
      assert.deepEqual(await drain(await store.read(r.url, { start: 5, end: 300_004 })), data.subarray(5, 300_005));
      assert.deepEqual(await drain(await store.read(r.url, { start: data.length - 1, end: data.length - 1 })), data.subarray(data.length - 1));
      await store.delete(r.url);
      await assert.rejects(store.read(r.url), (e: unknown) => (e as { code?: string }).code === 'ENOENT');
      await store.delete(r.url); // idempotent
    });

    it('honours another hash algorithm and empty data', async () => {
      const r = await store.write(randomUUID(), Readable.from([]), { hashAlgo: 'sha256' });
      assert.equal(r.size, 0);
      assert.equal(r.os_hash_value, createHash('sha256').digest('hex'));
      await store.delete(r.url);
    });

    it('leaves nothing behind when the source fails mid-stream', async () => {
      const before = await leftovers();
      const id = randomUUID();
      await assert.rejects(store.write(id, failingAfter(randomBytes(300_000)), { hashAlgo: 'sha512' }), /client went away/);
      assert.equal(await leftovers(), before);
    });

    it('refuses data beyond maxSize with TooLarge and leaves nothing behind', async () => {
      const before = await leftovers();
      await assert.rejects(store.write(randomUUID(), Readable.from([randomBytes(1000), randomBytes(1000)]), { hashAlgo: 'sha512', maxSize: 1500 }), (e: unknown) => e instanceof DomainError && e.kind === 'TooLarge');
      assert.equal(await leftovers(), before);
    });

    it('accepts only uuid image ids and only its own locations', async () => {
      await assert.rejects(store.write('../../etc/passwd', Readable.from([Buffer.from('x')]), { hashAlgo: 'sha512' }), /not a UUID/);
      assert.equal(store.owns('file:///etc/passwd'), false);
      assert.equal(store.owns('gridfs://other/' + randomUUID()), false);
    });

    it('never folds the case of an image id: an upper-case twin is refused, not aliased', async () => {
      const id = randomUUID().replace(/^./, 'a');
      const mine = await store.write(id, Readable.from([Buffer.from('mine')]), { hashAlgo: 'sha512' });
      await assert.rejects(store.write(id.toUpperCase(), Readable.from([Buffer.from('theirs')]), { hashAlgo: 'sha512' }), /not a UUID in canonical/);
      assert.equal(store.owns(mine.url.replace(id, id.toUpperCase())), false);
      await store.delete(mine.url.replace(id, id.toUpperCase())).catch(() => undefined);
      assert.equal((await drain(await store.read(mine.url))).toString(), 'mine');
      await store.delete(mine.url);
    });

    it('overwrites leftovers of an earlier attempt for the same image', async () => {
      const id = randomUUID();
      await store.write(id, Readable.from([Buffer.from('first attempt')]), { hashAlgo: 'sha512' });
      const r = await store.write(id, Readable.from([Buffer.from('second')]), { hashAlgo: 'sha512' });
      assert.equal((await drain(await store.read(r.url))).toString(), 'second');
      await store.delete(r.url);
    });
  });
}

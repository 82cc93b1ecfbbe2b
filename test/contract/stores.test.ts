import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MongoClient } from 'mongodb';
import { FileStore } from '../../src/stores/file.js';
import { GridFsStore } from '../../src/stores/gridfs.js';
import { HttpStore } from '../../src/stores/http.js';
import { SsrfGuard, guardedFetch, unwrapMapped } from '../../src/stores/ssrf.js';
import type { StoreDriver } from '../../src/stores/store.js';
import { DomainError } from '../../src/domain/errors.js';

async function drain(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A readable that yields `data` in small chunks, then fails (a client that disconnects). */
function failingAfter(data: Buffer): Readable {
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

let mongo: MongoClient | undefined;
after(async () => mongo?.close());

runStoreContract('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-file-'));
  const store = new FileStore({ id: 'fast', dir });
  return { store, leftovers: async () => (existsSync(dir) ? readdirSync(dir).length : 0) };
});

runStoreContract('gridfs', async () => {
  mongo = new MongoClient(process.env.TEST_MONGODB_URI!);
  await mongo.connect();
  const db = mongo.db(`t_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
  const store = new GridFsStore({ id: 'db', db, chunkSize: 64 * 1024 });
  return {
    store,
    leftovers: async () => (await db.collection('store_db.files').countDocuments()) + (await db.collection('store_db.chunks').countDocuments()),
  };
});

describe('file store paths', () => {
  it('derives the path from the id only and rejects traversal in locations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-file-'));
    const store = new FileStore({ id: 'fast', dir });
    const id = randomUUID();
    assert.equal(store.pathFor(id), join(dir, id));
    writeFileSync(join(dir, 'secret'), 'x');
    assert.equal(store.owns(`file://${dir}/secret`), false);
    assert.equal(store.owns(`file://${dir}/../${id}`), false);
    assert.equal(store.owns(`file://${dir}/sub/${id}`), false);
    await assert.rejects(store.read(`file://${dir}/secret`));
  });
});

describe('ssrf guard', () => {
  const guard = new SsrfGuard();
  it('refuses non-public addresses, v4, v6 and v4-mapped', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '0:0:0:0:0:ffff:a00:1']) {
      assert.equal(guard.addressAllowed(ip), false, ip);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) assert.equal(guard.addressAllowed(ip), true, ip);
    assert.equal(unwrapMapped('::ffff:7f00:1'), '127.0.0.1');
  });
  it('honours the allow list by host and CIDR', () => {
    const g = new SsrfGuard(['127.0.0.0/8', 'internal.example']);
    assert.equal(g.addressAllowed('127.0.0.5'), true);
    assert.equal(g.addressAllowed('::ffff:127.0.0.5'), true);
    assert.equal(g.addressAllowed('10.0.0.1'), false);
    assert.equal(g.addressAllowed('10.0.0.1', 'internal.example'), true);
  });
  it('refuses other schemes and credentials in URLs', () => {
    assert.throws(() => guard.checkUrl(new URL('file:///etc/passwd')), /scheme/);
    assert.throws(() => guard.checkUrl(new URL('http://u:p@example.com/')), /credentials/);
    assert.throws(() => guard.checkUrl(new URL('http://[::1]/')), /not a public/);
  });
});

describe('http store (read side) and redirects', () => {
  let server: Server;
  let base: string;
  const data = randomBytes(200_000);
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect-private') {
        res.writeHead(302, { location: 'http://10.255.255.1/x' });
        return res.end();
      }
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/image' });
        return res.end();
      }
      const m = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
      if (m) {
        const [s, e] = [Number(m[1]), Number(m[2])];
        res.writeHead(206, { 'content-length': e - s + 1 });
        return res.end(data.subarray(s, e + 1));
      }
      res.writeHead(200, { 'content-length': data.length });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('is refused on loopback unless allowed by configuration', async () => {
    const blocked = new HttpStore({ id: 'web', guard: new SsrfGuard(), timeoutMs: 2000, maxRedirects: 3 });
    await assert.rejects(blocked.read(`${base}/image`), /not a public address/);
    const lh = new HttpStore({ id: 'web', guard: new SsrfGuard(), timeoutMs: 2000, maxRedirects: 3 });
    await assert.rejects(lh.read(base.replace('127.0.0.1', 'localhost') + '/image'), /localhost|not a public/);
  });

  it('reads whole and ranged data when allowed, follows and re-checks redirects', async () => {
    const store = new HttpStore({ id: 'web', guard: new SsrfGuard(['127.0.0.1/32']), timeoutMs: 2000, maxRedirects: 3 });
    assert.equal(store.readOnly, true);
    assert.deepEqual(await drain(await store.read(`${base}/image`)), data);
    assert.deepEqual(await drain(await store.read(`${base}/image`, { start: 10, end: 99 })), data.subarray(10, 100));
    assert.deepEqual(await drain(await store.read(`${base}/redirect`)), data);
    assert.equal(await store.size(`${base}/image`), data.length);
    await assert.rejects(store.read(`${base}/redirect-private`), /not a public address/);
    await assert.rejects(store.write(), /read-only/);
  });

  it('times out on a stalled server', async () => {
    const stall = createServer(() => undefined);
    await new Promise<void>((r) => stall.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(stall.address() as AddressInfo).port}/`;
    await assert.rejects(guardedFetch(new SsrfGuard(['127.0.0.1']), url, { timeoutMs: 300, maxRedirects: 0 }), /timed out/);
    stall.closeAllConnections();
    await new Promise<void>((r) => stall.close(() => r()));
  });
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { FileStore } from '../../src/stores/file.js';
import { GridFsStore } from '../../src/stores/gridfs.js';
import { HttpStore } from '../../src/stores/http.js';
import { SsrfGuard, guardedFetch, unwrapMapped } from '../../src/stores/ssrf.js';
import { drain, runStoreContract } from './store-contract.js';

export { runStoreContract };

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

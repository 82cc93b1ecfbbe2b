/**
 * The swift store against a real single-node Swift (scripts/swift-local.sh): the store contract
 * with tempauth, Static Large Objects (segment size lowered), ranges across segments, an
 * interrupted upload, a token that expires between segments, wrong credentials, and, when
 * Keystone is installed, the contract again with Keystone v3 auth and a revoked token.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SwiftStore, type SwiftStoreOptions } from '../../src/stores/swift.js';
import { swiftOptions } from '../../src/stores/object-options.js';
import { SwiftClient, SwiftError } from '../../src/stores/swift-client.js';
import { DomainError } from '../../src/domain/errors.js';
import { drain, failingAfter, runStoreContract } from '../contract/store-contract.js';
import { registerSwift, startSwift, swiftUnavailableReason, TEMPAUTH, type Swift } from '../helpers/swift.js';
import { freePort, keystoneUnavailableReason, startKeystone, type Keystone } from '../helpers/keystone.js';
import { relay, seededBytes, slowSource } from './fixtures.js';

const skip = swiftUnavailableReason();
const KiB = 1024;
/** tempauth tokens of this cluster live this long, so the expiry test waits little. */
const TOKEN_LIFE = 4;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

let swift: Swift | undefined;
let keystone: Keystone | undefined;
const withKeystone = !skip && !keystoneUnavailableReason() && process.env.SWIFT_KEYSTONE !== '0';
let started: Promise<void> | undefined;
/** Starts Keystone (when installed) and Swift once for every suite of this file. */
function cluster(): Promise<void> {
  started ??= (async () => {
    if (withKeystone) {
      const port = await freePort();
      keystone = await startKeystone({ port });
    }
    swift = await startSwift({ keystoneUrl: keystone?.url, tokenLife: TOKEN_LIFE });
  })();
  return started;
}
after(async () => {
  await swift?.stop();
  await keystone?.stop();
});

function tempauthStore(o: Partial<Record<string, unknown>> = {}, id = 'obj'): SwiftStore {
  return new SwiftStore(
    swiftOptions(id, {
      auth_address: swift!.authUrl,
      auth_version: '1',
      user: TEMPAUTH.user,
      key: TEMPAUTH.key,
      container: `c-${randomUUID().slice(0, 8)}`,
      expire_soon_interval: 1,
      ...o,
    }),
  );
}

/**
 * The objects of the store's container that are really there. Swift updates a listing after a
 * write or delete has answered (in the background under load, or by its updater), so a listing
 * may still show what is gone, or not yet show what was just written: each name is checked.
 */
async function stored(s: SwiftStore): Promise<string[]> {
  const c = s.properties().container as string;
  const names: string[] = [];
  for (const name of await s.client.list(c)) if (await s.client.headObject(c, name)) names.push(name);
  return names.sort();
}
/** `stored(s)` once it is `expected`, or as it stands after 20 s. */
async function objects(s: SwiftStore, expected: string[] = []): Promise<string[]> {
  const want = JSON.stringify([...expected].sort());
  const end = Date.now() + 20_000;
  for (;;) {
    const names = await stored(s);
    if (JSON.stringify(names) === want || Date.now() > end) return names;
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (skip) {
  // skipped where Swift is not installed, but a failure in the store lane, which exists to run it
  describe('swift store', () => it('needs a local Swift', { skip: process.env.STORES_LANE ? false : skip }, () => assert.fail(skip)));
} else {
  runStoreContract('swift', async () => {
    await cluster();
    const store = tempauthStore();
    return { store, leftovers: async () => (await stored(store)).length };
  });

  describe('swift client (src/stores/swift-client.ts)', () => {
    before(cluster);
    const client = (expireSoonMs = 0) => new SwiftClient({ authUrl: swift!.authUrl, authVersion: '1', user: TEMPAUTH.user, key: TEMPAUTH.key, expireSoonMs });

    it('creates containers only when asked, streams objects in and out, ranges, lists by prefix, copies, deletes', async () => {
      const c = client();
      const name = `cl-${randomUUID().slice(0, 8)}`;
      await assert.rejects(c.ensureContainer(name, false), (e: unknown) => e instanceof SwiftError && e.status === 404);
      await c.ensureContainer(name, true);
      await c.ensureContainer(name, false);
      const data = seededBytes(200 * KiB, 31);
      const etag = await c.putObject(name, 'a/b c', () => Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
      assert.equal(etag, md5(data));
      await c.copyObject(name, 'a/b c', name, 'copy');
      assert.deepEqual(await c.list(name, 'a/'), ['a/b c']);
      assert.deepEqual((await c.list(name)).sort(), ['a/b c', 'copy']);
      const part = await c.getObject(name, 'copy', { start: 10, end: 19 });
      assert.equal(part?.status, 206);
      assert.deepEqual(await drain(part!.body as unknown as Readable), data.subarray(10, 20));
      assert.equal(await c.getObject(name, 'missing'), null);
      for (const o of ['a/b c', 'copy', 'missing']) await c.deleteObject(name, o);
      assert.deepEqual(await c.list(name), []);
      c.close();
    });

    it('sends a login, a request and an upload again when Swift had closed their kept-alive connections', async () => {
      const r = await relay(swift!.url);
      try {
        const c = new SwiftClient({ authUrl: `${r.url}/auth/v1.0`, authVersion: '1', user: TEMPAUTH.user, key: TEMPAUTH.key, expireSoonMs: 0 });
        const name = `cl-${randomUUID().slice(0, 8)}`;
        // several kept-alive connections in the pool, all of which Swift then closes
        await Promise.all([c.ensureContainer(name, true), c.session(true), c.list(name)]);
        r.cut();
        const before = c.authentications;
        await c.session(true);
        assert.equal(c.authentications, before + 1);
        r.cut();
        assert.deepEqual(await c.list(name), []);
        r.cut();
        const etag = await c.putObject(name, 'o', () => Readable.from([Buffer.from('kept')]));
        assert.equal(etag, md5(Buffer.from('kept')));
        c.close();
      } finally {
        await r.close();
      }
    });

    it('renews a token Swift refuses (401) and sends a request without a body again', async () => {
      // told to trust tokens an hour past their announced expiry, the client learns of it from Swift
      const c = client(-3_600_000);
      const name = `cl-${randomUUID().slice(0, 8)}`;
      await c.ensureContainer(name, true);
      const first = await c.currentToken();
      await new Promise((r) => setTimeout(r, (TOKEN_LIFE + 1) * 1000));
      assert.deepEqual(await c.list(name), []);
      assert.notEqual(await c.currentToken(), first);
      assert.equal(c.authentications, 2);
      c.close();
    });
  });

  describe('swift store: large objects, ranges, faults', () => {
    before(cluster);
    const large = () => tempauthStore({ large_object_size: 256 / 1024, large_object_chunk_size: 100 / 1024 });

    it('writes an image above large_object_size as a Static Large Object and reads ranges across segments', async () => {
      const store = large();
      const data = seededBytes(700 * KiB + 123, 7);
      const id = randomUUID();
      const r = await store.write(id, slowSource(data, { chunk: 50 * KiB }), { hashAlgo: 'sha512' });
      assert.equal(r.size, data.length);
      assert.equal(r.checksum, md5(data));
      // first 256 KiB copied to segment 0, then 100 KiB segments: 256 + 5×100 = 756 > 700.123
      const expected = [id, ...[0, 1, 2, 3, 4, 5].map((i) => `${id}-0000${i}`)];
      assert.deepEqual(await objects(store, expected), expected);
      const head = await store.client.headObject(store.properties().container as string, id, { 'multipart-manifest': 'get' });
      assert.equal(head?.['x-static-large-object'], 'True');
      assert.deepEqual(await drain(await store.read(r.url)), data);
      for (const [s, e] of [
        [0, 0],
        [256 * KiB - 1, 256 * KiB],
        [255 * KiB, 457 * KiB],
        [data.length - 10, data.length - 1],
        [100, data.length - 1],
      ]) {
        assert.deepEqual(await drain(await store.read(r.url, { start: s, end: e })), data.subarray(s, e + 1), `range ${s}-${e}`);
      }
      await store.delete(r.url);
      assert.deepEqual(await objects(store), []);
    });

    it('keeps an image of exactly large_object_size as one plain object', async () => {
      const store = large();
      const data = seededBytes(256 * KiB, 3);
      const id = randomUUID();
      const r = await store.write(id, Readable.from([data]), { hashAlgo: 'sha256' });
      assert.deepEqual(await objects(store, [id]), [id]);
      assert.deepEqual(await drain(await store.read(r.url, { start: 1000, end: 2000 })), data.subarray(1000, 2001));
      await store.delete(r.url);
    });

    it('leaves no object and no segment when the source fails after several segments', async () => {
      const store = large();
      await assert.rejects(store.write(randomUUID(), failingAfter(seededBytes(600 * KiB, 5)), { hashAlgo: 'sha512' }), /client went away/);
      assert.deepEqual(await objects(store), []);
      await assert.rejects(store.write(randomUUID(), Readable.from([seededBytes(300 * KiB), seededBytes(300 * KiB)]), { hashAlgo: 'sha512', maxSize: 500 * KiB }), (e: unknown) => e instanceof DomainError && e.kind === 'TooLarge');
      assert.deepEqual(await objects(store), []);
    });

    it('answers 503 naming the store when Swift goes away mid-upload, and leaves nothing', async () => {
      const r = await relay(swift!.url);
      try {
        const store = tempauthStore({ auth_address: `${r.url}/auth/v1.0`, large_object_size: 256 / 1024, large_object_chunk_size: 100 / 1024 });
        const data = seededBytes(600 * KiB, 9);
        const failed = store.write(randomUUID(), slowSource(data, { chunk: 32 * KiB, pauseAfter: 400 * KiB, pauseMs: 50, onPause: async () => r.cut() }), { hashAlgo: 'sha512' });
        await assert.rejects(failed, (e: unknown) => e instanceof DomainError && e.kind === 'Unavailable' && /Store obj \(swift\)/.test(e.message));
        const direct = tempauthStore({ container: store.properties().container });
        assert.deepEqual(await objects(direct), []);
      } finally {
        await r.close();
      }
    });

    it('deletes the segments of a failed upload by name, though the listing does not show them', async () => {
      const store = large();
      const c = store.properties().container as string;
      await store.check();
      const id = randomUUID();
      // the container server stops answering once the first 256 KiB are stored: object writes and
      // deletes still succeed, the listing misses what follows and then cannot be read at all
      const containerServer = Number(readFileSync(join(swift!.dir, 'pids'), 'utf8').split('\n')[1]);
      let stopped = false;
      const resume = () => stopped && process.kill(-containerServer, 'SIGCONT');
      try {
        const data = seededBytes(600 * KiB, 21);
        let pos = 0;
        const source = new Readable({
          read() {
            if (pos >= 300 * KiB && !stopped) {
              stopped = true;
              process.kill(-containerServer, 'SIGSTOP');
            }
            if (pos >= 450 * KiB) return void this.destroy(new Error('client went away'));
            this.push(data.subarray(pos, pos + 32 * KiB));
            pos += 32 * KiB;
          },
        });
        await assert.rejects(store.write(id, source, { hashAlgo: 'sha512' }), /client went away/);
      } finally {
        resume();
      }
      const left: string[] = [];
      for (const name of [id, ...[0, 1, 2, 3].map((i) => `${id}-0000${i}`)]) if (await store.client.headObject(c, name)) left.push(name);
      assert.deepEqual(left, []);
    });

    it('renews a token that expires between two segments, without losing a byte', async () => {
      const store = tempauthStore({ large_object_size: 256 / 1024, large_object_chunk_size: 128 / 1024, expire_soon_interval: 0 });
      const data = seededBytes(600 * KiB, 11);
      await store.client.currentToken();
      const before = store.client.authentications;
      const r = await store.write(randomUUID(), slowSource(data, { pauseAfter: 300 * KiB, pauseMs: (TOKEN_LIFE + 1) * 1000 }), { hashAlgo: 'sha512' });
      assert.ok(store.client.authentications > before, 'a new token was obtained');
      assert.equal(r.checksum, md5(data));
      assert.deepEqual(await drain(await store.read(r.url)), data);
      await store.delete(r.url);
    });

    it('refuses wrong credentials with an error naming the store and never the key', async () => {
      const store = tempauthStore({ key: 'not-the-key-s3cr3t' }, 'bad');
      let err: unknown;
      await store.write(randomUUID(), Readable.from([Buffer.from('x')]), { hashAlgo: 'sha512' }).catch((e) => (err = e));
      assert.ok(err instanceof DomainError && err.kind === 'Unavailable', String(err));
      assert.match((err as Error).message, /Store bad \(swift\).*authentication failed \(HTTP 401\)/);
      assert.doesNotMatch((err as Error).message, /s3cr3t/);
      await assert.rejects(store.check(), /Store bad/);
      const noRights = tempauthStore({ user: 'test:reader', key: 'reading' }, 'ro');
      await assert.rejects(noRights.check(), /Store ro \(swift\).*access denied/);
    });

    it('answers 503 for an unreachable Swift', async () => {
      const store = tempauthStore({ auth_address: `http://127.0.0.1:${await freePort()}/auth/v1.0` }, 'gone');
      await assert.rejects(store.write(randomUUID(), Readable.from([Buffer.from('x')]), { hashAlgo: 'sha512' }), (e: unknown) => e instanceof DomainError && e.kind === 'Unavailable' && /Store gone/.test(e.message));
    });

    it('shows only non-secret properties, as upstream', () => {
      const store = large();
      assert.deepEqual(Object.keys(store.properties()).sort(), ['container', 'large_object_chunk_size', 'large_object_size']);
      assert.equal(store.properties().large_object_size, 256 * KiB);
      assert.doesNotMatch(store.urlFor(randomUUID()), /testing|tester/);
    });
  });

  if (withKeystone) {
    const keystoneStore = (): SwiftStore => {
      const o: SwiftStoreOptions = swiftOptions('ks', {
        auth_address: keystone!.url,
        auth_version: '3',
        user: 'glance',
        key: 'secret',
        project_name: 'service',
        container: `k-${randomUUID().slice(0, 8)}`,
        large_object_size: 256 / 1024,
        large_object_chunk_size: 100 / 1024,
      });
      return new SwiftStore(o);
    };
    const catalog = async () => {
      await cluster();
      await registerSwift(keystone!, swift!);
    };
    let registered: Promise<void> | undefined;

    runStoreContract('swift (keystone v3)', async () => {
      await (registered ??= catalog());
      const store = keystoneStore();
      return { store, leftovers: async () => (await stored(store)).length };
    });

    describe('swift store with keystone', () => {
      before(async () => {
        await (registered ??= catalog());
      });
      it('renews a revoked token between segments', async () => {
        const store = keystoneStore();
        const data = seededBytes(500 * KiB, 13);
        const first = await store.client.currentToken();
        const r = await store.write(randomUUID(), slowSource(data, { pauseAfter: 300 * KiB, onPause: () => keystone!.revoke(first) }), { hashAlgo: 'sha512' });
        assert.notEqual(await store.client.currentToken(), first);
        assert.deepEqual(await drain(await store.read(r.url)), data);
        await store.delete(r.url);
        assert.deepEqual(await objects(store), []);
      });
      it('refuses a wrong password with an error naming the store', async () => {
        const store = new SwiftStore(swiftOptions('ksbad', { auth_address: keystone!.url, auth_version: '3', user: 'glance', key: 'wrong-pw', project_name: 'service' }));
        await assert.rejects(store.check(), (e: unknown) => e instanceof DomainError && /Store ksbad \(swift\).*Keystone authentication failed \(HTTP 401\)/.test(e.message) && !/wrong-pw/.test(e.message));
      });
    });
  }
}

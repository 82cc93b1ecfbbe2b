/**
 * The rbd store against a real single-node Ceph (Debian's ceph-mon, ceph-osd, ceph-common),
 * started for this file by scripts/ceph-local.sh and stopped afterwards: the store contract,
 * upstream's layout (format 2, layering, protected `snap`, rbd:// location), offset reads,
 * thin provisioning, interrupted uploads, clones (409), an unreachable cluster (503), and
 * Nova's own parser and clone check (python3-nova) on the location.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { DomainError } from '../../src/domain/errors.js';
import { RbdStore } from '../../src/stores/rbd.js';
import { runStoreContract, drain } from '../contract/store-contract.js';
import { freePort, novaReads, startCeph, type LocalCeph } from '../helpers/ceph.js';

const exec = promisify(execFile);
const MiB = 1 << 20;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

let ceph: LocalCeph | undefined;
let starting: Promise<LocalCeph> | undefined;
/** The cluster, started once for the whole file. */
const cluster = () => (starting ??= startCeph().then((c) => (ceph = c)));
after(async () => ceph?.stop());

const storeOn = (c: LocalCeph, o: Partial<ConstructorParameters<typeof RbdStore>[0]> = {}) =>
  new RbdStore({ id: 'ceph', pool: c.pool, cephConf: c.conf, chunkSizeMiB: 1, connectTimeout: 5, ...o });

runStoreContract('rbd', async () => {
  const store = storeOn(await cluster());
  return { store, leftovers: async () => (await store.list()).length };
});

/** A source that sends `data` in 64 KiB pieces, then fails (a client that disconnects). */
function cutOff(data: Buffer): Readable {
  let off = 0;
  return new Readable({
    read() {
      if (off < data.length) {
        this.push(data.subarray(off, (off += 64 * 1024)));
      } else setTimeout(() => this.destroy(new Error('client went away')), 200);
    },
  });
}

describe('rbd store', () => {
  let c: LocalCeph;
  let store: RbdStore;
  let fsid: string;
  before(async () => {
    c = await cluster();
    store = storeOn(c);
    fsid = (JSON.parse(await c.cli('ceph', ['fsid', '--format', 'json'])) as { fsid: string }).fsid;
  });

  it('lays an image out as upstream: format 2, layering, object size, a protected snapshot, rbd://fsid/pool/image/snap', async () => {
    const id = randomUUID();
    const data = randomBytes(3 * MiB + 517);
    const w = await store.write(id, Readable.from([data]), { hashAlgo: 'sha512' });
    assert.equal(w.url, `rbd://${fsid}/${c.pool}/${id}/snap`);
    assert.equal(w.checksum, md5(data));
    const info = JSON.parse(await c.cli('rbd', ['info', '--format', 'json', `${c.pool}/${id}`])) as Record<string, unknown>;
    assert.equal(info.format, 2);
    assert.deepEqual(info.features, ['layering']);
    assert.equal(info.object_size, MiB);
    assert.equal(info.size, data.length);
    const snaps = JSON.parse(await c.cli('rbd', ['snap', 'ls', '--format', 'json', `${c.pool}/${id}`])) as { name: string; protected: string; size: number }[];
    assert.deepEqual(
      snaps.map((s) => [s.name, s.protected, s.size]),
      [['snap', 'true', data.length]],
    );
    assert.deepEqual(store.properties(), { pool: c.pool, chunk_size: MiB, thin_provisioning: false });
    assert.equal(store.owns(w.url.replace(fsid, randomUUID())), false, 'another cluster');
    assert.equal(store.owns(w.url.replace(`/${c.pool}/`, '/volumes/')), false, 'another pool');
    assert.equal(store.owns(w.url.replace(/snap$/, 'other')), false, 'another snapshot');
    await store.delete(w.url);
    assert.ok(!(await store.list()).includes(id));
  });

  it('reads ranges at their offset, across object boundaries and up to the last byte', async () => {
    const data = randomBytes(5 * MiB + 123);
    const w = await store.write(randomUUID(), Readable.from([data]), { hashAlgo: 'sha256' });
    for (const [start, end] of [
      [0, 0],
      [MiB - 1, MiB],
      [MiB - 10, 3 * MiB + 9],
      [4 * MiB, 4 * MiB + 10],
      [3 * MiB + 7, data.length - 1],
      [data.length - 1, data.length - 1],
    ]) {
      assert.deepEqual(await drain(await store.read(w.url, { start, end })), data.subarray(start, end + 1), `${start}-${end}`);
    }
    await store.delete(w.url);
    await assert.rejects(store.read(w.url, { start: 0, end: 9 }), (e: unknown) => (e as { code?: string }).code === 'ENOENT');
  });

  it('rbd_thin_provisioning leaves runs of zeros unwritten; without it every byte is written', async () => {
    const data = Buffer.concat([Buffer.alloc(3 * MiB), randomBytes(1000), Buffer.alloc(MiB)]);
    const used = async (s: RbdStore) => {
      const id = randomUUID();
      const w = await s.write(id, Readable.from([data]), { hashAlgo: 'sha512' });
      assert.deepEqual(await drain(await s.read(w.url)), data);
      const du = JSON.parse(await c.cli('rbd', ['du', '--format', 'json', `${c.pool}/${id}`])) as { images: { snapshot?: string; used_size: number }[] };
      await s.delete(w.url);
      return du.images.find((i) => i.snapshot === 'snap')!.used_size;
    };
    const thin = await used(storeOn(c, { thinProvisioning: true }));
    const dense = await used(storeOn(c, { thinProvisioning: false }));
    assert.ok(thin <= MiB, `thin: ${thin} bytes used`);
    assert.equal(dense, data.length, 'dense: every byte written');
  });

  it('an interrupted upload leaves no RBD image and no data objects behind', async () => {
    const objects = async () => (await c.cli('rados', ['-p', c.pool, 'ls'])).split('\n').filter((n) => n.startsWith('rbd_data.')).length;
    const before = await objects();
    const id = randomUUID();
    await assert.rejects(store.write(id, cutOff(randomBytes(2 * MiB + 5)), { hashAlgo: 'sha512' }), /client went away/);
    assert.ok(!(await store.list()).includes(id));
    assert.equal(await objects(), before);
  });

  it('a clone of the snapshot succeeds, and keeps the image from being deleted (409)', async () => {
    const data = randomBytes(MiB + 3);
    const id = randomUUID();
    const w = await store.write(id, Readable.from([data]), { hashAlgo: 'sha512' });
    const child = `clone-${randomUUID()}`;
    await c.cli('rbd', ['clone', `${c.pool}/${id}@snap`, `${c.pool}/${child}`]);
    const cloned = await exec('rbd', ['-c', c.conf, 'export', '--no-progress', `${c.pool}/${child}`, '-'], { encoding: 'buffer', maxBuffer: 8 * MiB });
    assert.deepEqual(cloned.stdout, data, 'the clone holds the image data');
    await assert.rejects(store.prepareDelete(w.url), (e: unknown) => e instanceof DomainError && e.kind === 'Conflict' && /in use/.test(e.message));
    assert.deepEqual(await drain(await store.read(w.url)), data, 'still readable');
    await c.cli('rbd', ['rm', '--no-progress', `${c.pool}/${child}`]);
    const prepared = await store.prepareDelete(w.url);
    await prepared.undo();
    const snaps = JSON.parse(await c.cli('rbd', ['snap', 'ls', '--format', 'json', `${c.pool}/${id}`])) as { protected: string }[];
    assert.equal(snaps[0].protected, 'true', 'undo protects again');
    await store.delete(w.url);
    assert.ok(!(await store.list()).includes(id));
  });

  it("Nova's own parser reads the location, finds it cloneable when raw, and clones it", async () => {
    const id = randomUUID();
    const w = await store.write(id, Readable.from([randomBytes(64 * 1024)]), { hashAlgo: 'sha512' });
    const child = `nova-${randomUUID()}`;
    const nova = await novaReads(c, w.url, 'raw', child);
    assert.deepEqual(nova.parsed, [fsid, c.pool, id, 'snap']);
    assert.equal(nova.fsid, fsid);
    assert.equal(nova.cloneable, true);
    assert.equal(nova.cloned, true);
    assert.equal((await novaReads(c, w.url, 'qcow2')).cloneable, false, 'Nova clones raw images only');
    await assert.rejects(store.prepareDelete(w.url), /in use/);
    await c.cli('rbd', ['rm', '--no-progress', `${c.pool}/${child}`]);
    await store.delete(w.url);
  });

  it('an unreachable cluster fails with Unavailable within the connect timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rbd-down-'));
    const conf = join(dir, 'ceph.conf');
    writeFileSync(conf, readFileSync(c.conf, 'utf8').replace(/mon host = .*/, `mon host = v2:127.0.0.1:${await freePort()}`));
    const down = new RbdStore({ id: 'down', pool: c.pool, cephConf: conf, connectTimeout: 2 });
    const t0 = Date.now();
    await assert.rejects(down.write(randomUUID(), Readable.from([Buffer.from('x')]), { hashAlgo: 'sha512' }), (e: unknown) => e instanceof DomainError && e.kind === 'Unavailable');
    const url = `rbd://${fsid}/${c.pool}/${randomUUID()}/snap`;
    await assert.rejects(down.read(url), (e: unknown) => e instanceof DomainError && e.kind === 'Unavailable');
    await assert.rejects(down.read(url, { start: 0, end: 1 }), (e: unknown) => e instanceof DomainError && e.kind === 'Unavailable');
    await assert.rejects(down.delete(url), (e: unknown) => e instanceof DomainError && e.kind === 'Unavailable');
    await assert.rejects(down.prepareDelete(url), (e: unknown) => e instanceof DomainError && e.kind === 'Unavailable', 'an image delete answers 503');
    assert.ok(Date.now() - t0 < 45_000, `${Date.now() - t0} ms`);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FormatInspector, inspect, verdict } from '../../src/services/format-inspector.js';
import { DomainError } from '../../src/domain/errors.js';
import * as img from '../helpers/disk-images.js';

/** Streams `data` through an inspector in uneven chunks; returns the inspection or the refusal. */
async function run(data: Buffer, declared: string, chunk = 7777): Promise<{ result?: ReturnType<typeof inspect>; error?: DomainError; passed: number }> {
  const insp = new FormatInspector(declared);
  let passed = 0;
  const chunks: Buffer[] = [];
  for (let o = 0; o < data.length; o += chunk) chunks.push(data.subarray(o, o + chunk));
  try {
    await pipeline(
      Readable.from(chunks),
      insp,
      new Writable({
        write(c: Buffer, _e, cb) {
          passed += c.length;
          cb();
        },
      }),
    );
    return { result: insp.result, passed };
  } catch (e) {
    return { error: e as DomainError, passed };
  }
}

const MiB = 1 << 20;

describe('format inspector', () => {
  it('detects each format and its virtual size, passing all bytes through', async () => {
    const cases: [string, Buffer, number | null][] = [
      ['qcow2', img.qcow2(100 * MiB), 100 * MiB],
      ['vmdk', img.vmdk(8192), 8192 * 512],
      ['vhd', img.vhdFixed(2 * MiB), 2 * MiB],
      ['vhd', img.vhdDynamic(8 * MiB), 8 * MiB],
      ['vhdx', img.vhdx(64 * MiB), 64 * MiB],
      ['vdi', img.vdi(32 * MiB), 32 * MiB],
      ['iso', img.iso(40), 40 * 2048],
      ['ploop', img.ploop(), null],
    ];
    for (const [fmt, data, vsize] of cases) {
      const r = await run(data, fmt);
      assert.equal(r.error, undefined, `${fmt}: ${r.error?.message}`);
      assert.equal(r.result?.format, fmt);
      assert.equal(r.result?.virtualSize, vsize, fmt);
      assert.equal(r.passed, data.length);
    }
    const raw = img.raw(500_000);
    for (const fmt of ['raw', 'aki', 'ari', 'ami']) {
      const r = await run(raw, fmt);
      assert.equal(r.result?.format, 'raw');
      assert.equal(r.result?.virtualSize, raw.length);
    }
    const empty = await run(Buffer.alloc(0), 'raw');
    assert.equal(empty.result?.virtualSize, 0);
  });

  it('refuses a qcow2 with a backing file, early, before the data has passed', async () => {
    const data = Buffer.concat([img.qcow2(64 * MiB, { backingFile: '/etc/passwd' }), Buffer.alloc(3 * MiB)]);
    const r = await run(data, 'qcow2', 65536);
    assert.equal(r.error?.kind, 'UnsupportedMediaType');
    assert.match(r.error!.message, /backing file/);
    assert.ok(r.passed < data.length, 'stopped before the end');
  });

  it('refuses a qcow2 with an external data file (extension or feature bit)', async () => {
    assert.match((await run(img.qcow2(MiB, { dataFile: '/dev/sda' }), 'qcow2')).error!.message, /external data file/);
    assert.match((await run(img.qcow2(MiB, { dataFileBit: true }), 'qcow2')).error!.message, /external data file/);
  });

  it('refuses unsafe vmdk: non-monolithic createType, extents pointing outside, descriptor-only files', async () => {
    assert.match((await run(img.vmdk(8192, { createType: 'monolithicFlat' }), 'vmdk')).error!.message, /createType/);
    assert.match((await run(img.vmdk(8192, { extent: 'RW 8192 SPARSE "../../etc/shadow"' }), 'vmdk')).error!.message, /outside/);
    assert.match((await run(img.vmdk(8192, { extent: 'RW 8192 FLAT "/dev/sda" 0' }), 'vmdk')).error!.message, /outside/);
    const descOnly = Buffer.from('# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW 8192 FLAT "/dev/sda" 0\n');
    assert.equal((await run(descOnly, 'vmdk')).error?.kind, 'UnsupportedMediaType');
    assert.equal((await run(img.vmdk(8192, { createType: 'streamOptimized' }), 'vmdk')).result?.format, 'vmdk');
  });

  it('refuses a differencing vhd', async () => {
    assert.match((await run(img.vhdDynamic(4 * MiB, 4), 'vhd')).error!.message, /differencing/);
  });

  it('refuses data that is not the declared disk_format', async () => {
    assert.match((await run(img.qcow2(MiB), 'raw')).error!.message, /does not match disk_format raw: it looks like qcow2/);
    assert.match((await run(img.raw(), 'qcow2')).error!.message, /looks like raw/);
    assert.match((await run(img.iso(), 'vmdk')).error!.message, /looks like iso/);
    assert.match((await run(img.vhdFixed(MiB), 'raw')).error!.message, /looks like vhd/);
    assert.match((await run(img.qcow2(MiB), 'ami')).error!.message, /looks like qcow2/);
    assert.equal(verdict('qcow2', { format: 'qcow2', virtualSize: 1 }), null);
  });
});

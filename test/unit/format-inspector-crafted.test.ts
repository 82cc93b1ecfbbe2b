/**
 * Crafted images that once crashed, stalled or fooled the format inspector, and the format-match
 * setting. Every case streams through the real Transform, as an upload does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FormatInspector, HEAD_MAX, inspect, verdict, type Inspection } from '../../src/services/format-inspector.js';
import { DomainError } from '../../src/domain/errors.js';
import * as img from '../helpers/disk-images.js';

const MiB = 1 << 20;

async function run(data: Buffer, declared: string, requireFormatMatch?: boolean, chunk = 65536): Promise<{ result?: Inspection; error?: Error }> {
  const insp = new FormatInspector(declared, requireFormatMatch === undefined ? undefined : { requireFormatMatch });
  const chunks: Buffer[] = [];
  for (let o = 0; o < data.length; o += chunk) chunks.push(data.subarray(o, o + chunk));
  try {
    await pipeline(Readable.from(chunks), insp, new Writable({ write: (_c, _e, cb) => cb() }));
    return { result: insp.result };
  } catch (e) {
    return { error: e as Error };
  }
}

function refused(r: { error?: Error }, pattern: RegExp): void {
  assert.ok(r.error instanceof DomainError, `a DomainError, got ${r.error?.name}: ${r.error?.message}`);
  assert.equal(r.error.kind, 'UnsupportedMediaType');
  assert.match(r.error.message, pattern);
}

describe('format inspector: crafted headers', () => {
  it('refuses a vhdx whose metadata signature sits at the very end of the inspected head, without reading past it', async () => {
    const data = img.vhdx(64 * MiB, { metaOffset: HEAD_MAX - 8 }).subarray(0, HEAD_MAX);
    assert.doesNotThrow(() => inspect(data, null, null));
    assert.ok(inspect(data, Buffer.alloc(0), data.length)?.unsafe);
    for (const size of [HEAD_MAX, HEAD_MAX - 4, HEAD_MAX + 4096]) {
      const d = Buffer.concat([data, Buffer.alloc(Math.max(0, size - data.length))]).subarray(0, size);
      refused(await run(d, 'vhdx'), /vhdx/);
    }
  });

  it('reads a vhdx whose metadata lies beyond the head (2 MiB, as qemu writes it) and refuses its parent there', async () => {
    const ok = await run(img.vhdx(10 * MiB, { metaOffset: 2 * MiB }), 'vhdx', true, 100_000);
    assert.equal(ok.error, undefined, ok.error?.message);
    assert.deepEqual(ok.result, { format: 'vhdx', virtualSize: 10 * MiB });
    refused(await run(img.vhdx(10 * MiB, { metaOffset: 2 * MiB, parent: true }), 'vhdx', true, 4096), /parent/);
    refused(await run(img.vhdx(10 * MiB, { parent: true }), 'vhdx'), /parent/);
  });

  it('parses a vmdk descriptor of newlines in linear time', async () => {
    const desc = '\n'.repeat(128 * 1024);
    for (const data of [img.vmdk(8192, { descriptor: desc, descSectors: 256 }), Buffer.from(`# Disk DescriptorFile\n${desc}`)]) {
      const t0 = performance.now();
      refused(await run(data, 'vmdk'), /vmdk/);
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
    }
  });

  it('refuses virtual sizes beyond exact JSON integers', async () => {
    const max = 0xffffffffffffffffn;
    refused(await run(img.qcow2(max), 'qcow2'), /virtual size 18446744073709551615/);
    refused(await run(img.vdi(max), 'vdi'), /virtual size 18446744073709551615/);
    refused(await run(img.vmdk(max >> 9n), 'vmdk'), /virtual size/);
    refused(await run(img.vhdx(max, { metaOffset: 2 * MiB }), 'vhdx'), /virtual size/);
    refused(await run(img.vhdx(2n ** 53n), 'vhdx'), /virtual size/);
    // The largest exact integer is still believed.
    const top = BigInt(Number.MAX_SAFE_INTEGER);
    assert.deepEqual((await run(img.qcow2(top), 'qcow2')).result, { format: 'qcow2', virtualSize: Number.MAX_SAFE_INTEGER });
  });

  it('does not believe a vhd footer whose checksum or fields are wrong', async () => {
    const data = img.vhdFixed(MiB);
    const footer = data.subarray(data.length - 512);
    footer.fill(0x5a, 8);
    footer.writeUInt32BE(0, 64);
    refused(await run(data, 'vhd'), /looks like raw/);
    assert.deepEqual((await run(data, 'raw')).result, { format: 'raw', virtualSize: data.length });
    // Checksum right, version wrong.
    const odd = Buffer.concat([img.raw(MiB), img.vhdFooterBytes(MiB, 2, 0)]);
    odd.writeUInt32BE(0x00020000, odd.length - 512 + 12);
    let sum = 0;
    for (let i = odd.length - 512; i < odd.length; i++) if (i < odd.length - 448 || i >= odd.length - 444) sum += odd[i];
    odd.writeUInt32BE(~sum >>> 0, odd.length - 448);
    assert.equal((await run(odd, 'raw')).result?.format, 'raw');
    // A dynamic header copy with a broken checksum is not a vhd either.
    const dyn = img.vhdDynamic(8 * MiB);
    dyn[100] ^= 0xff;
    assert.equal((await run(dyn.subarray(0, dyn.length - 512), 'raw')).result?.format, 'raw');
  });

  it('refuses a vmdk whose descriptor names a parent or disagrees with what qemu reads', async () => {
    const base = (extra: string) =>
      ['# Disk DescriptorFile', 'version=1', 'CID=fffffffe', 'parentCID=ffffffff', 'createType="monolithicSparse"', 'RW 8192 SPARSE "disk.vmdk"', extra, ''].join('\n');
    refused(await run(img.vmdk(8192, { descriptor: base('parentFileNameHint="/var/lib/x.vmdk"') }), 'vmdk'), /parent/);
    refused(await run(img.vmdk(8192, { descriptor: base('# parentFileNameHint="/var/lib/x.vmdk"') }), 'vmdk'), /parent/);
    refused(await run(img.vmdk(8192, { descriptor: base('# createType="monolithicFlat"') }), 'vmdk'), /createType/);
    refused(await run(img.vmdk(8192, { descriptor: base('something odd') }), 'vmdk'), /line/);
    refused(await run(img.vmdk(0), 'vmdk'), /capacity/);
    assert.equal((await run(img.vmdk(8192, { descriptor: base('ddb.adapterType = "ide"') }), 'vmdk')).result?.virtualSize, 8192 * 512);
  });

  it('checks a streamOptimized vmdk footer against its header', async () => {
    const good = img.vmdk(8192, { createType: 'streamOptimized', footer: true });
    assert.deepEqual((await run(good, 'vmdk')).result, { format: 'vmdk', virtualSize: 8192 * 512 });
    const moved = Buffer.from(good);
    moved.writeUInt32LE(7, moved.length - 1024 + 28); // the footer's header names another descriptor
    refused(await run(moved, 'vmdk'), /footer/);
    refused(await run(good.subarray(0, good.length - 512), 'vmdk'), /footer/);
  });

  it('recognises a descriptor-only vmdk the way qemu probes it, not only by its comment', async () => {
    const text = Buffer.from('\n   \nversion=1\ncreateType="monolithicFlat"\nRW 8192 FLAT "/dev/sda" 0\n');
    refused(await run(text, 'raw'), /looks like vmdk|descriptor/);
    refused(await run(text, 'raw', false), /descriptor/);
  });

  it('refuses qcow2 feature bits it does not know', async () => {
    refused(await run(img.qcow2(MiB, { incompatible: 1n << 20n }), 'qcow2'), /feature/);
    assert.equal((await run(img.qcow2(MiB, { incompatible: 1n }), 'qcow2')).result?.format, 'qcow2');
  });

  it('turns anything thrown inside inspection into a refusal', async () => {
    class Broken extends FormatInspector {
      protected override decide(): never {
        throw new TypeError('boom');
      }
    }
    for (const data of [Buffer.alloc(10), Buffer.alloc(HEAD_MAX + 10)]) {
      const insp = new Broken('raw');
      const err = await pipeline(Readable.from([data]), insp, new Writable({ write: (_c, _e, cb) => cb() })).then(
        () => null,
        (e: Error) => e,
      );
      assert.ok(err instanceof DomainError, String(err));
      assert.match(err.message, /could not be inspected/);
    }
  });
});

describe('format inspector: the format-match setting', () => {
  it('refuses content that is not the declared format by default, and accepts it when the setting is off', async () => {
    const q = img.qcow2(5 * MiB);
    refused(await run(q, 'raw'), /does not match disk_format raw/);
    refused(await run(q, 'raw', true), /does not match/);
    assert.deepEqual((await run(q, 'raw', false)).result, { format: 'qcow2', virtualSize: 5 * MiB });
    const raw = img.raw(70_000);
    assert.deepEqual((await run(raw, 'qcow2', false)).result, { format: 'raw', virtualSize: raw.length });
    assert.deepEqual((await run(img.iso(), 'vmdk', false)).result, { format: 'iso', virtualSize: 40 * 2048 });
    assert.equal(verdict('raw', { format: 'qcow2', virtualSize: 1 }, false), null);
    assert.match(verdict('raw', { format: 'qcow2', virtualSize: 1 }) ?? '', /does not match/);
  });

  it('still holds recognised content to its safety checks when the setting is off', async () => {
    const unsafe: [string, Buffer, RegExp][] = [
      ['backing file', img.qcow2(MiB, { backingFile: '/etc/passwd' }), /backing file/],
      ['data file', img.qcow2(MiB, { dataFileBit: true }), /external data file/],
      ['vmdk extent', img.vmdk(8192, { extent: 'RW 8192 FLAT "/dev/sda" 0' }), /outside/],
      ['vmdk parent', img.vmdk(8192, { extent: 'RW 8192 SPARSE "disk.vmdk"\nparentFileNameHint="base.vmdk"' }), /parent/],
      ['differencing vhd', img.vhdDynamic(4 * MiB, 4), /differencing/],
      ['vhdx parent', img.vhdx(4 * MiB, { parent: true }), /parent/],
      ['huge qcow2', img.qcow2(1n << 60n), /virtual size/],
    ];
    for (const [what, data, why] of unsafe) {
      for (const declared of ['raw', 'qcow2', 'iso']) {
        const r = await run(data, declared, false);
        assert.ok(r.error instanceof DomainError, `${what} as ${declared}: ${r.error?.message ?? 'accepted'}`);
        assert.match(r.error.message, why, what);
      }
    }
  });
});

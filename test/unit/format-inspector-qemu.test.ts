/**
 * The format inspector against images qemu-img wrote (test/fixtures/qemu-img): safe ones are
 * accepted with the virtual size `qemu-img info` reports, unsafe ones refused, whatever the
 * format-match setting.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FormatInspector, type Inspection } from '../../src/services/format-inspector.js';
import { DomainError } from '../../src/domain/errors.js';

const fixture = (name: string) => gunzipSync(readFileSync(new URL(`../fixtures/qemu-img/${name}.gz`, import.meta.url)));

async function run(data: Buffer, declared: string, requireFormatMatch: boolean): Promise<{ result?: Inspection; error?: Error }> {
  const insp = new FormatInspector(declared, { requireFormatMatch });
  const chunks: Buffer[] = [];
  for (let o = 0; o < data.length; o += 65536) chunks.push(data.subarray(o, o + 65536));
  try {
    await pipeline(Readable.from(chunks), insp, new Writable({ write: (_c, _e, cb) => cb() }));
    return { result: insp.result };
  } catch (e) {
    return { error: e as Error };
  }
}

const MiB = 1 << 20;

describe('format inspector: images written by qemu-img', () => {
  it('accepts the safe ones with the virtual size qemu-img reports', async () => {
    const safe: [string, string, number][] = [
      ['qcow2.qcow2', 'qcow2', 64 * MiB],
      ['vdi.vdi', 'vdi', 64 * MiB],
      ['vhdx.vhdx', 'vhdx', 64 * MiB], // its metadata region is at 3 MiB, beyond the head
      ['vhd-dynamic.vhd', 'vhd', 67125248], // rounded to a CHS geometry
      ['vmdk-sparse.vmdk', 'vmdk', 64 * MiB],
      ['vmdk-stream-optimized.vmdk', 'vmdk', 64 * MiB],
    ];
    for (const [name, format, size] of safe) {
      for (const require of [true, false]) {
        const r = await run(fixture(name), format, require);
        assert.equal(r.error, undefined, `${name}: ${r.error?.message}`);
        assert.deepEqual(r.result, { format, virtualSize: size }, name);
      }
      // Declared as something else: refused only when the format must match.
      assert.match((await run(fixture(name), 'raw', true)).error?.message ?? '', /does not match disk_format raw/, name);
      assert.deepEqual((await run(fixture(name), 'raw', false)).result, { format, virtualSize: size }, name);
    }
  });

  it('refuses the unsafe ones, whatever was declared and whatever the setting', async () => {
    const unsafe: [string, RegExp][] = [
      ['qcow2-backing-file.qcow2', /backing file/],
      ['qcow2-data-file.qcow2', /external data file/],
      ['vmdk-parent.vmdk', /parent/],
      ['vmdk-flat-descriptor.vmdk', /descriptor-only/],
      ['qed.qed', /qed/],
    ];
    for (const [name, why] of unsafe) {
      for (const declared of ['raw', 'qcow2', 'vmdk', 'iso']) {
        for (const require of [true, false]) {
          const r = await run(fixture(name), declared, require);
          assert.ok(r.error instanceof DomainError, `${name} as ${declared}: ${r.error?.message ?? 'accepted'}`);
          assert.equal(r.error.kind, 'UnsupportedMediaType');
          assert.match(r.error.message, why, name);
        }
      }
    }
  });
});

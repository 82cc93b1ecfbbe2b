/**
 * Property tests for the format inspector: random data and mutated valid images of every format,
 * 0 bytes to 2 MiB, through the real Transform in random chunkings. Only DomainErrors come out, the
 * stream always ends, sizes are exact, and the answer does not depend on the chunking.
 *
 * Seeded: FUZZ_SEED picks another seed, FUZZ_RUNS scales the run counts (CI keeps the defaults).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { FormatInspector, HEAD_MAX, inspect, type Inspection } from '../../src/services/format-inspector.js';
import { DomainError } from '../../src/domain/errors.js';
import * as img from '../helpers/disk-images.js';

const MiB = 1 << 20;
const SEED = Number(process.env.FUZZ_SEED ?? 14);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

const DISK_FORMATS = ['raw', 'qcow2', 'vhd', 'vhdx', 'vmdk', 'vdi', 'iso', 'ploop', 'ami', 'aki', 'ari'];

type Outcome = { result?: Inspection; error?: unknown; passed: number };

/** Streams `data` in chunks of the given sizes (cycled), with a deadline: a hang fails. */
async function stream(data: Buffer, declared: string, requireFormatMatch: boolean, sizes: number[]): Promise<Outcome> {
  const floor = Math.ceil(data.length / 2000); // keeps the chunk count, and so the run time, bounded
  const chunks: Buffer[] = [];
  for (let o = 0, i = 0; o < data.length; i++) {
    const n = Math.max(sizes[i % sizes.length], floor);
    chunks.push(data.subarray(o, o + n));
    o += n;
  }
  const insp = new FormatInspector(declared, { requireFormatMatch });
  let passed = 0;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error('the inspector did not finish (hang)')), 15_000);
  });
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      passed += c.length;
      cb();
    },
  });
  try {
    await Promise.race([pipeline(Readable.from(chunks), insp, sink), deadline]);
    return { result: insp.result, passed };
  } catch (e) {
    if (e instanceof Error && /hang/.test(e.message)) throw e;
    return { error: e, passed };
  } finally {
    clearTimeout(timer);
  }
}

/** What every outcome must satisfy, whatever the input. */
function checkOutcome(o: Outcome, data: Buffer, declared: string, requireFormatMatch: boolean): void {
  if (o.error !== undefined) {
    assert.ok(o.error instanceof DomainError, `only DomainErrors, got ${(o.error as Error)?.name}: ${(o.error as Error)?.message}`);
    assert.equal(o.error.kind, 'UnsupportedMediaType');
    // The catch-all would hide a parser bug: a refusal must come from the parser itself.
    assert.doesNotMatch(o.error.message, /could not be inspected/);
    return;
  }
  assert.ok(o.result, 'a result once the stream has ended');
  assert.equal(o.passed, data.length, 'every byte passes through');
  const v = o.result.virtualSize;
  assert.ok(v === null || (Number.isSafeInteger(v) && v >= 0), `virtual size ${v}`);
  assert.equal(o.result.unsafe, undefined);
  if (requireFormatMatch) assert.equal(o.result.format, ['ami', 'aki', 'ari'].includes(declared) ? 'raw' : declared);
}

/** The decision, without the byte count (an early refusal stops at a chunk boundary). */
const decision = (o: Outcome) => (o.error ? { refused: (o.error as Error).message } : { accepted: o.result });

const chunkSizes = fc.array(
  fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 64 }) }, { weight: 3, arbitrary: fc.integer({ min: 65, max: 16384 }) }, { weight: 2, arbitrary: fc.integer({ min: 16385, max: 1 << 20 }) }),
  { minLength: 1, maxLength: 8 },
);

/**
 * Valid (and some deliberately crafted) images to mutate, each at most 2 MiB, with the offsets of
 * the header fields the inspector reads (mutations aim there, and at the ends, not at filler).
 */
const R = 192 * 1024; // VHDX region table
const qemu = (name: string) => gunzipSync(readFileSync(new URL(`../fixtures/qemu-img/${name}.gz`, import.meta.url)));
const BASES: [string, () => Buffer, (len: number) => number[]][] = [
  ['raw', () => img.raw(300_000), () => [0, 0x40, 512, 32768]],
  ['qcow2', () => img.qcow2(64 * MiB), () => [4, 8, 16, 24, 72, 100, 104, 108]],
  ['qcow2 backing', () => img.qcow2(64 * MiB, { backingFile: '/etc/passwd' }), () => [8, 16, 24, 72]],
  ['vhd fixed', () => img.vhdFixed(MiB), (n) => [n - 512, n - 500, n - 464, n - 452, n - 448]],
  ['vhd dynamic', () => img.vhdDynamic(8 * MiB), () => [0, 12, 48, 60, 64, 512]],
  ['vhdx', () => img.vhdx(64 * MiB), () => [R, R + 8, R + 16, R + 32, 256 * 1024 + 10, 256 * 1024 + 48, 256 * 1024 + 65536]],
  ['vhdx far metadata', () => img.vhdx(64 * MiB, { metaOffset: MiB + 8192 }), () => [R + 8, R + 32, MiB + 8192, MiB + 8192 + 10, MiB + 8192 + 48, MiB + 8192 + 65536]],
  ['vhdx metadata at head end', () => img.vhdx(64 * MiB, { metaOffset: HEAD_MAX - 8 }).subarray(0, 2 * MiB), () => [R + 32, HEAD_MAX - 8, HEAD_MAX + 2, HEAD_MAX + 24]],
  ['vmdk sparse', () => img.vmdk(8192), () => [4, 12, 28, 36, 56, 512, 600]],
  ['vmdk streamOptimized', () => img.vmdk(8192, { createType: 'streamOptimized', footer: true }), (n) => [12, 28, 36, 56, n - 1536 + 8, n - 1024 + 12, n - 1024 + 28, n - 1024 + 56, n - 512]],
  ['vmdk descriptor', () => Buffer.from('# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW 8192 FLAT "disk-flat.vmdk" 0\n'), () => [0, 22, 31]],
  ['vdi', () => img.vdi(32 * MiB), () => [0x40, 0x170, 0x174]],
  ['iso', () => img.iso(40), () => [32768, 32768 + 80, 32768 + 128]],
  ['ploop', () => img.ploop(), () => [0, 16, 36]],
  // Real headers, as qemu-img writes them (test/fixtures/qemu-img).
  ['qemu-img qcow2', () => qemu('qcow2.qcow2'), () => [4, 8, 16, 24, 72, 100, 104, 112]],
  ['qemu-img vhd', () => qemu('vhd-dynamic.vhd'), () => [12, 16, 48, 60, 64, 512, 528]],
  ['qemu-img vmdk', () => qemu('vmdk-sparse.vmdk'), () => [4, 12, 28, 36, 56, 512, 620]],
  ['qemu-img vmdk streamOptimized', () => qemu('vmdk-stream-optimized.vmdk'), () => [4, 12, 28, 36, 56, 512]],
  ['qemu-img vdi', () => qemu('vdi.vdi'), () => [0x40, 0x44, 0x170]],
];
const bases = BASES.map(([name, make, fields]) => {
  const b = make();
  return { name, base: b, fields: fields(b.length) };
});

/** An offset to mutate: a header field (give or take a few bytes), or a buffer end. */
function hotSpot(len: number, fields: number[], which: number, delta: number): number {
  const spots = [...fields, ...fields, 0, HEAD_MAX - 8, HEAD_MAX, len - 1536, len - 512, len - 8];
  return Math.max(0, Math.min(Math.max(len - 1, 0), spots[which % spots.length] + delta));
}

const EXTREMES = [0n, 1n, 0x1ffn, 0x200n, 0x7fffffffn, 0xffffffffn, BigInt(HEAD_MAX - 8), BigInt(HEAD_MAX), 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
const SIGNATURES = ['QFI\xfb', 'vhdxfile', 'regi', 'metadata', 'KDMV', 'conectix', 'CD001', 'createType="', 'parentFileNameHint', '\n\n\n\n\n\n\n\n', 'WithoutFreeSpace'];

type Mutation =
  | { t: 'flip'; at: [number, number]; byte: number }
  | { t: 'int'; at: [number, number]; value: bigint; width: 4 | 8; le: boolean }
  | { t: 'sig'; sig: string; at: [number, number] | 'end'; back: number }
  | { t: 'truncate'; to: number }
  | { t: 'extend'; by: number; seed: number };

const spot = fc.tuple(fc.nat(), fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-8, -4, -1, 1, 4, 8) }, { weight: 1, arbitrary: fc.integer({ min: -64, max: 64 }) }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ t: fc.constant('flip' as const), at: spot, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ t: fc.constant('int' as const), at: spot, value: fc.constantFrom(...EXTREMES), width: fc.constantFrom(4 as const, 8 as const), le: fc.boolean() }),
  fc.record({ t: fc.constant('sig' as const), sig: fc.constantFrom(...SIGNATURES), at: fc.oneof(spot, fc.constant('end' as const)), back: fc.integer({ min: 0, max: 16 }) }),
  fc.record({ t: fc.constant('truncate' as const), to: fc.oneof(fc.constantFrom(0, 1, 4, 511, 512, 513, 4096, 32770, 196610, HEAD_MAX - 1, HEAD_MAX, HEAD_MAX + 1), fc.nat({ max: 2 * MiB })) }),
  fc.record({ t: fc.constant('extend' as const), by: fc.nat({ max: MiB }), seed: fc.nat() }),
);

function mutate(base: Buffer, fields: number[], ms: Mutation[]): Buffer {
  let b = Buffer.from(base);
  for (const m of ms) {
    if (m.t === 'truncate') b = b.subarray(0, Math.min(m.to, b.length));
    else if (m.t === 'extend') b = Buffer.concat([b, img.noise(Math.min(m.by, 2 * MiB - b.length), m.seed)]);
    else if (b.length === 0) continue;
    else if (m.t === 'flip') b[hotSpot(b.length, fields, ...m.at)] = m.byte;
    else if (m.t === 'int') {
      const at = hotSpot(b.length, fields, ...m.at);
      const v = m.width === 4 ? m.value & 0xffffffffn : m.value;
      const tmp = Buffer.alloc(8);
      if (m.le) tmp.writeBigUInt64LE(v);
      else tmp.writeBigUInt64BE(v << (m.width === 4 ? 32n : 0n));
      tmp.copy(b, at, 0, Math.min(m.width, b.length - at));
    } else {
      const end = m.at === 'end' ? b.length : hotSpot(b.length, fields, ...m.at);
      const at = Math.max(0, end - m.sig.length - m.back);
      b.write(m.sig, at, Math.min(m.sig.length, b.length - at), 'latin1');
    }
  }
  return b.length > 2 * MiB ? b.subarray(0, 2 * MiB) : b;
}

const declaredArb = fc.record({ declared: fc.constantFrom(...DISK_FORMATS), requireFormatMatch: fc.boolean() });

async function property(data: Buffer, d: { declared: string; requireFormatMatch: boolean }, sizes: number[]): Promise<void> {
  const o = await stream(data, d.declared, d.requireFormatMatch, sizes);
  checkOutcome(o, data, d.declared, d.requireFormatMatch);
  const whole = await stream(data, d.declared, d.requireFormatMatch, [data.length || 1]);
  assert.deepEqual(decision(o), decision(whole), 'the same answer whatever the chunking');
}

describe('format inspector properties', () => {
  it('random data, 0 bytes to 2 MiB, gives only DomainErrors or exact sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.nat({ max: 4096 }), fc.nat({ max: 2 * MiB }), fc.constantFrom(0, 1, 511, 512, 513, HEAD_MAX - 1, HEAD_MAX, HEAD_MAX + 1, 2 * MiB)),
        fc.nat(),
        declaredArb,
        chunkSizes,
        async (size, seed, d, sizes) => property(img.noise(size, seed), d, sizes),
      ),
      { seed: SEED, numRuns: runs(40) },
    );
  });

  for (const { name, base, fields } of bases) {
    it(`mutated ${name} images give only DomainErrors or exact sizes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 0, maxLength: 6 }), declaredArb, chunkSizes, async (ms, d, sizes) => property(mutate(base, fields, ms), d, sizes)),
        { seed: SEED, numRuns: runs(25) },
      );
    });
  }

  it('every extreme integer at every header field, both byte orders, gives a clean answer', () => {
    let cases = 0;
    for (const { name, base, fields } of bases) {
      const b = Buffer.from(base);
      for (const field of fields) {
        for (const value of EXTREMES) {
          for (const width of [4, 8]) {
            for (const le of [true, false]) {
              if (field < 0 || field + width > b.length) continue;
              const saved = Buffer.from(b.subarray(field, field + width));
              const v = width === 4 ? value & 0xffffffffn : value;
              const tmp = Buffer.alloc(8);
              if (le) tmp.writeBigUInt64LE(v);
              else tmp.writeBigUInt64BE(v << (width === 4 ? 32n : 0n));
              tmp.copy(b, field, 0, width);
              for (const final of [false, true]) {
                const r = inspect(b.subarray(0, HEAD_MAX), final ? b.subarray(Math.max(0, b.length - 1536)) : null, final ? b.length : null);
                const vs = r?.virtualSize ?? null;
                assert.ok(vs === null || (Number.isSafeInteger(vs) && vs >= 0), `${name} @${field} = ${value}: virtual size ${vs}`);
                if (final) assert.ok(r, `${name} @${field}: an answer at the end`);
              }
              saved.copy(b, field);
              cases++;
            }
          }
        }
      }
    }
    assert.ok(cases > 1000, `${cases} cases`);
  });

  it('the unmutated images are accepted under their own format (the mutations start from real images)', async () => {
    const own: Record<string, string> = { 'qemu-img qcow2': 'qcow2', 'qemu-img vhd': 'vhd', 'qemu-img vmdk': 'vmdk', 'qemu-img vmdk streamOptimized': 'vmdk', 'qemu-img vdi': 'vdi', raw: 'raw', qcow2: 'qcow2', 'vhd fixed': 'vhd', 'vhd dynamic': 'vhd', vhdx: 'vhdx', 'vhdx far metadata': 'vhdx', 'vmdk sparse': 'vmdk', 'vmdk streamOptimized': 'vmdk', vdi: 'vdi', iso: 'iso', ploop: 'ploop' };
    for (const { name, base } of bases) {
      if (!own[name]) continue;
      const o = await stream(base, own[name], true, [65536]);
      assert.equal(o.error, undefined, `${name}: ${(o.error as Error)?.message}`);
      assert.equal(o.result?.format, own[name], name);
    }
  });
});

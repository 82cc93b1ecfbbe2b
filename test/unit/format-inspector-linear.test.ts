/**
 * The inspector's time is linear in what the uploader sends: for every path that reads
 * attacker-sized text or walks attacker-sized data, a 4× bigger input takes less than 8× as long.
 * Robust on a loaded machine: CPU time is measured, each size several times (interleaved) keeping
 * the minimum, and inputs are large enough (240 KiB vs 960 KiB) to measure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FormatInspector, inspect } from '../../src/services/format-inspector.js';
import * as img from '../helpers/disk-images.js';

const KiB = 1024;
const SMALL = 240 * KiB;
const LARGE = 4 * SMALL; // the descriptor must fit in the first MiB with the header
const REPS = 5;
const BUDGET_MS = 2500;
/** Below this a measurement is noise; a quadratic parser at 960 KiB is far above it. */
const FLOOR_MS = 1;

/**
 * Times the small and the large input (interleaved), keeping the minimum of each, until the large
 * one is under 8× the small one or the time budget is spent: noise from other processes only ever
 * adds time, so a linear parser passes after a few rounds while a quadratic one never does.
 */
async function assertLinear(what: string, make: (size: number) => () => unknown): Promise<void> {
  const small = make(SMALL);
  const large = make(LARGE);
  // CPU time, not wall time: on a machine shared with other test runs a long sample is preempted far
  // more often than a short one, which skews wall-clock ratios; the process's CPU time is not.
  const time = async (f: () => unknown) => {
    const c0 = process.cpuUsage();
    await f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  const first = await time(small); // warm-up, and a guard: a quadratic parser would take very long at the large size
  assert.ok(first < 3000, `${what}: the small input alone took ${first.toFixed(0)} ms`);
  let s = Infinity;
  let l = Infinity;
  const start = performance.now();
  for (let round = 0; round < 10 && (round < 1 || performance.now() - start < BUDGET_MS); round++) {
    for (let i = 0; i < REPS; i++) {
      s = Math.min(s, await time(small));
      l = Math.min(l, await time(large));
    }
    if (process.env.LINEAR_VERBOSE) console.log(`${what}: ${s.toFixed(2)} ms vs ${l.toFixed(2)} ms`);
    if (l < 8 * s || l < FLOOR_MS) return;
  }
  assert.fail(`${what}: ${SMALL / KiB} KiB took ${s.toFixed(2)} ms, ${LARGE / KiB} KiB took ${l.toFixed(2)} ms (ratio ${(l / s).toFixed(1)})`);
}

/** `unit` repeated to `size` characters. */
const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const VALID = 'version=1\ncreateType="monolithicSparse"\nRW 8192 SPARSE "disk.vmdk"\n';

/** Descriptor texts that make each part of the scanner work over the whole input. */
const SHAPES: [string, (size: number) => string][] = [
  ['newlines', (n) => fill('\n', n)],
  ['newlines after a valid header', (n) => VALID + fill('\n', n)],
  ['CRLF blank lines', (n) => VALID + fill('\r\n', n)],
  ['spaces on one line', (n) => VALID + fill(' ', n)],
  ['comments', (n) => VALID + fill('# x\n', n)],
  ['ddb entries', (n) => VALID + fill('ddb.a = "b"\n', n)],
  ['header fields', (n) => VALID + fill('a=b\n', n)],
  ['equals signs', (n) => VALID + fill('=', n)],
  ['one word without end', (n) => VALID + fill('a', n)],
  ['an extent with many words', (n) => 'createType="monolithicSparse"\nRW ' + fill('1 ', n)],
  ['an extent with many quotes', (n) => 'createType="monolithicSparse"\nRW 1 SPARSE ' + fill('"', n)],
  ['many extents', (n) => 'createType="monolithicSparse"\n' + fill('RW 1 SPARSE "x"\n', n)],
  ['parentFileNameHint near-misses', (n) => VALID + fill('parentFileNameHin\n', n)],
  ['parentCID lines', (n) => VALID + fill('parentCID=ffffffff\n', n)],
];

describe('format inspector: linear time', () => {
  for (const [name, text] of SHAPES) {
    it(`vmdk embedded descriptor: ${name}`, async () => {
      await assertLinear(name, (size) => {
        const desc = text(size);
        const data = img.vmdk(8192, { descriptor: desc, descSectors: Math.ceil((desc.length + 1) / 512) });
        return () => inspect(data, data.subarray(data.length - 1536), data.length);
      });
    });
  }

  it('vmdk descriptor-only files and text that qemu would probe', async () => {
    for (const [name, text] of [
      ['descriptor file', (n: number) => '# Disk DescriptorFile\n' + fill('\n', n)],
      ['comment lines', (n: number) => fill('# comment\n', n)],
      ['blank lines', (n: number) => fill('   \r\n', n)],
    ] as const) {
      await assertLinear(name, (size) => {
        const data = Buffer.from(text(size), 'latin1');
        return () => inspect(data, data.subarray(Math.max(0, data.length - 1536)), data.length);
      });
    }
  });

  it('the stream itself, in small chunks', async () => {
    await assertLinear('raw data in 64-byte chunks', (size) => {
      const data = img.raw(size);
      const chunks: Buffer[] = [];
      for (let o = 0; o < data.length; o += 64) chunks.push(data.subarray(o, o + 64));
      return () => pipeline(Readable.from(chunks), new FormatInspector('raw'), new Writable({ write: (_c, _e, cb) => cb() }));
    });
  });
});

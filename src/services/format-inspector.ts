/**
 * Disk image format inspection, streaming: looks at the first bytes (and the last 512, for a fixed
 * VHD's footer) as they pass, detects the real format, reads the virtual size from its header and
 * refuses unsafe images: qcow2 with a backing file or an external data file, VMDK that is not a
 * single monolithic sparse/streamOptimized file or whose extents point elsewhere, differencing
 * VHDs, and data that is not the declared disk_format. Never buffers more than HEAD_MAX bytes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DomainError } from '../domain/errors.js';

export type DetectedFormat = 'raw' | 'qcow2' | 'vhd' | 'vhdx' | 'vmdk' | 'vdi' | 'iso' | 'ploop';

export interface Inspection {
  format: DetectedFormat;
  virtualSize: number | null;
  /** Why the image is unsafe, if it is. */
  unsafe?: string;
}

/** Bytes kept from the start of the stream (ISO's descriptor is at 32 KiB, VHDX's region table at 192 KiB). */
export const HEAD_MAX = 1 << 20;
const TAIL = 512;

const u32be = (b: Buffer, o: number) => (o + 4 <= b.length ? b.readUInt32BE(o) : 0);
const u64be = (b: Buffer, o: number) => (o + 8 <= b.length ? Number(b.readBigUInt64BE(o)) : 0);
const u32le = (b: Buffer, o: number) => (o + 4 <= b.length ? b.readUInt32LE(o) : 0);
const u64le = (b: Buffer, o: number) => (o + 8 <= b.length ? Number(b.readBigUInt64LE(o)) : 0);
const ascii = (b: Buffer, o: number, n: number) => (o + n <= b.length ? b.toString('latin1', o, o + n) : '');

function guidLE(b: Buffer, o: number): string {
  const h = (x: Buffer) => x.toString('hex');
  const d1 = Buffer.from(b.subarray(o, o + 4)).reverse();
  const d2 = Buffer.from(b.subarray(o + 4, o + 6)).reverse();
  const d3 = Buffer.from(b.subarray(o + 6, o + 8)).reverse();
  return `${h(d1)}-${h(d2)}-${h(d3)}-${h(b.subarray(o + 8, o + 10))}-${h(b.subarray(o + 10, o + 16))}`;
}

function qcow2(head: Buffer): Inspection {
  const version = u32be(head, 4);
  const virtualSize = u64be(head, 24);
  if (version < 2 || version > 3) return { format: 'qcow2', virtualSize, unsafe: `unsupported qcow2 version ${version}` };
  if (u64be(head, 8) !== 0 || u32be(head, 16) !== 0) return { format: 'qcow2', virtualSize, unsafe: 'qcow2 image has a backing file' };
  let extStart = 72;
  if (version === 3) {
    const incompatible = u64be(head, 72);
    if (incompatible & 4) return { format: 'qcow2', virtualSize, unsafe: 'qcow2 image uses an external data file' };
    extStart = u32be(head, 100) || 104;
  }
  // Header extensions: type, length, data padded to 8 bytes; 0 ends the list.
  for (let o = extStart, n = 0; o + 8 <= head.length && n < 64; n++) {
    const type = u32be(head, o);
    const len = u32be(head, o + 4);
    if (type === 0) break;
    if (type === 0x44415441) return { format: 'qcow2', virtualSize, unsafe: 'qcow2 image names an external data file' };
    o += 8 + Math.ceil(len / 8) * 8;
  }
  return { format: 'qcow2', virtualSize };
}

function vmdk(head: Buffer): Inspection {
  const capacity = u64le(head, 12);
  const descOffset = u64le(head, 28) * 512;
  const descSize = u64le(head, 36) * 512;
  const virtualSize = capacity * 512;
  if (!descOffset || !descSize) return { format: 'vmdk', virtualSize, unsafe: 'vmdk image has no embedded descriptor' };
  if (descOffset + descSize > head.length) return { format: 'vmdk', virtualSize, unsafe: 'vmdk descriptor is beyond the inspected header' };
  const text = head.toString('latin1', descOffset, descOffset + descSize).replace(/\0.*$/s, '');
  return vmdkDescriptor(text, virtualSize);
}

function vmdkDescriptor(text: string, virtualSize: number | null): Inspection {
  const createType = /^\s*createType\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  if (createType !== 'monolithicSparse' && createType !== 'streamOptimized') {
    return { format: 'vmdk', virtualSize, unsafe: `vmdk createType ${JSON.stringify(createType ?? null)} is not allowed (only monolithicSparse, streamOptimized)` };
  }
  const extents = text.split(/\r?\n/).filter((l) => /^\s*(RW|RDONLY|NOACCESS)\s/.test(l));
  if (extents.length !== 1) return { format: 'vmdk', virtualSize, unsafe: `vmdk has ${extents.length} extents (exactly one, in this file, is allowed)` };
  const m = /^\s*(RW|RDONLY|NOACCESS)\s+\d+\s+(\w+)\s+"([^"]*)"(?:\s+\d+)?\s*$/.exec(extents[0]);
  if (!m || m[2] !== 'SPARSE' || m[3].includes('/') || m[3].includes('\\') || m[3].includes('..')) {
    return { format: 'vmdk', virtualSize, unsafe: 'vmdk extent points outside the image file' };
  }
  if (/parentFileNameHint/.test(text) || /^\s*parentCID\s*=\s*(?!ffffffff)/im.test(text)) {
    return { format: 'vmdk', virtualSize, unsafe: 'vmdk image has a parent' };
  }
  return { format: 'vmdk', virtualSize };
}

function vhdFooter(b: Buffer, o: number): Inspection {
  const virtualSize = u64be(b, o + 48);
  const diskType = u32be(b, o + 60);
  if (diskType === 4) return { format: 'vhd', virtualSize, unsafe: 'vhd image is a differencing disk (has a parent)' };
  return { format: 'vhd', virtualSize };
}

const VHDX_METADATA_REGION = '8b7ca206-4790-4b9a-b8fe-575f050f886e';
const VHDX_VIRTUAL_DISK_SIZE = '2fa54224-cd1b-4876-b211-5dbed83bf4b8';
const VHDX_PARENT_LOCATOR = 'a8d35f2d-b30b-454d-abf7-d3d84834ab0c';

function vhdx(head: Buffer): Inspection {
  const region = 192 * 1024;
  if (ascii(head, region, 4) !== 'regi') return { format: 'vhdx', virtualSize: null };
  const count = u32le(head, region + 8);
  for (let i = 0; i < Math.min(count, 2047); i++) {
    const e = region + 16 + i * 32;
    if (e + 32 > head.length) break;
    if (guidLE(head, e) !== VHDX_METADATA_REGION) continue;
    const meta = u64le(head, e + 16);
    if (ascii(head, meta, 8) !== 'metadata') return { format: 'vhdx', virtualSize: null };
    const entries = head.readUInt16LE(meta + 10);
    let virtualSize: number | null = null;
    for (let j = 0; j < Math.min(entries, 2047); j++) {
      const m = meta + 32 + j * 32;
      if (m + 32 > head.length) break;
      const item = guidLE(head, m);
      if (item === VHDX_PARENT_LOCATOR) return { format: 'vhdx', virtualSize, unsafe: 'vhdx image has a parent' };
      if (item === VHDX_VIRTUAL_DISK_SIZE) {
        const at = meta + u32le(head, m + 16);
        if (at + 8 <= head.length) virtualSize = u64le(head, at);
      }
    }
    return { format: 'vhdx', virtualSize };
  }
  return { format: 'vhdx', virtualSize: null };
}

/** Detects the format from the head (and tail, when the stream is complete). */
export function inspect(head: Buffer, tail: Buffer | null, totalSize: number | null): Inspection | null {
  if (ascii(head, 0, 4) === 'QFI\xfb') return qcow2(head);
  if (ascii(head, 0, 8) === 'vhdxfile') return vhdx(head);
  if (ascii(head, 0, 4) === 'KDMV') return vmdk(head);
  if (/^#\s*Disk DescriptorFile/.test(ascii(head, 0, Math.min(head.length, 32)))) {
    return { ...vmdkDescriptor(head.toString('latin1', 0, Math.min(head.length, 65536)), null), unsafe: 'vmdk descriptor-only file refers to external extents' };
  }
  if (u32le(head, 0x40) === 0xbeda107f) return { format: 'vdi', virtualSize: u64le(head, 0x170) };
  const ploopSig = ascii(head, 0, 16);
  if (ploopSig === 'WithoutFreeSpace' || ploopSig === 'WithouFreSpacExt') return { format: 'ploop', virtualSize: null };
  if (ascii(head, 0, 8) === 'conectix') return vhdFooter(head, 0);
  if (ascii(head, 32769, 5) === 'CD001') {
    const blocks = u32le(head, 32768 + 80);
    const blockSize = head.length >= 32768 + 130 ? head.readUInt16LE(32768 + 128) : 0;
    return { format: 'iso', virtualSize: blocks && blockSize ? blocks * blockSize : null };
  }
  if (tail === null) return null; // undecided until the end (a fixed VHD's footer)
  if (tail.length === TAIL && ascii(tail, 0, 8) === 'conectix') return vhdFooter(tail, 0);
  return { format: 'raw', virtualSize: totalSize };
}

/** disk_format values that are checked as raw data. */
const RAW_LIKE = new Set(['raw', 'aki', 'ari', 'ami']);

/** The refusal for `found` under the declared disk_format, or null when acceptable. */
export function verdict(declared: string, found: Inspection, requireFormatMatch = true): string | null {
  if (found.unsafe) return `Image is not acceptable: ${found.unsafe}.`;
  if (!requireFormatMatch) return null;
  const want = RAW_LIKE.has(declared) ? 'raw' : declared;
  if (found.format !== want) return `Image data does not match disk_format ${declared}: it looks like ${found.format}.`;
  return null;
}

/**
 * A pass-through that inspects the data against `declaredFormat`. It fails the stream (with an
 * UnsupportedMediaType DomainError) as soon as a refusal is certain, so a bad upload stops early.
 * `result` is set once the stream has ended cleanly.
 */
export class FormatInspector extends Transform {
  private head: Buffer[] = [];
  private headLen = 0;
  private tail = Buffer.alloc(0);
  private total = 0;
  private decided = false;
  result?: Inspection;

  constructor(
    private readonly declaredFormat: string,
    private readonly opts: { requireFormatMatch?: boolean } = {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.total += chunk.length;
    if (this.headLen < HEAD_MAX) {
      const take = chunk.subarray(0, HEAD_MAX - this.headLen);
      this.head.push(Buffer.from(take));
      this.headLen += take.length;
      if (this.headLen >= HEAD_MAX && !this.decided) {
        const e = this.check(false);
        if (e) return cb(e);
      }
    }
    this.tail = chunk.length >= TAIL ? Buffer.from(chunk.subarray(chunk.length - TAIL)) : Buffer.concat([this.tail, chunk]).subarray(-TAIL);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    cb(this.check(true) ?? undefined);
  }

  private check(final: boolean): DomainError | null {
    const head = this.head.length === 1 ? this.head[0] : Buffer.concat(this.head);
    this.head = [head];
    const found = inspect(head, final ? this.tail : null, final ? this.total : null);
    if (!found) return null;
    this.decided = true;
    const why = verdict(this.declaredFormat, found, this.opts.requireFormatMatch ?? true);
    if (why) return new DomainError('UnsupportedMediaType', why);
    if (final) {
      this.result = found;
      this.head = [];
    }
    return null;
  }
}

/**
 * Disk image formats, detected and checked from the first bytes (and the last 1536) of an image:
 * the parsers behind the format inspector. The uploader controls every byte, so all reads go through
 * the bounds-checked `Bytes` view (a structure outside the bytes at hand ends in a refusal or a
 * request to capture it, never an exception), every loop is bounded by a constant or by the bytes
 * at hand, text is scanned once by hand (no regular expression ever sees image data), and u64
 * fields are compared as BigInt before they become numbers.
 */
import { vmdkDescriptorProblem, vmdkTextProbe } from './vmdk-descriptor.js';

export type DetectedFormat = 'raw' | 'qcow2' | 'vhd' | 'vhdx' | 'vmdk' | 'vdi' | 'iso' | 'ploop' | 'qed';

export interface Inspection {
  format: DetectedFormat;
  virtualSize: number | null;
  /** Why the image is unsafe, if it is. */
  unsafe?: string;
}

/** Bytes kept from the start of the stream (ISO's descriptor is at 32 KiB, VHDX's region table at 192 KiB). */
export const HEAD_MAX = 1 << 20;
/** Bytes kept from the end: a fixed VHD's footer (512), a streamOptimized VMDK's footer and end-of-stream marker (1536). */
export const TAIL = 1536;
/** Structures beyond the head (VHDX metadata, which qemu writes at 2 MiB) are captured as they pass: at most this many, this long. */
export const CAPTURES = 4;
export const CAPTURE_MAX = 64 * 1024;
/** Virtual sizes must stay exact in JSON. */
const MAX_SIZE = BigInt(Number.MAX_SAFE_INTEGER);
/** The VHDX specification's limit (64 TiB). */
const VHDX_MAX_SIZE = 64n << 40n;
const VMDK_DESC_MAX = 1 << 20;
const VMDK_GD_AT_END = 0xffffffffffffffffn;

/** Raised by the readers for bytes that are not at hand; analyse() turns it into a result or a capture. */
class OutOfRange {
  constructor(
    readonly offset: number,
    readonly length: number,
  ) {}
}

/** An offset read from the image as a number, or Infinity when it cannot be one (no read will succeed). */
const off = (v: bigint): number => (v <= MAX_SIZE ? Number(v) : Number.POSITIVE_INFINITY);

/** The bytes at hand by absolute offset (the head, and regions captured further on). Every read is bounds-checked. */
export class Bytes {
  constructor(private readonly parts: readonly { at: number; buf: Buffer }[]) {}
  private find(o: number, n: number): Buffer | null {
    if (!Number.isSafeInteger(o) || !Number.isSafeInteger(n) || o < 0 || n < 0) return null;
    for (const p of this.parts) if (o >= p.at && o + n <= p.at + p.buf.length) return p.buf.subarray(o - p.at, o - p.at + n);
    return null;
  }
  /** Up to `n` bytes from offset 0. */
  prefix(n: number): Buffer {
    const first = this.parts[0];
    return first && first.at === 0 ? first.buf.subarray(0, n) : Buffer.alloc(0);
  }
  has(o: number, n: number): boolean {
    return this.find(o, n) !== null;
  }
  get(o: number, n: number): Buffer {
    const b = this.find(o, n);
    if (!b) throw new OutOfRange(o, n);
    return b;
  }
  str = (o: number, n: number) => this.get(o, n).toString('latin1');
  is = (o: number, s: string) => this.has(o, s.length) && this.str(o, s.length) === s;
  u8 = (o: number) => this.get(o, 1)[0];
  u16le = (o: number) => this.get(o, 2).readUInt16LE(0);
  u32le = (o: number) => this.get(o, 4).readUInt32LE(0);
  u32be = (o: number) => this.get(o, 4).readUInt32BE(0);
  u64le = (o: number) => this.get(o, 8).readBigUInt64LE(0);
  u64be = (o: number) => this.get(o, 8).readBigUInt64BE(0);
}

const refuse = (format: DetectedFormat, unsafe: string, virtualSize: number | null = null): Inspection => ({ format, virtualSize, unsafe });

/** The virtual size, or a refusal when it cannot be a real disk's (beyond `limit`). */
function sized(format: DetectedFormat, v: bigint, limit = MAX_SIZE): Inspection {
  if (v > limit) return refuse(format, `${format} virtual size ${v} is beyond the largest supported (${limit})`);
  return { format, virtualSize: Number(v) };
}

/** Adds a refusal to a sized inspection (keeping a size refusal, which came first). */
const unsafeIf = (i: Inspection, why: string | null): Inspection => (i.unsafe || !why ? i : { ...i, unsafe: why });

function qcow2(b: Bytes): Inspection {
  const version = b.u32be(4);
  if (version !== 2 && version !== 3) return refuse('qcow2', `qcow2 version ${version} is not supported`);
  const size = sized('qcow2', b.u64be(24));
  if (size.unsafe) return size;
  if (b.u64be(8) !== 0n || b.u32be(16) !== 0) return unsafeIf(size, 'qcow2 image has a backing file');
  let ext = 72;
  if (version === 3) {
    const incompatible = b.u64be(72);
    if (incompatible & 4n) return unsafeIf(size, 'qcow2 image uses an external data file');
    // Known: dirty (0), corrupt (1), external data file (2), compression type (3), extended L2 (4).
    if (incompatible & ~0x1fn) return unsafeIf(size, `qcow2 image uses unknown incompatible features (0x${incompatible.toString(16)})`);
    ext = Math.max(104, b.u32be(100));
  }
  // Header extensions: type, length, data padded to 8 bytes; 0 ends the list. Walked only as far as the head goes.
  for (let n = 0; n < 64 && b.has(ext, 8); n++) {
    const type = b.u32be(ext);
    if (type === 0) break;
    if (type === 0x44415441) return unsafeIf(size, 'qcow2 image names an external data file');
    ext += 8 + Math.ceil(b.u32be(ext + 4) / 8) * 8;
  }
  return size;
}

function vmdk(b: Bytes, tail: Buffer | null): Inspection | null {
  const version = b.u32le(4);
  if (version < 1 || version > 3) return refuse('vmdk', `vmdk version ${version} is not supported`);
  const size = sized('vmdk', b.u64le(12) * 512n);
  if (size.unsafe) return size;
  // qemu opens a sparse header without capacity as a descriptor file, following its extents.
  if (size.virtualSize === 0) return refuse('vmdk', 'vmdk header declares no capacity');
  const descSector = b.u64le(28);
  const descSectors = b.u64le(36);
  if (!descSector || !descSectors) return unsafeIf(size, 'vmdk image has no embedded descriptor');
  if (descSectors * 512n > BigInt(VMDK_DESC_MAX)) return unsafeIf(size, 'vmdk descriptor is larger than 1 MiB');
  const desc = b.get(off(descSector * 512n), Number(descSectors) * 512);
  const nul = desc.indexOf(0);
  const problem = vmdkDescriptorProblem(nul < 0 ? desc : desc.subarray(0, nul));
  if (problem) return unsafeIf(size, problem);
  if (b.u64le(56) !== VMDK_GD_AT_END) return size;
  // The footer's header takes precedence over this one in qemu: it must agree with it.
  if (tail === null) return null;
  return unsafeIf(size, vmdkFooterProblem(b, tail));
}

function vmdkFooterProblem(b: Bytes, tail: Buffer): string | null {
  if (tail.length < TAIL) return 'vmdk footer is missing';
  const t = new Bytes([{ at: 0, buf: tail }]);
  const zero = (o: number, n: number) => t.get(o, n).every((x) => x === 0);
  if (t.u32le(8) !== 0 || t.u32le(12) !== 3 || !zero(16, 496)) return 'vmdk footer marker is invalid';
  if (!t.is(512, 'KDMV') || t.u32le(516) !== b.u32le(4) || t.u64le(524) !== b.u64le(12)) return 'vmdk footer does not match its header';
  if (t.u64le(540) !== b.u64le(28) || t.u64le(548) !== b.u64le(36)) return 'vmdk footer names another descriptor';
  if (t.u64le(568) === VMDK_GD_AT_END) return 'vmdk footer points to another footer';
  if (!zero(1024, 512)) return 'vmdk end-of-stream marker is invalid';
  return null;
}

/** A VHD footer at `o`, or null when it is not a valid one (cookie, checksum, version, disk type). */
function vhdFooter(b: Bytes, o: number): Inspection | null {
  if (!b.is(o, 'conectix') || !b.has(o, 512)) return null;
  const f = b.get(o, 512);
  let sum = 0;
  for (let i = 0; i < 512; i++) if (i < 64 || i >= 68) sum += f[i];
  if ((~sum >>> 0) !== b.u32be(o + 64) || b.u32be(o + 12) !== 0x00010000) return null;
  const type = b.u32be(o + 60);
  if (type !== 2 && type !== 3 && type !== 4) return null;
  return unsafeIf(sized('vhd', b.u64be(o + 48)), type === 4 ? 'vhd image is a differencing disk (has a parent)' : null);
}

function guid(s: string): Buffer {
  const b = Buffer.from(s.replace(/-/g, ''), 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}
const VHDX_METADATA_REGION = guid('8b7ca206-4790-4b9a-b8fe-575f050f886e');
const VHDX_VIRTUAL_DISK_SIZE = guid('2fa54224-cd1b-4876-b211-5dbed83bf4b8');
const VHDX_PARENT_LOCATOR = guid('a8d35f2d-b30b-454d-abf7-d3d84834ab0c');

function vhdx(b: Bytes): Inspection {
  const table = 192 * 1024;
  if (!b.is(table, 'regi')) return refuse('vhdx', 'vhdx region table is missing');
  const regions = b.u32le(table + 8);
  if (regions > 2047) return refuse('vhdx', `vhdx region table lists ${regions} regions (at most 2047)`);
  let meta = -1;
  for (let i = 0; i < regions && meta < 0; i++) {
    const e = table + 16 + i * 32;
    if (b.get(e, 16).equals(VHDX_METADATA_REGION)) meta = off(b.u64le(e + 16));
  }
  if (meta < 0) return refuse('vhdx', 'vhdx image has no metadata region');
  if (b.str(meta, 8) !== 'metadata') return refuse('vhdx', 'vhdx metadata region is invalid');
  const items = b.u16le(meta + 10);
  if (items > 2047) return refuse('vhdx', `vhdx metadata table lists ${items} items (at most 2047)`);
  let sizeAt = -1;
  for (let j = 0; j < items; j++) {
    const m = meta + 32 + j * 32;
    const id = b.get(m, 16);
    if (id.equals(VHDX_PARENT_LOCATOR)) return refuse('vhdx', 'vhdx image has a parent');
    if (id.equals(VHDX_VIRTUAL_DISK_SIZE) && sizeAt < 0) sizeAt = meta + b.u32le(m + 16);
  }
  if (sizeAt < 0) return refuse('vhdx', 'vhdx metadata has no virtual disk size');
  return sized('vhdx', b.u64le(sizeAt), VHDX_MAX_SIZE);
}

function iso(b: Bytes): Inspection {
  const pvd = 32768;
  const blocks = b.has(pvd + 80, 4) && b.u8(pvd) === 1 ? b.u32le(pvd + 80) : 0;
  const blockSize = b.has(pvd + 128, 2) ? b.u16le(pvd + 128) : 0;
  return { format: 'iso', virtualSize: blocks && blockSize ? blocks * blockSize : null };
}

/** A structure that lies beyond the bytes at hand but may still pass by: capture it, then look again. */
export interface Need {
  need: { offset: number; length: number };
}

/**
 * Detects the format and checks it. Returns null when only the end of the stream can tell (`tail`
 * null: not at the end yet), or a Need for a structure further on. Never throws on any input.
 */
export function analyse(b: Bytes, tail: Buffer | null, total: number | null): Inspection | Need | null {
  let format: DetectedFormat = 'raw';
  const named = (f: DetectedFormat) => ((format = f), true);
  try {
    if (b.is(0, 'QFI\xfb') && named('qcow2')) return qcow2(b);
    if (b.is(0, 'QED\0')) return refuse('qed', 'qed images are not supported (they can name a backing file)');
    if (b.is(0, 'vhdxfile') && named('vhdx')) return vhdx(b);
    if (b.is(0, 'KDMV') && named('vmdk')) return vmdk(b, tail);
    if (b.is(0, 'COWD')) return refuse('vmdk', 'vmdk version 3 (COWD) images are not supported');
    if (vmdkTextProbe(b.prefix(2048))) return refuse('vmdk', 'vmdk descriptor-only file refers to external extents');
    if (b.has(0x40, 4) && b.u32le(0x40) === 0xbeda107f && named('vdi')) return sized('vdi', b.u64le(0x170));
    if (b.is(0, 'WithoutFreeSpace') || b.is(0, 'WithouFreSpacExt')) return { format: 'ploop', virtualSize: null };
    const dynamic = vhdFooter(b, 0);
    if (dynamic) return dynamic;
    if (b.is(32769, 'CD001')) return iso(b);
    if (tail === null) return null; // undecided until the end (a fixed VHD's footer)
    const t = new Bytes([{ at: 0, buf: tail }]);
    const fixed = tail.length >= 512 ? vhdFooter(t, tail.length - 512) : null;
    // A fixed VHD's footer follows its data: a size beyond that is not believed.
    if (fixed && total !== null && (fixed.unsafe || (fixed.virtualSize ?? 0) <= total - 512)) return fixed;
    return { format: 'raw', virtualSize: total };
  } catch (e) {
    if (!(e instanceof OutOfRange)) throw e;
    if (tail === null && Number.isSafeInteger(e.offset) && e.offset + e.length > HEAD_MAX && e.length <= CAPTURE_MAX) return { need: { offset: e.offset, length: e.length } };
    return refuse(format, `${format} header is truncated or points outside the image`);
  }
}


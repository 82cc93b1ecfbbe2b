/**
 * Disk image format inspection, streaming: looks at the first bytes (and the last 1536, for a fixed
 * VHD's footer or a streamOptimized VMDK's footer) as they pass, detects the real format, reads the
 * virtual size from its header and refuses unsafe images: qcow2 with a backing file, an external data
 * file or unknown incompatible features, QED, VMDK that is not a single monolithic sparse or
 * streamOptimized file or whose descriptor names extents elsewhere or a parent, differencing VHDs,
 * VHDX with a parent locator, sizes beyond exact JSON integers, and (unless the format-match setting
 * is off) data that is not the declared disk_format.
 *
 * The uploader controls every byte, so: all reads go through the bounds-checked `Bytes` view (a
 * structure outside the bytes at hand ends inspection with a refusal, never an exception), every loop
 * is bounded by a constant or by the bytes at hand, text is scanned once by hand (no regular
 * expression ever sees image data), u64 fields are compared as BigInt before they become numbers, and
 * memory stays within HEAD_MAX + CAPTURES × CAPTURE_MAX + TAIL bytes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DomainError } from '../domain/errors.js';
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
const TAIL = 1536;
/** Structures beyond the head (VHDX metadata, which qemu writes at 2 MiB) are captured as they pass: at most this many, this long. */
const CAPTURES = 4;
const CAPTURE_MAX = 64 * 1024;
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
class Bytes {
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
function analyse(b: Bytes, tail: Buffer | null, total: number | null): Inspection | Need | null {
  let format: DetectedFormat = 'raw';
  try {
    if (b.is(0, 'QFI\xfb')) return (format = 'qcow2'), qcow2(b);
    if (b.is(0, 'QED\0')) return refuse('qed', 'qed images are not supported (they can name a backing file)');
    if (b.is(0, 'vhdxfile')) return (format = 'vhdx'), vhdx(b);
    if (b.is(0, 'KDMV')) return (format = 'vmdk'), vmdk(b, tail);
    if (b.is(0, 'COWD')) return refuse('vmdk', 'vmdk version 3 (COWD) images are not supported');
    if (vmdkTextProbe(b.prefix(2048))) return refuse('vmdk', 'vmdk descriptor-only file refers to external extents');
    if (b.has(0x40, 4) && b.u32le(0x40) === 0xbeda107f) return (format = 'vdi'), sized('vdi', b.u64le(0x170));
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

/** Detects the format from the head (and tail, when the stream is complete); never throws. */
export function inspect(head: Buffer, tail: Buffer | null, totalSize: number | null): Inspection | null {
  const r = analyse(new Bytes([{ at: 0, buf: head }]), tail, totalSize);
  return r && 'need' in r ? null : r;
}

/** disk_format values that are checked as raw data. */
const RAW_LIKE = new Set(['raw', 'aki', 'ari', 'ami']);

/**
 * The refusal for `found` under the declared disk_format, or null when acceptable. An unsafe image is
 * refused whatever was declared; a format other than the declared one only when `requireFormatMatch`.
 */
export function verdict(declared: string, found: Inspection, requireFormatMatch = true): string | null {
  if (found.unsafe) return `Image is not acceptable: ${found.unsafe}.`;
  if (!requireFormatMatch) return null;
  const want = RAW_LIKE.has(declared) ? 'raw' : declared;
  if (found.format !== want) return `Image data does not match disk_format ${declared}: it looks like ${found.format}.`;
  return null;
}

export interface FormatInspectorOptions {
  /** Refuse data whose format is not the declared disk_format (default true). */
  requireFormatMatch?: boolean;
}

interface Capture {
  at: number;
  buf: Buffer;
  filled: number;
}

/** Copies the part of `data` (at absolute offset `pos`) that continues `c`; false when nothing did. */
function fill(c: Capture, data: Buffer, pos: number): boolean {
  const want = c.at + c.filled;
  if (c.filled === c.buf.length || want < pos || want >= pos + data.length) return false;
  c.filled += data.copy(c.buf, c.filled, want - pos, Math.min(data.length, want - pos + c.buf.length - c.filled));
  return true;
}

/** Anything unexpected inside inspection becomes a refusal: the stream must never throw. */
const failed = (e: unknown) =>
  e instanceof DomainError ? e : new DomainError('UnsupportedMediaType', 'Image data could not be inspected: its header is malformed.');

/**
 * A pass-through that inspects the data against `declaredFormat`. It fails the stream (with an
 * UnsupportedMediaType DomainError) as soon as a refusal is certain, so a bad upload stops early.
 * `result` is set once the stream has ended cleanly.
 */
export class FormatInspector extends Transform {
  private headParts: Buffer[] = [];
  private headLen = 0;
  private head: Buffer | null = null;
  private readonly ring = Buffer.alloc(TAIL);
  private ringPos = 0;
  private total = 0;
  private captures: Capture[] = [];
  /** The chunk being passed and its offset, for captures that start inside it. */
  private current: { data: Buffer; pos: number } | null = null;
  private decided = false;
  private readonly requireFormatMatch: boolean;
  result?: Inspection;

  constructor(
    private readonly declaredFormat: string,
    opts: FormatInspectorOptions = {},
  ) {
    super();
    this.requireFormatMatch = opts.requireFormatMatch ?? true;
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    let err: DomainError | null;
    try {
      err = this.absorb(chunk);
    } catch (e) {
      err = failed(e);
    }
    if (err) return cb(err);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    let err: DomainError | null;
    try {
      err = this.decide(true);
    } catch (e) {
      err = failed(e);
    }
    cb(err ?? undefined);
  }

  private absorb(chunk: Buffer): DomainError | null {
    const pos = this.total;
    this.total += chunk.length;
    this.keepTail(chunk);
    let look = false;
    if (this.headLen < HEAD_MAX) {
      const part = chunk.subarray(0, HEAD_MAX - this.headLen);
      this.headParts.push(Buffer.from(part));
      this.headLen += part.length;
      look = this.headLen >= HEAD_MAX;
    }
    for (const c of this.captures) if (fill(c, chunk, pos) && c.filled === c.buf.length) look = true;
    if (!look || this.decided) return null;
    this.current = { data: chunk, pos };
    try {
      return this.decide(false);
    } finally {
      this.current = null;
    }
  }

  /** The last TAIL bytes, kept in a ring so that tiny chunks cost no more than their size. */
  private keepTail(chunk: Buffer): void {
    if (chunk.length >= TAIL) {
      chunk.copy(this.ring, 0, chunk.length - TAIL);
      this.ringPos = 0;
      return;
    }
    for (let src = 0; src < chunk.length; ) {
      const n = Math.min(chunk.length - src, TAIL - this.ringPos);
      chunk.copy(this.ring, this.ringPos, src, src + n);
      src += n;
      this.ringPos = (this.ringPos + n) % TAIL;
    }
  }

  private tailBytes(): Buffer {
    if (this.total < TAIL) return this.ring.subarray(0, this.total);
    return Buffer.concat([this.ring.subarray(this.ringPos), this.ring.subarray(0, this.ringPos)]);
  }

  private view(): Bytes {
    if (!this.head || this.head.length !== this.headLen) this.head = Buffer.concat(this.headParts, this.headLen);
    this.headParts = [this.head];
    return new Bytes([{ at: 0, buf: this.head }, ...this.captures.map((c) => ({ at: c.at, buf: c.buf.subarray(0, c.filled) }))]);
  }

  /** Looks at what has arrived; `final` at the end of the stream. Returns the refusal, if any. */
  protected decide(final: boolean): DomainError | null {
    for (let round = 0; round <= CAPTURES; round++) {
      const found = analyse(this.view(), final ? this.tailBytes() : null, final ? this.total : null);
      if (!found) return null;
      if ('need' in found) {
        const why = this.startCapture(found.need.offset);
        if (why) return new DomainError('UnsupportedMediaType', `Image is not acceptable: ${why}.`);
        if (this.captures[this.captures.length - 1].filled < CAPTURE_MAX) return null; // wait for it to pass
        continue;
      }
      this.decided = true;
      const why = verdict(this.declaredFormat, found, this.requireFormatMatch);
      if (why) return new DomainError('UnsupportedMediaType', why);
      if (final) {
        this.result = found;
        this.head = null;
        this.headParts = [];
        this.captures = [];
      }
      return null;
    }
    return new DomainError('UnsupportedMediaType', 'Image is not acceptable: its structures could not be located.');
  }

  /** Starts capturing CAPTURE_MAX bytes at `at`, from what is still at hand; the reason when it cannot. */
  private startCapture(at: number): string | null {
    if (this.captures.length >= CAPTURES) return 'its header refers to too many structures beyond the first MiB';
    const c: Capture = { at, buf: Buffer.alloc(CAPTURE_MAX), filled: 0 };
    if (this.head) fill(c, this.head, 0);
    for (const o of this.captures) fill(c, o.buf.subarray(0, o.filled), o.at);
    if (this.current) fill(c, this.current.data, this.current.pos);
    // Bytes between the head and the current chunk are gone: a structure there cannot be read.
    if (c.filled < CAPTURE_MAX && c.at + c.filled < this.total) return 'its header refers to a structure that precedes another one in the stream';
    this.captures.push(c);
    return null;
  }
}

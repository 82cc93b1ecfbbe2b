/**
 * Disk image format inspection, streaming: looks at the first bytes (and the last 1536) as they
 * pass, detects the real format (./disk-formats.ts), reads the virtual size from its header and
 * refuses unsafe images (qcow2 with a backing file, an external data file or unknown incompatible
 * features, QED, VMDK that is not a single monolithic sparse or streamOptimized file or whose
 * descriptor names extents elsewhere or a parent, differencing VHDs, VHDX with a parent locator,
 * sizes beyond exact JSON integers) and, unless the format-match setting is off, data that is not
 * the declared disk_format. Memory stays within HEAD_MAX + CAPTURES × CAPTURE_MAX + TAIL bytes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { DomainError } from '../domain/errors.js';
import { analyse, Bytes, CAPTURE_MAX, CAPTURES, HEAD_MAX, TAIL, type Inspection } from './disk-formats.js';

export { HEAD_MAX, type DetectedFormat, type Inspection } from './disk-formats.js';

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

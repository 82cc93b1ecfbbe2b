/**
 * One cache fill: a pass-through between the store stream and the client that also writes the
 * bytes to `<dir>/incomplete/<id>.<random>` and hashes them. At the end the copy is verified
 * against the image record (size, MD5 `checksum`, `os_hash_value`) and only then handed to
 * `commit` (which renames it into place). Anything else (client abort, store error, a
 * mismatch) removes the temporary file.
 *
 * The last chunk is held back until verification passes, so a client reading a copy whose
 * bytes do not match the record never receives the complete body: its download is cut short
 * (Content-Length not reached) instead of silently delivering corrupt data.
 */
import { createHash, getHashes, randomBytes, type Hash } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { CacheableImage } from './types.js';

export class VerificationError extends Error {}

export interface FillHooks {
  /** Move the verified temporary file into place; false when the copy must be discarded instead. */
  commit(tmpPath: string, size: number): Promise<boolean>;
  /** Called exactly once when the fill ends, whatever the outcome. */
  done(outcome: 'cached' | 'discarded' | 'failed' | 'mismatch', detail?: string): void;
  /** Bytes read from the store so far (for metrics). */
  onBytes(n: number): void;
}

const SUPPORTED = new Set(getHashes());

export class FillStream extends Transform {
  readonly tmpPath: string;
  private fh?: FileHandle;
  private md5: Hash = createHash('md5');
  private multi?: Hash;
  private size = 0;
  private held?: Buffer;
  private finished = false;

  constructor(
    incompleteDir: string,
    private readonly image: CacheableImage,
    private readonly hooks: FillHooks,
  ) {
    super();
    this.tmpPath = join(incompleteDir, `${image.id}.${randomBytes(6).toString('hex')}`);
    const algo = image.os_hash_algo?.toLowerCase();
    if (image.os_hash_value && algo && SUPPORTED.has(algo)) this.multi = createHash(algo);
  }

  override _construct(cb: (err?: Error | null) => void): void {
    open(this.tmpPath, 'wx').then(
      (fh) => {
        this.fh = fh;
        cb();
      },
      (e: Error) => cb(e),
    );
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    this.hooks.onBytes(chunk.length);
    if (this.image.size !== null && this.size > this.image.size) {
      cb(new VerificationError(`image ${this.image.id}: the store returned more than the recorded ${this.image.size} bytes`));
      return;
    }
    this.md5.update(chunk);
    this.multi?.update(chunk);
    this.fh!.write(chunk).then(
      () => {
        const prev = this.held;
        this.held = chunk;
        cb(null, prev);
      },
      (e: Error) => cb(e),
    );
  }

  override _flush(cb: TransformCallback): void {
    void this.finish().then(
      () => {
        if (this.held) this.push(this.held);
        this.held = undefined;
        cb();
      },
      (e: Error) => cb(e),
    );
  }

  private async finish(): Promise<void> {
    const mismatch = this.verify();
    const fh = this.fh!;
    this.fh = undefined;
    if (mismatch) {
      await fh.close().catch(() => undefined);
      await unlink(this.tmpPath).catch(() => undefined);
      this.end_('mismatch', mismatch);
      throw new VerificationError(mismatch);
    }
    await fh.datasync();
    await fh.close();
    let kept = false;
    try {
      kept = await this.hooks.commit(this.tmpPath, this.size);
    } finally {
      if (!kept) await unlink(this.tmpPath).catch(() => undefined);
    }
    this.end_(kept ? 'cached' : 'discarded');
  }

  /** Why the bytes do not match the image record, or undefined when they do. */
  private verify(): string | undefined {
    const img = this.image;
    if (img.size !== null && this.size !== img.size) return `image ${img.id}: read ${this.size} bytes, the record says ${img.size}`;
    const md5 = this.md5.digest('hex');
    if (img.checksum && md5 !== img.checksum.toLowerCase()) return `image ${img.id}: MD5 ${md5} does not match the recorded checksum ${img.checksum}`;
    if (this.multi) {
      const v = this.multi.digest('hex');
      if (v !== img.os_hash_value!.toLowerCase()) return `image ${img.id}: ${img.os_hash_algo} does not match the recorded os_hash_value`;
    }
    return undefined;
  }

  private end_(outcome: 'cached' | 'discarded' | 'failed' | 'mismatch', detail?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.hooks.done(outcome, detail);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const fh = this.fh;
    this.fh = undefined;
    this.held = undefined;
    const cleanup = async () => {
      if (fh) await fh.close().catch(() => undefined);
      if (!this.finished) await unlink(this.tmpPath).catch(() => undefined);
    };
    void cleanup().then(() => {
      this.end_('failed', err?.message ?? 'aborted');
      cb(err);
    });
  }
}

/**
 * One cache fill: a pass-through between the store stream and the client that also writes the
 * bytes to `<dir>/incomplete/<id>.<random>` and hashes them. At the end the copy is verified
 * against the image record (size, MD5 `checksum`, `os_hash_value`) and only then handed to
 * `commit` (which renames it into place). Anything else (client abort, store error, a
 * mismatch) removes the temporary file.
 *
 * The last chunk is held back until verification passes, so a client reading bytes that do not
 * match the record never receives the complete body: its download is cut short (Content-Length
 * not reached) instead of silently delivering corrupt data.
 *
 * MD5 and the multihash are computed by the hash workers' pool (src/stores/hashing.ts), off the
 * thread that streams the bytes to the client.
 *
 * Trouble on the cache's side (disk full, unwritable directory, hashing worker lost) abandons the
 * fill but never the download: the client keeps receiving the store's bytes, as if uncached.
 */
import { randomBytes } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { hashSupported, StreamDigests } from '../stores/hashing.js';
import type { CacheableImage } from './types.js';

export class VerificationError extends Error {}

export type FillOutcome = 'cached' | 'discarded' | 'failed' | 'mismatch';

export interface FillHooks {
  /** Move the verified temporary file into place; false when the copy must be discarded instead. */
  commit(tmpPath: string, size: number): Promise<boolean>;
  /** Called exactly once when the fill ends, whatever the outcome. */
  done(outcome: FillOutcome, detail?: string): void;
  /** Bytes read from the store so far (for metrics). */
  onBytes(n: number): void;
}

/** Bytes handed to the file system but not yet written before the stream waits. */
const WRITE_HIGH_WATER = 8 * 1024 * 1024;

export class FillStream extends Transform {
  readonly tmpPath: string;
  private fh?: FileHandle;
  private readonly digests: StreamDigests;
  private readonly multiAlgo: string | null;
  private size = 0;
  private held?: Buffer;
  private finished = false;
  private abandoned = false;
  private position = 0;
  private writing: Promise<void> = Promise.resolve();
  private pendingBytes = 0;

  constructor(
    incompleteDir: string,
    private readonly image: CacheableImage,
    private readonly hooks: FillHooks,
  ) {
    super();
    this.tmpPath = join(incompleteDir, `${image.id}.${randomBytes(6).toString('hex')}`);
    const algo = image.os_hash_algo?.toLowerCase() ?? null;
    this.multiAlgo = image.os_hash_value && algo && hashSupported(algo) ? algo : null;
    this.digests = new StreamDigests(this.multiAlgo ? ['md5', this.multiAlgo] : ['md5']);
  }

  override _construct(cb: (err?: Error | null) => void): void {
    open(this.tmpPath, 'wx').then(
      (fh) => {
        this.fh = fh;
        cb();
      },
      (e: Error) => {
        void this.abandon(`cannot create the cache file: ${e.message}`);
        cb();
      },
    );
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    this.hooks.onBytes(chunk.length);
    if (this.image.size !== null && this.size > this.image.size) {
      cb(new VerificationError(`image ${this.image.id}: the store returned more than the recorded ${this.image.size} bytes`));
      return;
    }
    const prev = this.held;
    this.held = chunk;
    if (this.abandoned) {
      cb(null, prev);
      return;
    }
    try {
      this.digests.update(chunk);
    } catch (e) {
      void this.abandon(`hashing failed: ${(e as Error).message}`);
      cb(null, prev);
      return;
    }
    const fh = this.fh!;
    const at = this.position;
    this.position += chunk.length;
    this.pendingBytes += chunk.length;
    this.writing = this.writing.then(async () => {
      if (this.abandoned) return;
      try {
        await fh.write(chunk, 0, chunk.length, at);
      } catch (e) {
        void this.abandon(`cannot write the cache file: ${(e as Error).message}`);
      } finally {
        this.pendingBytes -= chunk.length;
      }
    });
    const waits: Promise<unknown>[] = [this.digests.drained()];
    if (this.pendingBytes > WRITE_HIGH_WATER) waits.push(this.writing);
    Promise.all(waits).then(
      () => cb(null, prev),
      (e: Error) => {
        void this.abandon(`hashing failed: ${e.message}`);
        cb(null, prev);
      },
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

  /** Verifies and commits; rejects only when the bytes do not match the record. */
  private async finish(): Promise<void> {
    if (this.abandoned) return;
    await this.writing;
    let digests: { md5: string; multi?: string };
    try {
      const [md5, multi] = await this.digests.digest();
      digests = { md5, multi };
    } catch (e) {
      await this.abandon(`hashing failed: ${(e as Error).message}`);
      return;
    }
    if (this.abandoned) return;
    const mismatch = this.verify(digests);
    if (mismatch) {
      await this.removeTemp();
      this.end_('mismatch', mismatch);
      throw new VerificationError(mismatch);
    }
    const fh = this.fh!;
    this.fh = undefined;
    let kept = false;
    try {
      await fh.datasync();
      await fh.close();
      kept = await this.hooks.commit(this.tmpPath, this.size);
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(this.tmpPath).catch(() => undefined);
      this.end_('failed', `cannot keep the cache file: ${(e as Error).message}`);
      return;
    }
    if (!kept) await unlink(this.tmpPath).catch(() => undefined);
    this.end_(kept ? 'cached' : 'discarded');
  }

  /** Why the bytes do not match the image record, or undefined when they do. */
  private verify(d: { md5: string; multi?: string }): string | undefined {
    const img = this.image;
    if (img.size !== null && this.size !== img.size) return `image ${img.id}: read ${this.size} bytes, the record says ${img.size}`;
    if (img.checksum && d.md5 !== img.checksum.toLowerCase()) return `image ${img.id}: MD5 ${d.md5} does not match the recorded checksum ${img.checksum}`;
    if (this.multiAlgo && d.multi !== img.os_hash_value!.toLowerCase()) return `image ${img.id}: ${img.os_hash_algo} does not match the recorded os_hash_value`;
    return undefined;
  }

  /** Stops caching (the bytes keep flowing to the client) and removes the temporary file. */
  private async abandon(reason: string): Promise<void> {
    if (this.abandoned || this.finished) return;
    this.abandoned = true;
    this.digests.abandon();
    this.end_('failed', reason);
    await this.removeTemp();
  }

  private async removeTemp(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await this.writing.catch(() => undefined);
    if (fh) await fh.close().catch(() => undefined);
    await unlink(this.tmpPath).catch(() => undefined);
  }

  private end_(outcome: FillOutcome, detail?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.hooks.done(outcome, detail);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.held = undefined;
    this.digests.abandon();
    const wasFinished = this.finished;
    this.abandoned = true;
    const cleanup = wasFinished ? Promise.resolve() : this.removeTemp();
    void cleanup.then(() => {
      this.end_('failed', err?.message ?? 'aborted');
      cb(err);
    });
  }
}

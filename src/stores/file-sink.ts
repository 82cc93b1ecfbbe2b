/**
 * The end of an upload to a file store: one Writable that measures, hashes and writes.
 *
 * Each incoming chunk is copied once, into a 1 MiB shared batch (src/stores/hashing.ts); the
 * hash workers read the batch in place and the same batch is written to the file at its offset,
 * one `write` per MiB. So per byte there is one copy and no second stream stage, and per MiB one
 * write call instead of one per network chunk (~64 KiB). Bytes in flight stay bounded: the
 * digests' own limit, plus at most MAX_WRITING bytes queued for the file.
 */
import { Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';
import { DomainError } from '../domain/errors.js';
import { StreamDigests, type SharedBatch } from './hashing.js';
import type { WriteResult } from './store.js';

const MAX_WRITING = 4 << 20;

export class HashingFileSink extends Writable {
  size = 0;
  private readonly hashing: StreamDigests;
  private digests?: { md5: string; multi: string };
  private position = 0;
  private writing = 0;
  private writeError?: Error;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly handle: FileHandle,
    readonly hashAlgo: string,
    private readonly maxSize = Number.MAX_SAFE_INTEGER,
  ) {
    super({ highWaterMark: 1 << 20 });
    this.hashing = new StreamDigests(['md5', hashAlgo], (batch, length) => this.writeBatch(batch, length));
  }

  private writeBatch(batch: SharedBatch, length: number): void {
    const at = this.position;
    this.position += length;
    this.writing += length;
    void this.writeFully(batch.bytes, length, at)
      .catch((e: Error) => {
        this.writeError ??= e;
      })
      .finally(() => {
        batch.release();
        this.writing -= length;
        this.wake();
      });
  }

  private async writeFully(bytes: Uint8Array, length: number, at: number): Promise<void> {
    for (let off = 0; off < length; ) {
      const { bytesWritten } = await this.handle.write(bytes, off, length - off, at + off);
      off += bytesWritten;
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async writesBelow(limit: number): Promise<void> {
    while (this.writing > limit && !this.writeError) await new Promise<void>((r) => this.waiters.push(r));
  }

  private take(chunk: Buffer): Error | null {
    this.size += chunk.length;
    if (this.size > this.maxSize) return new DomainError('TooLarge', `Image exceeds the storage limit of ${this.maxSize} bytes.`);
    if (this.writeError) return this.writeError;
    try {
      this.hashing.update(chunk);
    } catch (e) {
      return e as Error;
    }
    return null;
  }

  private settle(cb: (e?: Error | null) => void): void {
    Promise.all([this.hashing.drained(), this.writesBelow(MAX_WRITING)]).then(() => cb(this.writeError ?? null), cb);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const err = this.take(chunk);
    if (err) return cb(err);
    this.settle(cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    for (const { chunk } of chunks) {
      const err = this.take(chunk);
      if (err) return cb(err);
    }
    this.settle(cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    // digest() hands the last, partial batch to the digests and to the file
    this.hashing.digest().then(
      async ([md5, multi]) => {
        await this.writesBelow(0);
        if (this.writeError) throw this.writeError;
        this.digests = { md5, multi };
        cb();
      },
      cb,
    ).catch(cb);
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    if (!this.digests) this.hashing.abandon();
    cb(err);
  }

  /** Resolves once no write to the file is in flight (before the handle is closed). */
  settled(): Promise<void> {
    return this.writesBelow(0);
  }

  result(url: string): WriteResult {
    if (!this.digests) throw new Error('HashingFileSink.result() before the stream finished');
    return { size: this.size, checksum: this.digests.md5, os_hash_algo: this.hashAlgo, os_hash_value: this.digests.multi, url };
  }
}

/**
 * A byte range of an open file as a Readable, which can also send itself to an HTTP response
 * without allocating per chunk.
 *
 * As a plain Readable (any consumer) every chunk is a new buffer, as `fs.createReadStream` does.
 * `pumpTo(res)`, which `src/http/respond.ts` uses for downloads, reads into two buffers owned by
 * the pump instead and reuses one only once the response has reported its previous write done:
 * a gigabyte download then allocates two megabytes rather than a gigabyte of buffers for the
 * garbage collector (measured: about 34 full collections per GiB otherwise, see
 * docs/performance.md). The stream's events keep their meaning either way: 'error' (before or
 * during the transfer), 'close' when the file is closed; `destroy()` stops the pump.
 */
import { Readable, type Writable } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';

const CHUNK = 1 << 20;

export class FileRangeStream extends Readable {
  private pos: number;
  /** One past the last byte to send. */
  private readonly stop: number;
  private pumping = false;
  private closing?: Promise<void>;
  /** Called with the size of every chunk sent (metrics). */
  onBytes?: (n: number) => void;
  /** Bytes read from the file so far. */
  sent = 0;

  /** `end` is inclusive, as in an HTTP byte range; without it, to the end of the file. */
  constructor(
    private readonly handle: FileHandle,
    start = 0,
    end?: number,
  ) {
    super({ highWaterMark: CHUNK });
    this.pos = start;
    this.stop = end === undefined ? Number.POSITIVE_INFINITY : end + 1;
  }

  private count(n: number): void {
    this.sent += n;
    this.onBytes?.(n);
  }

  override _read(size: number): void {
    const want = Math.min(Math.max(size, CHUNK), this.stop - this.pos);
    if (want <= 0) {
      this.push(null);
      return;
    }
    const buf = Buffer.allocUnsafeSlow(want);
    this.handle.read(buf, 0, want, this.pos).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) {
          this.push(null);
          return;
        }
        this.pos += bytesRead;
        this.count(bytesRead);
        this.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      },
      (e: Error) => this.destroy(e),
    );
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    this.closing ??= this.handle.close().catch(() => undefined);
    this.closing.then(() => cb(err));
  }

  /**
   * Whether `pumpTo` may be used: nobody has read from the stream or attached a reader yet.
   */
  get pumpable(): boolean {
    return !this.pumping && !this.destroyed && this.readableFlowing === null && !this.readableDidRead;
  }

  /**
   * Sends the range to `res` and ends it. A read error destroys the stream (its 'error' event
   * says whether anything was sent: `res.headersSent`); a response that closes early, or a
   * `destroy()`, stops the pump. The file is closed in every case.
   */
  pumpTo(res: Writable): void {
    if (!this.pumpable) throw new Error('FileRangeStream.pumpTo on a stream that is already being read');
    this.pumping = true;
    const buffers = [Buffer.allocUnsafeSlow(CHUNK), Buffer.allocUnsafeSlow(CHUNK)];
    let gone: (() => void) | undefined;
    const closed = new Promise<'closed'>((resolve) => {
      gone = () => resolve('closed');
      res.once('close', gone);
    });
    const write = (chunk: Buffer) =>
      new Promise<void>((resolve, reject) => {
        res.write(chunk, (e) => (e ? reject(e) : resolve()));
      });
    const run = async () => {
      // The write of one buffer overlaps the read into the other; a buffer is read into again
      // only after the response has reported its previous write done.
      let previous: Promise<void> = Promise.resolve();
      for (let i = 0; ; i ^= 1) {
        const want = Math.min(CHUNK, this.stop - this.pos);
        const { bytesRead } = want > 0 ? await this.handle.read(buffers[i], 0, want, this.pos) : { bytesRead: 0 };
        if ((await Promise.race([previous, closed])) === 'closed' || this.destroyed) return;
        if (bytesRead === 0) break;
        this.pos += bytesRead;
        this.count(bytesRead);
        previous = write(bytesRead === CHUNK ? buffers[i] : buffers[i].subarray(0, bytesRead));
        // a write that fails is reported by the race above or by the final wait
        previous.catch(() => undefined);
      }
      if ((await Promise.race([previous, closed])) === 'closed' || this.destroyed) return;
      res.end();
    };
    run().then(
      () => this.destroy(),
      (e: Error) => this.destroy(e),
    ).finally(() => {
      if (gone) res.off('close', gone);
    });
  }
}

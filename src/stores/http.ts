/**
 * Read-only HTTP store: image locations that are http(s) URLs (added through the locations API).
 * Every request goes through the SSRF guard, redirects included, with timeouts.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { SsrfGuard, guardedFetch } from './ssrf.js';
import { DomainError } from '../domain/errors.js';
import type { ByteRange, StoreDriver, WriteResult } from './store.js';

export interface HttpStoreOptions {
  id: string;
  guard: SsrfGuard;
  timeoutMs: number;
  maxRedirects: number;
  description?: string;
  weight?: number;
}

/** Passes through only bytes [start, end] of what flows by (for servers that ignore Range). */
class Slice extends Transform {
  private pos = 0;
  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    const from = Math.max(this.from - this.pos, 0);
    const to = Math.min(this.to + 1 - this.pos, chunk.length);
    this.pos += chunk.length;
    if (to > from) this.push(chunk.subarray(from, to));
    cb();
  }
}

export class HttpStore implements StoreDriver {
  readonly type = 'http' as const;
  readonly readOnly = true;
  readonly id: string;
  readonly description?: string;
  readonly weight: number;
  constructor(private readonly o: HttpStoreOptions) {
    this.id = o.id;
    this.description = o.description;
    this.weight = o.weight ?? 0;
  }

  owns(url: string): boolean {
    return /^https?:\/\//i.test(url);
  }

  async write(): Promise<WriteResult> {
    throw new DomainError('Unavailable', `Store ${this.id} is read-only.`);
  }

  async read(url: string, range?: ByteRange): Promise<Readable> {
    const res = await guardedFetch(this.o.guard, url, {
      timeoutMs: this.o.timeoutMs,
      maxRedirects: this.o.maxRedirects,
      headers: range ? { Range: `bytes=${range.start}-${range.end}` } : {},
    });
    if (range && res.statusCode !== 206) return res.pipe(new Slice(range.start, range.end)) as unknown as Readable;
    return res;
  }

  /** Size announced by the server (HEAD Content-Length), or null. */
  async size(url: string): Promise<number | null> {
    const res = await guardedFetch(this.o.guard, url, { method: 'HEAD', timeoutMs: this.o.timeoutMs, maxRedirects: this.o.maxRedirects });
    res.resume();
    const n = Number(res.headers['content-length']);
    return Number.isSafeInteger(n) && n >= 0 ? n : null;
  }

  async delete(): Promise<void> {
    // Remote data is not ours to delete: dropping the location is all there is.
  }

  properties(): Record<string, unknown> {
    return {};
  }
}

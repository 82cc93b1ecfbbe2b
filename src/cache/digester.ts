/**
 * MD5 plus the image's multihash of a byte stream, computed off the event loop for large images:
 * a fill would otherwise hash on the same thread that streams the bytes to the client and halve
 * the download rate on a slow CPU. Chunks are copied to a worker thread; `ready()` applies
 * back-pressure when the worker falls behind. Small images are hashed inline (a worker costs a
 * few milliseconds to start).
 */
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Digests {
  md5: string;
  multi: string | null;
}

export interface Digester {
  update(chunk: Buffer): void;
  /** Resolves when more data may be sent (the worker is not too far behind). */
  ready(): Promise<void>;
  digest(): Promise<Digests>;
  destroy(): void;
}

/** Images at least this large are hashed on a worker thread. */
export const WORKER_THRESHOLD = 4 * 1024 * 1024;
const HIGH_WATER = 8 * 1024 * 1024;

class InlineDigester implements Digester {
  private md5: Hash = createHash('md5');
  private multi: Hash | null;
  constructor(algo: string | null) {
    this.multi = algo ? createHash(algo) : null;
  }
  update(chunk: Buffer): void {
    this.md5.update(chunk);
    this.multi?.update(chunk);
  }
  ready(): Promise<void> {
    return Promise.resolve();
  }
  async digest(): Promise<Digests> {
    return { md5: this.md5.digest('hex'), multi: this.multi ? this.multi.digest('hex') : null };
  }
  destroy(): void {}
}

const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const md5 = createHash('md5');
const multi = workerData.algo ? createHash(workerData.algo) : null;
parentPort.on('message', (m) => {
  if (m === 'end') {
    parentPort.postMessage({ md5: md5.digest('hex'), multi: multi ? multi.digest('hex') : null });
    return;
  }
  md5.update(m);
  if (multi) multi.update(m);
  parentPort.postMessage(m.byteLength);
});
`;

class WorkerDigester implements Digester {
  private readonly worker: Worker;
  private outstanding = 0;
  private waiters: (() => void)[] = [];
  private failure?: Error;
  private readonly result: Promise<Digests>;

  constructor(algo: string | null) {
    this.worker = new Worker(WORKER_CODE, { eval: true, workerData: { algo } });
    this.result = new Promise<Digests>((resolve, reject) => {
      this.worker.on('message', (m: number | Digests) => {
        if (typeof m === 'number') {
          this.outstanding -= m;
          if (this.outstanding < HIGH_WATER) this.wake();
        } else resolve(m);
      });
      this.worker.on('error', (e) => {
        this.failure = e;
        this.wake();
        reject(e);
      });
      this.worker.on('exit', () => {
        this.failure ??= new Error('hashing worker stopped');
        this.wake();
        reject(this.failure);
      });
    });
    this.result.catch(() => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  update(chunk: Buffer): void {
    if (this.failure) return;
    // Copy into a buffer of its own and transfer it: a Buffer is often a view on a larger pool.
    const copy = new Uint8Array(chunk.length);
    copy.set(chunk);
    this.outstanding += copy.length;
    this.worker.postMessage(copy, [copy.buffer]);
  }

  ready(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.outstanding < HIGH_WATER) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push(() => (this.failure ? reject(this.failure) : resolve())));
  }

  async digest(): Promise<Digests> {
    if (this.failure) throw this.failure;
    this.worker.postMessage('end');
    try {
      return await this.result;
    } finally {
      void this.worker.terminate();
    }
  }

  destroy(): void {
    this.failure ??= new Error('hashing cancelled');
    void this.worker.terminate();
  }
}

export function createDigester(size: number | null, algo: string | null): Digester {
  return size !== null && size >= WORKER_THRESHOLD ? new WorkerDigester(algo) : new InlineDigester(algo);
}

/**
 * Hashing off the event loop: a small pool of worker threads computes digests of streamed data,
 * so MD5 and the multihash of an upload run in parallel with each other and with the I/O on the
 * main thread. Data is handed over in batches of BATCH bytes in shared memory, which every
 * digest of the batch reads in place; a batch goes back to a small free list once every digest
 * has acknowledged it, so batches are reused rather than left for the workers' garbage
 * collector (a worker allocates too little to collect often, and would keep them alive). A
 * session never has more than MAX_PENDING bytes in flight (the caller waits for `drained()`),
 * so memory stays flat.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { getHashes } from 'node:crypto';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const sessions = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.op === 'open') sessions.set(m.id, createHash(m.algo));
    else if (m.op === 'data') { sessions.get(m.id).update(new Uint8Array(m.buf, 0, m.len)); parentPort.postMessage({ id: m.id, ack: m.len }); }
    else if (m.op === 'end') { const h = sessions.get(m.id); sessions.delete(m.id); parentPort.postMessage({ id: m.id, digest: h.digest('hex') }); }
    else if (m.op === 'drop') sessions.delete(m.id);
  } catch (e) { parentPort.postMessage({ id: m.id, error: String(e && e.message || e) }); }
});
`;

export const BATCH = 1 << 20;

const SUPPORTED = new Set(getHashes());
/** Whether this Node.js computes `algo` (a lower-case name, as getHashes() lists them). */
export const hashSupported = (algo: string): boolean => SUPPORTED.has(algo);

const FREE_MAX = 32;
const free: SharedArrayBuffer[] = [];

/**
 * A batch of BATCH bytes in shared memory, read by `users` digests: filled by the caller, handed
 * to each digest with `RemoteHash.update`, and reused once all of them have acknowledged it.
 */
export class SharedBatch {
  readonly bytes: Uint8Array;
  private refs: number;
  constructor(users: number) {
    this.bytes = new Uint8Array(free.pop() ?? new SharedArrayBuffer(BATCH));
    this.refs = users;
  }
  /** One digest is done with the batch. */
  release(): void {
    if (--this.refs === 0 && free.length < FREE_MAX) free.push(this.bytes.buffer as SharedArrayBuffer);
  }
}

const MAX_PENDING = 8 << 20;

interface Waiter {
  onAck(n: number): void;
  onDigest(hex: string): void;
  onError(e: Error): void;
}

class Pool {
  private workers: Worker[] = [];
  private readonly handlers = new Map<number, Waiter>();
  private next = 0;
  private seq = 0;

  constructor(private readonly size: number) {}

  private spawn(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (m: { id: number; ack?: number; digest?: string; error?: string }) => {
      const h = this.handlers.get(m.id);
      if (!h) return;
      if (m.error !== undefined) {
        this.handlers.delete(m.id);
        this.release(m.id, w, false);
        h.onError(new Error(m.error));
      } else if (m.digest !== undefined) {
        this.handlers.delete(m.id);
        h.onDigest(m.digest);
      } else if (m.ack !== undefined) h.onAck(m.ack);
    });
    w.on('error', (e) => this.fail(w, e));
    w.on('exit', () => this.fail(w, new Error('hash worker exited')));
    w.unref(); // idle workers never keep the process alive; `open` refs a busy one
    return w;
  }

  private owners = new Map<number, Worker>();
  private readonly busy = new Map<Worker, number>();

  private use(w: Worker, delta: number): void {
    const n = (this.busy.get(w) ?? 0) + delta;
    this.busy.set(w, n);
    if (n > 0 && n - delta <= 0) w.ref();
    if (n <= 0 && n - delta > 0) w.unref();
  }

  private fail(w: Worker, e: Error): void {
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    for (const [id, owner] of this.owners) {
      if (owner !== w) continue;
      this.owners.delete(id);
      this.use(w, -1);
      const h = this.handlers.get(id);
      this.handlers.delete(id);
      h?.onError(e);
    }
  }

  /** Starts every worker now, so the first upload does not pay for (or grow memory by) their start. */
  warm(): void {
    while (this.workers.length < this.size) this.workers.push(this.spawn());
  }

  open(algo: string, h: Waiter): { id: number; worker: Worker } {
    this.warm();
    // The least busy worker (round robin among equals): the digests of one upload run in parallel.
    let worker = this.workers[this.next++ % this.workers.length];
    for (const w of this.workers) if ((this.busy.get(w) ?? 0) < (this.busy.get(worker) ?? 0)) worker = w;
    const id = ++this.seq;
    this.handlers.set(id, h);
    this.owners.set(id, worker);
    this.use(worker, 1);
    worker.postMessage({ op: 'open', id, algo });
    return { id, worker };
  }

  release(id: number, worker: Worker, drop: boolean): void {
    if (!this.owners.delete(id)) return;
    this.use(worker, -1);
    if (drop) {
      this.handlers.delete(id);
      worker.postMessage({ op: 'drop', id });
    }
  }
}

let pool: Pool | undefined;
const getPool = () => (pool ??= new Pool(Math.max(2, Math.min(4, availableParallelism()))));

/** Starts the hash workers ahead of the first upload (they never keep the process alive). */
export function warmHashWorkers(): void {
  getPool().warm();
}

/** One digest computed in a worker. */
export class RemoteHash {
  private readonly id: number;
  private readonly worker: Worker;
  private pending = 0;
  private readonly inflight: SharedBatch[] = [];
  private waiters: (() => void)[] = [];
  private result?: Promise<string>;
  private resolveDigest!: (hex: string) => void;
  private rejectDigest!: (e: Error) => void;
  private error?: Error;
  private done = false;

  constructor(algo: string) {
    this.result = new Promise<string>((res, rej) => {
      this.resolveDigest = res;
      this.rejectDigest = rej;
    });
    this.result.catch(() => undefined);
    const { id, worker } = getPool().open(algo, {
      onAck: (n) => {
        this.pending -= n;
        this.inflight.shift()?.release(); // a worker handles a session's messages in order
        if (this.pending <= MAX_PENDING) this.wake();
      },
      onDigest: (hex) => {
        this.done = true;
        this.resolveDigest(hex);
      },
      onError: (e) => {
        this.error = e;
        this.done = true;
        this.rejectDigest(e);
        this.wake();
      },
    });
    this.id = id;
    this.worker = worker;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Hands the first `length` bytes of `batch` to the worker; they must not change until it acknowledges them. */
  update(batch: SharedBatch, length: number): void {
    if (this.error) throw this.error;
    this.pending += length;
    this.inflight.push(batch);
    this.worker.postMessage({ op: 'data', id: this.id, buf: batch.bytes.buffer, len: length });
  }

  /** Resolves once few enough bytes are in flight. */
  drained(): Promise<void> {
    if (this.pending <= MAX_PENDING || this.error) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  digest(): Promise<string> {
    this.worker.postMessage({ op: 'end', id: this.id });
    return this.result!.finally(() => getPool().release(this.id, this.worker, false));
  }

  /** Drops the session; a pending `digest()` rejects. */
  abandon(): void {
    if (!this.done) {
      getPool().release(this.id, this.worker, true);
      this.error ??= new Error('hashing abandoned');
      this.rejectDigest(this.error);
      this.wake();
    }
    this.done = true;
  }
}

/**
 * Digests of one byte stream in several algorithms at once, each computed by a pool worker:
 * chunks are copied once into shared batches that every digest reads in place. Callers wait for
 * `drained()` between chunks, so the bytes in flight stay bounded; `digest()` once the stream
 * ends, `abandon()` (always safe) when it does not.
 */
export class StreamDigests {
  private readonly hashes: RemoteHash[];
  private batch?: SharedBatch;
  private fill = 0;

  constructor(algos: readonly string[]) {
    this.hashes = algos.map((a) => new RemoteHash(a));
  }

  /** Copies `chunk` for hashing. Throws once a digest has failed. */
  update(chunk: Uint8Array): void {
    for (let off = 0; off < chunk.length; ) {
      const n = Math.min(chunk.length - off, BATCH - this.fill);
      this.batch ??= new SharedBatch(this.hashes.length);
      this.batch.bytes.set(chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === BATCH) this.send();
    }
  }

  /** Hands the filled part of the batch to every digest; the next bytes start a new batch. */
  private send(): void {
    if (!this.batch || !this.fill) return;
    const batch = this.batch;
    this.batch = undefined;
    const length = this.fill;
    this.fill = 0;
    for (const h of this.hashes) h.update(batch, length);
  }

  /** Resolves once few enough bytes are in flight (at once when a digest has failed: `update` throws then). */
  async drained(): Promise<void> {
    await Promise.all(this.hashes.map((h) => h.drained()));
  }

  /** The hex digests, in the order of the algorithms. */
  async digest(): Promise<string[]> {
    this.send();
    return Promise.all(this.hashes.map((h) => h.digest()));
  }

  abandon(): void {
    if (this.batch) {
      // never handed to a digest: back to the free list
      for (let i = 0; i < this.hashes.length; i++) this.batch.release();
      this.batch = undefined;
      this.fill = 0;
    }
    for (const h of this.hashes) h.abandon();
  }
}

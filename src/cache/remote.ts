/**
 * The image cache across API workers. One worker (slot 0, see src/cluster.ts) owns the cache
 * directory, its index and the prefetcher; every other worker reaches that cache through
 * calls relayed by the primary over the cluster's IPC channels:
 *
 *   worker k ──{glanceCache:'call'}──▶ primary ──▶ owner ──{glanceCache:'reply'}──▶ primary ──▶ worker k
 *
 * Management calls (list, queue, delete, clear, clean, prune) run on the owner's cache. A
 * download on another worker asks the owner for a verified copy (`lookup`) and reads that file
 * itself; on a miss it reads the store and queues the image, so the owner's prefetcher fills the
 * cache as a read-through would. While the owner is restarting, downloads use the store and the
 * management API answers 503.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DomainError } from '../domain/errors.js';
import { FileRangeStream } from '../stores/file-stream.js';
import type { ImageCache } from './image-cache.js';
import type { Prefetcher, PrefetchStatus } from './prefetcher.js';
import type { CacheBackend, PrefetchControl } from './service.js';
import type { ByteRange, CacheableImage, CachedImageInfo, CacheMetrics } from './types.js';

export interface CacheCall {
  glanceCache: 'call';
  id: number;
  /** The calling worker's cluster id (set by the primary). */
  from?: number;
  method: string;
  args: unknown[];
}

export interface CacheReply {
  glanceCache: 'reply';
  id: number;
  to: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export function isCacheMessage(m: unknown): m is CacheCall | CacheReply {
  const kind = typeof m === 'object' && m !== null ? (m as { glanceCache?: unknown }).glanceCache : undefined;
  return kind === 'call' || kind === 'reply';
}

/** How long a call waits for the owner before giving up (the owner may be restarting). */
const CALL_TIMEOUT_MS = 10_000;

/** Owner side: answers the calls the primary forwards from other workers. */
export function serveCacheCalls(cache: ImageCache, prefetcher: Prefetcher, proc: NodeJS.Process = process): () => void {
  const methods: Record<string, (...a: never[]) => unknown> = {
    lookup: (image: CacheableImage, whole: boolean) => cache.lookup(image, whole),
    list: () => cache.list(),
    queued: () => cache.queued(),
    metrics: () => cache.metrics(),
    isCached: (id: string) => cache.isCached(id),
    enqueue: async (id: string) => {
      const added = await cache.enqueue(id);
      prefetcher.kick();
      return added;
    },
    dequeue: (id: string) => cache.dequeue(id),
    evict: (id: string) => cache.evict(id),
    clearCache: () => cache.clearCache(),
    clearQueue: () => cache.clearQueue(),
    clean: () => cache.clean(),
    prune: () => cache.prune(),
    prefetchStatus: () => prefetcher.status(),
  };
  const onMessage = (m: unknown) => {
    if (!isCacheMessage(m) || m.glanceCache !== 'call' || m.from === undefined) return;
    const reply = (r: Omit<CacheReply, 'glanceCache' | 'id' | 'to'>) => proc.send?.({ glanceCache: 'reply', id: m.id, to: m.from!, ...r } satisfies CacheReply);
    const fn = methods[m.method];
    if (!fn) return reply({ ok: false, error: `unknown cache call ${m.method}` });
    Promise.resolve()
      .then(() => (fn as (...a: unknown[]) => unknown)(...m.args))
      .then(
        (value) => reply({ ok: true, value }),
        (e: Error) => reply({ ok: false, error: e.message }),
      );
  };
  proc.on('message', onMessage);
  return () => proc.off('message', onMessage);
}

/** Sends calls to the owner through the primary, and matches the replies. */
export class CacheClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly onMessage = (m: unknown) => {
    if (!isCacheMessage(m) || m.glanceCache !== 'reply') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error ?? 'cache call failed'));
  };

  constructor(private readonly proc: NodeJS.Process = process) {
    proc.on('message', this.onMessage);
  }

  call<T>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the worker owning the image cache did not answer'));
      }, CALL_TIMEOUT_MS);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const msg: CacheCall = { glanceCache: 'call', id, method, args };
      if (!this.proc.send?.(msg)) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new Error('no channel to the primary'));
      }
    });
  }

  close(): void {
    this.proc.off('message', this.onMessage);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('closing'));
    }
    this.pending.clear();
  }
}

/** The cache of another worker, as the CacheService of this one uses it. */
export class RemoteCache implements CacheBackend {
  constructor(
    private readonly client: CacheClient,
    private readonly maxSize: number,
  ) {}

  /** Management calls fail with 503 while the owner is unreachable. */
  private async managed<T>(method: string, ...args: unknown[]): Promise<T> {
    try {
      return await this.client.call<T>(method, ...args);
    } catch (e) {
      throw new DomainError('Unavailable', `The image cache is not available at the moment (${(e as Error).message}); try again.`);
    }
  }

  async serve(image: CacheableImage, range: ByteRange | undefined, openStore: (range?: ByteRange) => Promise<Readable>): Promise<{ stream: Readable; source: 'cache' | 'store' }> {
    const hit = await this.client.call<{ path: string; size: number } | null>('lookup', image, range === undefined).catch(() => null);
    if (hit) {
      const fh = await open(hit.path, 'r').catch(() => null);
      if (fh) {
        const st = await fh.stat().catch(() => null);
        if (st?.size === hit.size) return { stream: new FileRangeStream(fh, range?.start, range?.end), source: 'cache' };
        await fh.close().catch(() => undefined);
      }
    }
    const stream = await openStore(range);
    const cacheable = image.status === 'active' && image.size !== null && image.size > 0 && image.size <= this.maxSize && Boolean(image.checksum || image.os_hash_value);
    // a whole-image miss fills the cache through the owner's prefetcher
    if (!hit && range === undefined && cacheable) void this.client.call('enqueue', image.id).catch(() => undefined);
    return { stream, source: 'store' };
  }

  evict(id: string): Promise<unknown> {
    return this.managed('evict', id);
  }
  dequeue(id: string): Promise<unknown> {
    return this.managed('dequeue', id);
  }
  list(): Promise<CachedImageInfo[]> {
    return this.managed('list');
  }
  queued(): Promise<string[]> {
    return this.managed('queued');
  }
  metrics(): Promise<CacheMetrics> {
    return this.managed('metrics');
  }
  isCached(id: string): Promise<boolean> {
    return this.managed('isCached', id);
  }
  enqueue(id: string): Promise<boolean> {
    return this.managed('enqueue', id);
  }
  clearCache(): Promise<number> {
    return this.managed('clearCache');
  }
  clearQueue(): Promise<number> {
    return this.managed('clearQueue');
  }
  clean(): Promise<unknown> {
    return this.managed('clean');
  }
  prune(): Promise<{ files: number; bytes: number }> {
    return this.managed('prune');
  }
  async close(): Promise<void> {
    this.client.close();
  }
}

/** The owner's prefetcher: its status is read remotely; queueing there starts it. */
export class RemotePrefetcher implements PrefetchControl {
  constructor(private readonly client: CacheClient) {}
  status(): Promise<PrefetchStatus> {
    return this.client.call<PrefetchStatus>('prefetchStatus').catch(() => ({ active: [], completed: 0, failed: 0 }));
  }
  kick(): void {}
  stop(): void {}
  async idle(): Promise<void> {}
}

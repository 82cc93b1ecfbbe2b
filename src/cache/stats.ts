/** The cache's counters (GET /v2/cache `stats`), and their periodic log line. */
import { Transform, type Readable } from 'node:stream';
import type { Logger } from '../log.js';
import { FileRangeStream } from '../stores/file-stream.js';
import type { CacheLedger } from './ledger.js';
import type { CacheMetrics } from './types.js';

export class CacheStats {
  readonly counters = {
    hits: 0,
    misses: 0,
    bytes_from_cache: 0,
    bytes_from_store: 0,
    bytes_prefetched: 0,
    fills: 0,
    fill_failures: 0,
    verification_failures: 0,
    evictions: 0,
  };
  private timer?: NodeJS.Timeout;
  private last = '';

  constructor(
    private readonly ledger: CacheLedger,
    private readonly maxSize: number,
    private readonly log: Logger,
  ) {}

  metrics(): CacheMetrics {
    const c = this.counters;
    const lookups = c.hits + c.misses;
    return { ...c, hit_ratio: lookups ? Math.round((c.hits / lookups) * 1000) / 1000 : 0, cached_images: this.ledger.count, cached_bytes: this.ledger.cachedBytes, max_size: this.maxSize };
  }

  /** Logs the counters (hit ratio, bytes from cache vs store) if they changed since last time. */
  logStats(): void {
    const m = this.metrics();
    const key = JSON.stringify(m);
    if (key === this.last) return;
    this.last = key;
    this.log.info(m, 'image cache stats');
  }

  /** Logs every `every` ms (0 = never). */
  start(every: number): void {
    if (every <= 0) return;
    this.timer = setInterval(() => this.logStats(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.logStats();
  }

  /** `s`, counting its bytes as served from the store. */
  countStore(s: Readable): Readable {
    if (s instanceof FileRangeStream) {
      // counted as it is sent, so the download can still be pumped without a copy (respond.ts)
      s.onBytes = (n) => {
        this.counters.bytes_from_store += n;
      };
      return s;
    }
    const counter = new Transform({
      transform: (chunk: Buffer, _e, cb) => {
        this.counters.bytes_from_store += chunk.length;
        cb(null, chunk);
      },
    });
    s.on('error', (e) => counter.destroy(e));
    counter.on('close', () => {
      if (!s.destroyed) s.destroy();
    });
    return s.pipe(counter);
  }
}

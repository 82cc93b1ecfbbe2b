import type { DeliveryCounters } from './notifier.js';

/**
 * A bounded in-memory queue drained in the background by `deliver`, in order, in batches.
 * A batch stays at the head until `deliver` resolves (at-least-once: a batch that failed
 * half-way is sent again); failures are retried with exponential back-off. When the queue
 * is full, new items are dropped and counted: the caller is never blocked.
 */
export interface QueueOptions {
  /** Most items waiting. */
  max: number;
  /** Most items handed to one `deliver` call. */
  batch: number;
  /** Delay before the first retry; doubled after each failure up to `maxBackoffMs`. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Told of each drop (with the total so far), e.g. to log a warning. */
  onDrop?: (dropped: number) => void;
  /** Told of each failed attempt and the delay before the next one. */
  onRetry?: (err: unknown, delayMs: number) => void;
}

export class DeliveryQueue<T> {
  private items: T[] = [];
  private sent = 0;
  private dropped = 0;
  private failed = 0;
  private draining: Promise<void> | null = null;
  private stopped = false;
  /** Items at the head of `items` handed to `deliver` and not settled yet. */
  private inFlight = 0;
  private wake: (() => void) | null = null;

  constructor(
    private readonly deliver: (batch: T[]) => Promise<void>,
    private readonly o: QueueOptions,
  ) {}

  /** Queues an item; false (and counted as dropped) when the queue is full or closed. */
  push(item: T): boolean {
    if (this.stopped || this.items.length >= this.o.max) {
      this.dropped++;
      this.o.onDrop?.(this.dropped);
      return false;
    }
    this.items.push(item);
    this.draining ??= this.drain().finally(() => {
      this.draining = null;
      // An item pushed while the last delivery was settling is not left behind.
      if (this.items.length && !this.stopped) this.draining = this.drain().finally(() => (this.draining = null));
    });
    return true;
  }

  counters(): DeliveryCounters {
    return { queued: this.items.length, sent: this.sent, dropped: this.dropped, failed: this.failed };
  }

  /** Waits until the queue is empty (or `timeoutMs` passed), then stops; what is left is dropped. */
  async close(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    await Promise.race([this.flushed(), deadline]);
    clearTimeout(timer);
    this.stopped = true;
    this.wake?.();
    // A batch being delivered settles by itself (sent, or dropped if it fails now).
    this.dropped += this.items.length - this.inFlight;
    this.items.splice(this.inFlight);
  }

  /** Resolves once nothing is queued. */
  async flushed(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    let delay = this.o.initialBackoffMs;
    while (this.items.length && !this.stopped) {
      const batch = this.items.slice(0, this.o.batch);
      this.inFlight = batch.length;
      const failure = await this.deliver(batch).then(
        () => null,
        (err: unknown) => ({ err }),
      );
      this.inFlight = 0;
      if (!failure) {
        this.items.splice(0, batch.length);
        this.sent += batch.length;
        delay = this.o.initialBackoffMs;
        continue;
      }
      this.failed++;
      if (this.stopped) {
        // Closed meanwhile: the batch is not retried.
        this.items.splice(0, batch.length);
        this.dropped += batch.length;
        break;
      }
      this.o.onRetry?.(failure.err, delay);
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.o.maxBackoffMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

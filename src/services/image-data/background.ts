import type { Logger } from '../../log.js';

/** Work that outlives its request (imports): tracked so shutdown can wait for it. */
export class BackgroundWork {
  private readonly running = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(private readonly log: Logger) {}

  get closing(): boolean {
    return this.stopping;
  }

  run(what: string, fn: () => Promise<void>): void {
    const p = fn().catch((e) => this.log.error({ err: e }, `${what} failed`));
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** Stops accepting work and waits for what runs, at most `ms`. */
  async close(ms = 5000): Promise<void> {
    this.stopping = true;
    const deadline = new Promise((r) => setTimeout(r, ms).unref());
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
  }
}

/**
 * Runs tasks that share a key one after another, in arrival order (different keys run side by
 * side). The images repository uses it so that this process's own read-modify-writes of one
 * image take turns instead of racing each other into compare-and-set conflicts; the version
 * check still guards against every other writer (other processes, direct version-checked writes).
 */
const noop = () => undefined;

export class KeyQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(task);
    const tail = result.then(noop, noop);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}

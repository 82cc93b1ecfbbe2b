import type { Collection, Db, Document } from 'mongodb';

/**
 * A Db whose collections lose chosen compare-and-set races on purpose. Every conditional
 * update (a `findOneAndUpdate`/`updateOne` whose filter names `version`) is numbered from 1;
 * before the ones listed in `missAt` run, `rival` makes a real, competing write to the same
 * document (through the unwrapped collection), so the update misses exactly as if another
 * request had won. Retry logic is then proven on any store, atomic or not.
 */
export type Rival = (col: Collection<Document>, filter: Document, step: number) => Promise<void>;

export interface FlakyDb {
  db: Db;
  /** Conditional updates seen so far. */
  readonly steps: number;
  /** Steps whose update was made to miss. */
  readonly missed: number[];
  /** Which of the coming conditional updates miss (1 = the next one), and what the rival writes. */
  arm(missAt: Iterable<number>, rival?: Rival): void;
  reset(): void;
}

/** The default rival: bumps the version and leaves a mark of its own. */
export const bumpVersion: Rival = async (col, filter, step) => {
  await col.updateOne({ _id: filter._id }, { $inc: { version: 1 }, $set: { [`rival_${step}`]: true } });
};

const CAS_METHODS = new Set(['findOneAndUpdate', 'updateOne']);

export function flakyDb(real: Db): FlakyDb {
  let steps = 0;
  let missAt = new Set<number>();
  let rival: Rival = bumpVersion;
  const missed: number[] = [];
  const wrapCollection = (col: Collection<Document>): Collection<Document> =>
    new Proxy(col, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof prop !== 'string' || !CAS_METHODS.has(prop) || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
        return async (filter: Document, ...rest: unknown[]) => {
          if (filter && typeof filter === 'object' && 'version' in filter) {
            const step = ++steps;
            if (missAt.has(step)) {
              missed.push(step);
              await rival(target, filter, step);
            }
          }
          return (v as (...a: unknown[]) => unknown).call(target, filter, ...rest);
        };
      },
    });
  const db = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'collection') return (name: string, opts?: object) => wrapCollection(target.collection(name, opts));
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    db,
    get steps() {
      return steps;
    },
    missed,
    arm(at, r = bumpVersion) {
      missAt = new Set([...at].map((k) => steps + k));
      rival = r;
    },
    reset() {
      steps = 0;
      missAt = new Set();
      missed.length = 0;
      rival = bumpVersion;
    },
  };
}

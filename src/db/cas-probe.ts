import { randomBytes } from 'node:crypto';
import type { Db, Document } from 'mongodb';

/**
 * Start-up self-check of the embedded store: concurrent version-checked updates of one
 * document must have exactly one winner per version. Every compare-and-set of the service
 * (image writes, status transitions, import locks, metadef edits) relies on that; if the
 * store lets two writers through, the service refuses to start rather than lose updates.
 */

/** The few collection calls the probe makes (a real Collection, or a test double). */
export interface ProbeCollection {
  insertOne(doc: Document): Promise<unknown>;
  findOneAndUpdate(filter: Document, update: Document): Promise<Document | null>;
  deleteOne(filter: Document): Promise<unknown>;
}

export interface ProbeResult {
  rounds: number;
  writers: number;
  /** Rounds in which more than one writer's update of the same version succeeded. */
  doubleWins: number;
  /** Rounds in which no writer's update succeeded. */
  noWins: number;
  ms: number;
}

/** Runs the probe on a document of its own in `col` (removed afterwards). */
export async function probeCompareAndSet(col: ProbeCollection, opts: { rounds?: number; writers?: number } = {}): Promise<ProbeResult> {
  const rounds = opts.rounds ?? 16;
  const writers = opts.writers ?? 12;
  const id = `probe-${randomBytes(8).toString('hex')}`;
  const started = performance.now();
  await col.insertOne({ _id: id, version: 0, winner: -1 });
  try {
    return await probeRounds(col, id, rounds, writers, started);
  } finally {
    await col.deleteOne({ _id: id }).catch(() => undefined);
  }
}

async function probeRounds(col: ProbeCollection, id: string, rounds: number, writers: number, started: number): Promise<ProbeResult> {
  let doubleWins = 0;
  let noWins = 0;
  for (let r = 0; r < rounds; r++) {
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) => col.findOneAndUpdate({ _id: id, version: r }, { $set: { version: r + 1, winner: w } })),
    );
    const winners = results.filter((x) => x !== null).length;
    if (winners > 1) doubleWins++;
    if (winners === 0) noWins++;
    if (winners === 0) break; // the document is not at version r + 1: later rounds cannot run
  }
  return { rounds, writers, doubleWins, noWins, ms: Math.round(performance.now() - started) };
}

export class StoreSelfCheckError extends Error {}

/** Runs the probe in the `_selfcheck` collection (its document is removed afterwards); throws when it fails. */
export async function assertCompareAndSet(db: Db, opts: { rounds?: number; writers?: number } = {}): Promise<ProbeResult> {
  const col = db.collection('_selfcheck');
  const result = await probeCompareAndSet(
    { insertOne: (d) => col.insertOne(d), findOneAndUpdate: (f, u) => col.findOneAndUpdate(f, u), deleteOne: (f) => col.deleteOne(f) },
    opts,
  );
  checkProbe(result);
  return result;
}

export function checkProbe(r: ProbeResult): void {
  if (r.doubleWins > 0 || r.noWins > 0) {
    throw new StoreSelfCheckError(
      `store self-check failed: the MongoDB store is not atomic for concurrent compare-and-set ` +
        `(${r.writers} concurrent version-checked updates of one document: ${r.doubleWins} of ${r.rounds} rounds had more than one winner, ${r.noWins} had none); ` +
        `concurrent updates would be lost, so the service will not start. Use a real MongoDB (MONGODB_URI) or leave MONGODB_SERIALIZE at auto/on.`,
    );
  }
}

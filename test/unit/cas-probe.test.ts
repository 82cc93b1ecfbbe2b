import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Document } from 'mongodb';
import { checkProbe, probeCompareAndSet, StoreSelfCheckError, type ProbeCollection } from '../../src/db/cas-probe.js';
import { connectMongo } from '../../src/db/mongo.js';
import { createLogger } from '../../src/log.js';

/** An in-memory document store; `atomic: false` checks the filter, yields, then writes (as a store without per-document atomicity). */
function fakeStore(atomic: boolean): ProbeCollection {
  let doc: Document | null = null;
  return {
    async insertOne(d) {
      doc = { ...d };
    },
    async findOneAndUpdate(f, u) {
      const seen = doc;
      if (!seen || seen._id !== f._id || seen.version !== f.version) return null;
      if (!atomic) await new Promise((r) => setImmediate(r));
      doc = { ...seen, ...u.$set };
      return seen;
    },
    async deleteOne() {
      doc = null;
    },
  };
}

test('an atomic store passes: one winner per round', async () => {
  const r = await probeCompareAndSet(fakeStore(true), { rounds: 10, writers: 12 });
  assert.deepEqual({ doubleWins: r.doubleWins, noWins: r.noWins, rounds: r.rounds, writers: r.writers }, { doubleWins: 0, noWins: 0, rounds: 10, writers: 12 });
  checkProbe(r);
});

test('a store that lets two writers win is refused, with a message naming the problem', async () => {
  const r = await probeCompareAndSet(fakeStore(false), { rounds: 10, writers: 12 });
  assert.equal(r.doubleWins, 10);
  assert.throws(() => checkProbe(r), (e: unknown) => e instanceof StoreSelfCheckError && /not atomic for concurrent compare-and-set/.test(e.message) && /10 of 10 rounds had more than one winner/.test(e.message));
});

test('a store where nobody wins is refused too', () => {
  assert.throws(() => checkProbe({ rounds: 16, writers: 12, doubleWins: 0, noWins: 1, ms: 1 }), StoreSelfCheckError);
});

test('connectMongo: the embedded store is recognised and serialised, the probe cleans up; off keeps a pool', async () => {
  const log = createLogger('silent');
  const dbName = `t_probe_${randomUUID().slice(0, 8)}`;
  const m = await connectMongo(process.env.TEST_MONGODB_URI!, dbName, log);
  try {
    assert.equal(m.serialized, true, 'auto: jongodb is detected');
    assert.equal(m.client.options.maxPoolSize, 1);
    assert.equal(await m.db.collection('_selfcheck').countDocuments(), 0, 'the probe removes its document');
    assert.equal(await m.ping(), true);
    assert.equal(m.client.options.writeConcern?.w, 'majority');
  } finally {
    await m.db.dropDatabase().catch(() => undefined);
    await m.close();
  }
  const pooled = await connectMongo(process.env.TEST_MONGODB_URI!, dbName, log, { serialize: 'off' });
  try {
    assert.equal(pooled.serialized, false);
    assert.equal(pooled.client.options.maxPoolSize, 50);
  } finally {
    await pooled.close();
  }
});

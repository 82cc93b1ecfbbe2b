import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { FrameReader, relayUri, parseHostPort, startStoreRelay } from '../../src/db/relay.js';
import { probeCompareAndSet } from '../../src/db/cas-probe.js';
import { createLogger } from '../../src/log.js';

test('frames are split at their length prefixes however the bytes arrive', () => {
  const frame = (n: number, fill: number) => {
    const b = Buffer.alloc(n, fill);
    b.writeInt32LE(n, 0);
    return b;
  };
  const stream = Buffer.concat([frame(16, 1), frame(100, 2), frame(37, 3)]);
  for (const step of [1, 3, 7, 16, 64, stream.length]) {
    const got: Buffer[] = [];
    const r = new FrameReader((f) => got.push(Buffer.from(f)));
    for (let i = 0; i < stream.length; i += step) r.push(stream.subarray(i, i + step));
    assert.deepEqual(got.map((f) => [f.length, f[f.length - 1]]), [[16, 1], [100, 2], [37, 3]], `step ${step}`);
  }
  assert.throws(() => new FrameReader(() => undefined).push(Buffer.from([3, 0, 0, 0])), /frame length/);
});

test('relay URIs keep credentials, database and options, and point at the relay', () => {
  assert.equal(relayUri('mongodb://127.0.0.1:38293/test', 5000), 'mongodb://127.0.0.1:5000/test?directConnection=true');
  assert.equal(relayUri('mongodb://u:p@db:27017/glance?authSource=admin&replicaSet=rs0', 5000), 'mongodb://u:p@127.0.0.1:5000/glance?directConnection=true&authSource=admin');
  assert.deepEqual(parseHostPort('mongodb://u:p@db:1234/x'), { host: 'db', port: 1234 });
  assert.deepEqual(parseHostPort('mongodb://db/x'), { host: 'db', port: 27017 });
});

test('through the relay, version-checked updates from several clients and connections have one winner', async () => {
  const uri = process.env.TEST_MONGODB_URI!;
  const relay = await startStoreRelay(uri, createLogger('silent'));
  const db = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  // two "workers", each with a pool of several connections
  const clients = [new MongoClient(relay.uri, { maxPoolSize: 4 }), new MongoClient(relay.uri, { maxPoolSize: 4 })];
  try {
    const cols: Collection<Document>[] = clients.map((c) => c.db(db).collection('probe'));
    let turn = 0;
    const result = await probeCompareAndSet(
      {
        insertOne: (d) => cols[0].insertOne(d),
        findOneAndUpdate: (f, u) => cols[turn++ % cols.length].findOneAndUpdate(f, u),
        deleteOne: (f) => cols[0].deleteOne(f),
      },
      { rounds: 16, writers: 12 },
    );
    assert.equal(result.doubleWins, 0);
    assert.equal(result.noWins, 0);
    await clients[0].db(db).dropDatabase().catch(() => undefined);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await relay.close();
  }
});

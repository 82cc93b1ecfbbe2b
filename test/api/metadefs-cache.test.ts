import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MongoClient, type Db } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { MetadefRepository, newId, now } from '../../src/repositories/metadefs.js';

/**
 * The per-process metadef cache: two repositories on one database stand for two service
 * processes. A process reads its own writes at once; another one within its check interval;
 * the version stamp and change listeners follow every write.
 */
let client: MongoClient;
let db: Db;

before(async () => {
  client = await MongoClient.connect(process.env.TEST_MONGODB_URI!);
  db = client.db(`t_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
});
after(async () => {
  await db.dropDatabase().catch(() => undefined);
  await client.close();
});

const nsDoc = (name: string) => {
  const t = now();
  return { _id: newId(), namespace: name, display_name: null, description: null, visibility: 'public' as const, protected: false, owner: 'p', created_at: t, updated_at: t, version: 1 };
};

test('reads come from memory between checks; own writes are seen at once, other processes\' after the interval', async () => {
  const a = new MetadefRepository(db, 60_000);
  const b = new MetadefRepository(db, 60_000);
  await a.init();
  const changes: number[] = [];
  b.onMetadefChange((v) => changes.push(v));
  const first = await b.snapshot();
  assert.equal(await b.snapshot(), first, 'served from memory, no reload');
  const v0 = await a.metadefVersion();

  await a.write(() => a.namespaces.insertOne(nsDoc('Cache::One')));
  assert.ok((await a.snapshot()).namespaces.has('Cache::One'), 'the writer reads its own write at once');
  assert.equal(await a.metadefVersion(), v0 + 1);
  assert.ok(!(await b.snapshot()).namespaces.has('Cache::One'), 'another process serves its copy until its next check');

  const c = new MetadefRepository(db, 0);
  const cChanges: number[] = [];
  c.onMetadefChange((v) => cChanges.push(v));
  assert.ok((await c.snapshot()).namespaces.has('Cache::One'), 'a process checking every time sees it');
  await a.write(() => a.namespaces.insertOne(nsDoc('Cache::Two')));
  const snap = await c.snapshot();
  assert.ok(snap.namespaces.has('Cache::Two'));
  assert.deepEqual(cChanges, [v0 + 1, v0 + 2]);
  assert.deepEqual(changes, [v0], 'b installed one version and was not asked to check since');
});

test('a write that fails half-way still moves the stamp (readers never keep a copy that may be stale)', async () => {
  const a = new MetadefRepository(db, 60_000);
  const before = await a.metadefVersion();
  await assert.rejects(a.write(async () => {
    await a.namespaces.insertOne(nsDoc('Cache::Half'));
    throw new Error('boom');
  }));
  const snap = await a.snapshot();
  assert.equal(snap.version, before + 1);
  assert.ok(snap.namespaces.has('Cache::Half'));
});

test('two processes loading the corpus at once create each namespace once', async () => {
  const { MetadefService } = await import('../../src/services/metadefs/index.js');
  const { createNotifier, noopSink } = await import('../../src/notifier/notifier.js');
  const { createAuthorizer } = await import('../../src/authz/index.js');
  const { PROJECT_ROOT } = await import('../../src/openapi.js');
  const { join } = await import('node:path');
  const shared = client.db(`t_${randomUUID().replace(/-/g, '').slice(0, 16)}`);
  const make = () => new MetadefService({ db: shared, authz: createAuthorizer(), notifier: createNotifier(noopSink()), config: { LIMIT_PARAM_DEFAULT: 25, API_LIMIT_MAX: 1000 } });
  const [a, b] = [make(), make()];
  await a.init();
  const dir = join(PROJECT_ROOT, 'etc', 'metadefs');
  const [ra, rb] = await Promise.all([a.loadCorpus(dir), b.loadCorpus(dir)]);
  assert.equal(ra.created + rb.created, 33);
  assert.equal(ra.skipped + rb.skipped, 33);
  assert.equal(await shared.collection('metadef_namespaces').countDocuments(), 33);
  const snap = await b.snapshot();
  assert.equal(snap.namespaces.size, 33);
  assert.equal(await shared.collection('metadef_properties').countDocuments(), [...snap.namespaces.values()].reduce((n, e) => n + e.properties.length, 0));
  await shared.dropDatabase().catch(() => undefined);
});

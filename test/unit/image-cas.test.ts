import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connectMongo, type Mongo } from '../../src/db/mongo.js';
import { createLogger } from '../../src/log.js';
import { ImagesRepository } from '../../src/repositories/images.js';
import { DomainError, VersionConflictError } from '../../src/domain/errors.js';
import { flakyDb, type FlakyDb, type Rival } from '../helpers/flaky-db.js';
import { imageRecord } from '../helpers/images.js';

/**
 * The images repository's compare-and-set paths with a lost race injected at every step
 * (test/helpers/flaky-db.ts): the retry must re-read and keep the rival's write, give up
 * with a typed 409 after its attempts, and a status transition must not let two writers win.
 */
let mongo: Mongo;
let flaky: FlakyDb;
let repo: ImagesRepository;

before(async () => {
  mongo = await connectMongo(process.env.TEST_MONGODB_URI!, `t_cas_${randomUUID().slice(0, 8)}`, createLogger('silent'));
  flaky = flakyDb(mongo.db);
  repo = new ImagesRepository(flaky.db);
});
after(async () => {
  await mongo.db.dropDatabase().catch(() => undefined);
  await mongo.close();
});

const seed = async (o: Parameters<typeof imageRecord>[0] = {}) => {
  const img = imageRecord(o);
  await repo.insert(img);
  return img._id;
};

/** A rival that adds a custom property of its own, as a concurrent PATCH would. */
const rivalProperty: Rival = async (col, filter, step) => {
  await col.updateOne({ _id: filter._id }, { $inc: { version: 1 }, $set: { [`properties.rival_${step}`]: `r${step}` } });
};

test('mutate: 0 to 7 lost races in a row (a conflict at every retryable step); every write survives', async () => {
  for (let misses = 0; misses < 8; misses++) {
    const id = await seed();
    flaky.reset();
    flaky.arm(Array.from({ length: misses }, (_, i) => i + 1), rivalProperty);
    let calls = 0;
    const out = await repo.mutate(id, (cur) => {
      calls++;
      return { properties: { ...cur.properties, mine: 'm' } };
    });
    assert.equal(calls, misses + 1, `change re-run after each of ${misses} lost races`);
    assert.equal(flaky.steps, misses + 1);
    assert.deepEqual(flaky.missed, Array.from({ length: misses }, (_, i) => i + 1));
    const stored = (await repo.get(id))!;
    assert.equal(stored.properties.mine, 'm');
    for (const step of flaky.missed) assert.equal(stored.properties[`rival_${step}`], `r${step}`, `rival write of step ${step} kept`);
    assert.equal(stored.version, misses + 1, 'each rival and the final write bumped the version once');
    assert.equal(out.version, stored.version);
  }
});

test('mutate: losing every attempt ends in a VersionConflictError (409), and nothing of the caller is written', async () => {
  const id = await seed();
  flaky.reset();
  flaky.arm([1, 2, 3, 4, 5, 6, 7, 8], rivalProperty);
  const err = await repo.mutate(id, (cur) => ({ properties: { ...cur.properties, mine: 'm' } })).then(
    () => assert.fail('expected a conflict'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof VersionConflictError, String(err));
  assert.equal((err as DomainError).kind, 'Conflict');
  assert.equal(flaky.steps, 8);
  const stored = (await repo.get(id))!;
  assert.equal(stored.properties.mine, undefined);
  assert.equal(Object.keys(stored.properties).length, 8);
});

test('mutate: other errors are not retried', async () => {
  const id = await seed();
  flaky.reset();
  let calls = 0;
  await assert.rejects(
    repo.mutate(id, () => {
      calls++;
      throw new DomainError('Invalid', 'bad');
    }),
    /bad/,
  );
  assert.equal(calls, 1);
  assert.equal(flaky.steps, 0);
});

test('updateImage: a stale version throws VersionConflictError and writes nothing', async () => {
  const id = await seed({ name: 'before' });
  await assert.rejects(repo.updateImage(id, 5, { name: 'late' }), VersionConflictError);
  assert.equal((await repo.get(id))!.name, 'before');
});

test('transition queued → saving: the rival wins the race, the loser gets a Conflict, not a second win', async () => {
  for (const step of [1, 2, 3]) {
    const id = await seed({ disk_format: 'raw', container_format: 'bare' });
    flaky.reset();
    // the first `step - 1` rivals only touch a property; the last one is a concurrent upload taking the image
    flaky.arm(Array.from({ length: step }, (_, i) => i + 1), async (col, filter, k) => {
      const set = k === step ? { status: 'saving', uploader: 'rival' } : { [`properties.rival_${k}`]: 'x' };
      await col.updateOne({ _id: filter._id }, { $inc: { version: 1 }, $set: set });
    });
    await assert.rejects(repo.transition(id, 'saving', { from: ['queued'] }), (e: unknown) => e instanceof DomainError && e.kind === 'Conflict' && /expected queued/.test(e.message));
    const stored = (await repo.get(id))!;
    assert.equal(stored.status, 'saving');
    assert.equal((stored as unknown as { uploader: string }).uploader, 'rival');
    assert.equal(flaky.steps, step, 'no conditional write after the rival took the image');
  }
});

test('transition: a rival that only edits a property does not stop it, and its edit is kept', async () => {
  const id = await seed({ disk_format: 'raw', container_format: 'bare' });
  flaky.reset();
  flaky.arm([1, 2], rivalProperty);
  const saving = await repo.transition(id, 'saving', { from: ['queued'] });
  assert.equal(saving.status, 'saving');
  assert.equal(saving.properties.rival_1, 'r1');
  assert.equal(saving.properties.rival_2, 'r2');
  assert.equal(flaky.steps, 3);
});

test('a deleted image stops the retry loop with NotFound', async () => {
  const id = await seed();
  flaky.reset();
  flaky.arm([1], async (col, filter) => {
    await col.updateOne({ _id: filter._id }, { $inc: { version: 1 }, $set: { deleted: true, status: 'deleted' } });
  });
  await assert.rejects(repo.mutate(id, () => ({ name: 'x' })), (e: unknown) => e instanceof DomainError && e.kind === 'NotFound');
});

test('concurrent mutations of one image in one process take turns: 16 writers, 16 conditional updates, none lost', async () => {
  const id = await seed();
  flaky.reset();
  const outs = await Promise.all(Array.from({ length: 16 }, (_, w) => repo.mutate(id, (cur) => ({ properties: { ...cur.properties, [`w${w}`]: String(w) } }))));
  assert.equal(flaky.steps, 16, 'no writer had to retry');
  assert.deepEqual(outs.map((o) => o.version), Array.from({ length: 16 }, (_, i) => i + 1), 'in arrival order');
  const stored = (await repo.get(id))!;
  assert.equal(Object.keys(stored.properties).length, 16);
});

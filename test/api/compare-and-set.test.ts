import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { flakyDb, type FlakyDb, type Rival } from '../helpers/flaky-db.js';
import { createImage, download, upload } from '../helpers/image-data.js';

/**
 * Every compare-and-set path behind the API, with a lost race injected at each of its
 * conditional updates in turn (test/helpers/flaky-db.ts puts a real rival write just before
 * it). The request must still succeed and the rival's write must still be there — or, where
 * the rival legitimately wins (a concurrent upload), the request must get 409 and change
 * nothing. This proves the retry logic independently of the store's own atomicity.
 */
let s: TestServer;
let flaky: FlakyDb;
let admin: string, om: string;
const PATCH21 = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
const NS = '/v2/metadefs/namespaces/Cas::Test';

before(async () => {
  s = await startServer({}, { wrapDb: (db) => (flaky = flakyDb(db)).db });
  admin = await s.token({ project: 'adm', roles: ['admin'] });
  om = await s.token({ project: 'p1', roles: ['member'] });
  const r = await call(s.url, 'POST', '/v2/metadefs/namespaces', {
    token: admin,
    body: { namespace: 'Cas::Test', visibility: 'public', objects: [{ name: 'o' }], properties: { p: { title: 'P', type: 'string' } }, tags: [{ name: 't' }] },
  });
  assert.equal(r.status, 201, r.text);
});
after(() => s.close());

/** Rival image write: a concurrent PATCH adding a property of its own. */
const imageRival: Rival = async (col, filter, step) => {
  await col.updateOne({ _id: filter._id }, { $inc: { version: 1 }, $set: { [`properties.rival_${step}`]: `r${step}` } });
};

/** Conditional updates a request makes when nothing interferes. */
async function stepsOf(run: () => Promise<unknown>): Promise<number> {
  flaky.reset();
  await run();
  return flaky.steps;
}

interface ImageOp {
  name: string;
  /** Sends the request against a fresh image; returns its status. */
  send(id: string): Promise<number>;
  /** Asserts the request's own effect on the image read back. */
  check(img: Record<string, any>): void;
}

const imageOps: ImageOp[] = [
  {
    name: 'PATCH add property',
    send: async (id) => (await call(s.url, 'PATCH', `/v2/images/${id}`, { token: om, headers: PATCH21, body: [{ op: 'add', path: '/mine', value: 'm' }] })).status,
    check: (img) => assert.equal(img.mine, 'm'),
  },
  {
    name: 'PUT tag',
    send: async (id) => (await call(s.url, 'PUT', `/v2/images/${id}/tags/mine`, { token: om })).status,
    check: (img) => assert.deepEqual(img.tags, ['mine']),
  },
  {
    name: 'POST member',
    send: async (id) => (await call(s.url, 'POST', `/v2/images/${id}/members`, { token: om, body: { member: 'p9' } })).status,
    check: async () => undefined,
  },
  {
    name: 'PUT file (upload)',
    send: async (id) => (await upload(s, om, id, Buffer.from('bytes of the upload'))).status,
    check: (img) => {
      assert.equal(img.status, 'active');
      assert.equal(img.checksum, createHash('md5').update('bytes of the upload').digest('hex'));
    },
  },
];

for (const op of imageOps) {
  test(`${op.name}: a lost race at each conditional update is retried and keeps the rival's write`, async () => {
    const clean = await stepsOf(async () => assert.ok([200, 204].includes(await op.send((await createImage(s, om, { visibility: 'shared' })).id))));
    assert.ok(clean >= 1, `${op.name} makes a conditional update`);
    for (let k = 1; k <= clean; k++) {
      const img = await createImage(s, om, { visibility: 'shared' });
      flaky.reset();
      flaky.arm([k], imageRival);
      const status = await op.send(img.id);
      assert.ok([200, 204].includes(status), `${op.name}, miss at step ${k}: ${status}`);
      assert.deepEqual(flaky.missed, [k]);
      const shown = (await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om })).body;
      op.check(shown);
      assert.equal(shown[`rival_${k}`], `r${k}`, `${op.name}: the rival's property survives step ${k}`);
    }
  });
}

test('PATCH: eight lost races in a row answer 409 and write nothing of the request', async () => {
  const img = await createImage(s, om);
  flaky.reset();
  flaky.arm([1, 2, 3, 4, 5, 6, 7, 8], imageRival);
  const r = await call(s.url, 'PATCH', `/v2/images/${img.id}`, { token: om, headers: PATCH21, body: [{ op: 'add', path: '/mine', value: 'm' }] });
  assert.equal(r.status, 409, r.text);
  const shown = (await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om })).body;
  assert.equal(shown.mine, undefined);
  assert.equal(shown.rival_8, 'r8');
});

test('members: a lost race keeps both the rival member and the new one', async () => {
  const img = await createImage(s, om, { visibility: 'shared' });
  flaky.reset();
  flaky.arm([1], async (col, filter) => {
    const now = new Date();
    const doc = await col.findOne({ _id: filter._id });
    const members = [...(doc!.members ?? []), { member_id: 'rival', status: 'pending', created_at: now, updated_at: now }];
    await col.updateOne({ _id: filter._id }, { $inc: { version: 1 }, $set: { members, member_projects: members.map((m) => m.member_id), member_keys: members.map((m) => `${m.member_id}:${m.status}`) } });
  });
  assert.equal((await call(s.url, 'POST', `/v2/images/${img.id}/members`, { token: om, body: { member: 'p9' } })).status, 200);
  const list = await call(s.url, 'GET', `/v2/images/${img.id}/members`, { token: om });
  assert.deepEqual(list.body.members.map((m: any) => m.member_id).sort(), ['p9', 'rival']);
});

test('upload: when a concurrent upload takes the image first (queued → saving), this one gets 409 and leaves its bytes alone', async () => {
  const img = await createImage(s, om);
  flaky.reset();
  flaky.arm([1], async (col, filter) => {
    await col.updateOne({ _id: filter._id }, { $inc: { version: 1 }, $set: { status: 'saving' } });
  });
  const r = await upload(s, om, img.id, Buffer.from('loser'));
  assert.equal(r.status, 409, r.text);
  assert.equal(flaky.steps, 1, 'no conditional write after losing the race');
  const shown = (await call(s.url, 'GET', `/v2/images/${img.id}`, { token: om })).body;
  assert.equal(shown.status, 'saving');
  assert.equal(shown.checksum, null);
  assert.equal(shown.size, null);
  assert.equal((await download(s, om, img.id)).status === 200, false, 'no data to download');
});

const metadefOps = [
  { name: 'namespace PUT', path: NS, body: { namespace: 'Cas::Test', visibility: 'public', display_name: 'mine' }, field: 'display_name', value: 'mine' },
  { name: 'object PUT', path: `${NS}/objects/o`, body: { name: 'o', description: 'mine' }, field: 'description', value: 'mine' },
  { name: 'property PUT', path: `${NS}/properties/p`, body: { name: 'p', title: 'mine', type: 'string' }, field: 'title', value: 'mine' },
  { name: 'tag PUT', path: `${NS}/tags/t`, body: { name: 't' }, field: 'name', value: 't' },
];

for (const op of metadefOps) {
  test(`metadef ${op.name}: lost races are retried up to four attempts, then 409`, async () => {
    const clean = await stepsOf(async () => assert.equal((await call(s.url, 'PUT', op.path, { token: admin, body: op.body })).status, 200));
    assert.equal(clean, 1);
    for (let misses = 1; misses <= 3; misses++) {
      flaky.reset();
      flaky.arm(Array.from({ length: misses }, (_, i) => i + 1));
      const r = await call(s.url, 'PUT', op.path, { token: admin, body: op.body });
      assert.equal(r.status, 200, `${misses} misses: ${r.text}`);
      assert.equal(r.body[op.field], op.value);
      assert.equal(flaky.steps, misses + 1);
    }
    flaky.reset();
    flaky.arm([1, 2, 3, 4]);
    assert.equal((await call(s.url, 'PUT', op.path, { token: admin, body: op.body })).status, 409);
    flaky.reset();
    const shown = await call(s.url, 'GET', op.path, { token: admin });
    assert.equal(shown.body[op.field], op.value);
  });
}

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sample as loadSample } from '../helpers/samples.js';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { imageRecord, member } from '../helpers/images.js';
import type { ImageRecord } from '../../src/repositories/images.js';

let s: TestServer;
let adm: string, om: string, or: string, sa: string, sp: string, q: string;
const T0 = Date.UTC(2024, 0, 1);
const at = (i: number) => new Date(T0 + i * 1000);
const seed: ImageRecord[] = [];
const byName = new Map<string, ImageRecord>();

before(async () => {
  s = await startServer();
  adm = await s.token({ project: 'adm', roles: ['admin'] });
  om = await s.token({ project: 'p1', roles: ['member'] });
  or = await s.token({ project: 'p1', roles: ['reader'] });
  sa = await s.token({ project: 'p2', roles: ['member'] });
  sp = await s.token({ project: 'p3', roles: ['member'] });
  q = await s.token({ project: 'p4', roles: ['member'] });
  const rows: Partial<ImageRecord>[] = [
    { name: 'pub', visibility: 'public', status: 'active', size: 100, disk_format: 'raw', container_format: 'bare', tags: ['a', 'b'], properties: { os_distro: 'ubuntu' } as never },
    { name: 'priv', visibility: 'private', size: 200, disk_format: 'qcow2', container_format: 'bare', tags: ['a'], protected: true },
    { name: 'shared', visibility: 'shared', members: [member('p2', 'accepted'), member('p3', 'pending')], size: 300, tags: ['b'] },
    { name: 'comm', visibility: 'community', status: 'active', properties: { os_distro: 'fedora' } as never },
    { name: 'other-priv', owner: 'p2', visibility: 'private' },
    { name: 'other-comm', owner: 'p2', visibility: 'community' },
    { name: 'hidden', visibility: 'public', os_hidden: true },
    { name: 'killed', visibility: 'public', status: 'killed' },
    { name: 'gone', visibility: 'public', status: 'deleted', deleted: true },
    { name: 'pending-del', visibility: 'public', status: 'pending_delete' },
    { name: 'a, b', owner: 'p2', visibility: 'shared', members: [member('p1', 'rejected')] },
    { name: 'deact', visibility: 'private', status: 'deactivated', min_ram: 512 },
  ];
  rows.forEach((r, i) => {
    const img = imageRecord({ ...r, created_at: at(i), updated_at: at(100 + i) });
    seed.push(img);
    byName.set(img.name!, img);
  });
  await s.app.services.images.repo.insertMany(seed);
});
after(() => s.close());

async function names(token: string, query = '') {
  const r = await call(s.url, 'GET', `/v2/images${query}`, { token });
  assert.equal(r.status, 200, `${query}: ${r.text}`);
  return r.body.images.map((i: any) => i.name).sort();
}
const sorted = (...n: string[]) => [...n].sort();

test('default list per persona (authz §4.2)', async () => {
  assert.deepEqual(await names(om), sorted('pub', 'priv', 'shared', 'comm', 'deact'));
  assert.deepEqual(await names(or), sorted('pub', 'priv', 'shared', 'comm', 'deact'));
  assert.deepEqual(await names(sa), sorted('pub', 'shared', 'other-priv', 'other-comm', 'a, b'));
  assert.deepEqual(await names(sp), sorted('pub'));
  assert.deepEqual(await names(q), sorted('pub'));
  assert.deepEqual(await names(adm), sorted('pub', 'priv', 'shared', 'other-priv', 'a, b', 'deact'));
  const anon = await call(s.url, 'GET', '/v2/images');
  assert.equal(anon.status, 401);
});

test('member_status and visibility parameters', async () => {
  assert.deepEqual(await names(sp, '?member_status=pending'), sorted('pub', 'shared'));
  assert.deepEqual(await names(sa, '?member_status=pending'), sorted('pub', 'other-priv', 'other-comm', 'a, b'));
  assert.deepEqual(await names(om, '?member_status=rejected'), sorted('pub', 'priv', 'shared', 'comm', 'deact', 'a, b'));
  assert.deepEqual(await names(om, '?member_status=all'), sorted('pub', 'priv', 'shared', 'comm', 'deact', 'a, b'));
  assert.deepEqual(await names(om, '?visibility=shared'), sorted('shared'));
  assert.deepEqual(await names(sa, '?visibility=shared'), sorted('shared', 'a, b'));
  assert.deepEqual(await names(sp, '?visibility=shared'), []);
  assert.deepEqual(await names(sp, '?visibility=shared&member_status=pending'), sorted('shared'));
  assert.deepEqual(await names(q, '?visibility=community'), sorted('comm', 'other-comm'));
  assert.deepEqual(await names(q, '?visibility=public'), sorted('pub'));
  assert.deepEqual(await names(om, '?visibility=private'), sorted('priv', 'deact'));
  assert.deepEqual(await names(q, '?visibility=private'), []);
  assert.deepEqual(await names(om, '?visibility=all'), sorted('pub', 'priv', 'shared', 'comm', 'deact', 'other-comm'));
  assert.deepEqual(await names(adm, '?visibility=all'), sorted('pub', 'priv', 'shared', 'comm', 'other-priv', 'other-comm', 'a, b', 'deact'));
  assert.deepEqual(await names(adm, '?visibility=shared&member_status=pending'), sorted('shared', 'a, b'));
  assert.deepEqual(await names(adm, '?visibility=private'), sorted('priv', 'other-priv', 'deact'));
  for (const bad of ['?visibility=everyone', '?member_status=maybe']) {
    assert.equal((await call(s.url, 'GET', `/v2/images${bad}`, { token: om })).status, 400, bad);
  }
});

test('filters: name, id, status, formats, sizes, protected, os_hidden, tags, owner, custom properties', async () => {
  const id = (n: string) => byName.get(n)!._id;
  assert.deepEqual(await names(om, '?name=pub'), ['pub']);
  assert.deepEqual(await names(om, '?name=eq:pub'), ['pub']);
  assert.deepEqual(await names(adm, `?name=${encodeURIComponent('in:pub,"a, b",priv')}`), sorted('pub', 'a, b', 'priv'));
  assert.deepEqual(await names(om, `?id=in:${id('pub')},${id('priv')}`), sorted('pub', 'priv'));
  assert.deepEqual(await names(om, `?id=${id('shared')}`), ['shared']);
  assert.deepEqual(await names(om, '?status=active'), sorted('pub', 'comm'));
  assert.deepEqual(await names(om, '?status=in:active,deactivated'), sorted('pub', 'comm', 'deact'));
  assert.deepEqual(await names(om, '?status=killed'), []);
  assert.deepEqual(await names(om, '?disk_format=qcow2'), ['priv']);
  assert.deepEqual(await names(om, '?container_format=bare'), sorted('pub', 'priv'));
  assert.deepEqual(await names(om, '?size_min=150'), sorted('priv', 'shared'));
  assert.deepEqual(await names(om, '?size_min=150&size_max=200'), ['priv']);
  assert.deepEqual(await names(om, '?size_max=100'), ['pub']);
  assert.deepEqual(await names(om, '?min_ram=512'), ['deact']);
  assert.deepEqual(await names(om, '?protected=true'), ['priv']);
  assert.deepEqual(await names(om, '?protected=false'), sorted('pub', 'shared', 'comm', 'deact'));
  assert.deepEqual(await names(om, '?os_hidden=TRUE'), ['hidden']);
  assert.deepEqual(await names(om, '?os_hidden=false'), sorted('pub', 'priv', 'shared', 'comm', 'deact'));
  assert.deepEqual(await names(om, '?tag=a'), sorted('pub', 'priv'));
  assert.deepEqual(await names(om, '?tag=a&tag=b'), ['pub']);
  assert.deepEqual(await names(om, '?tag=zzz'), []);
  assert.deepEqual(await names(adm, '?owner=p2&visibility=all'), sorted('other-priv', 'other-comm', 'a, b'));
  assert.deepEqual(await names(om, '?os_distro=ubuntu'), ['pub']);
  assert.deepEqual(await names(om, '?os_distro=fedora'), ['comm']);
  const bad = [
    '?name=gt:x', '?name=in:"a', '?name=in:a"b,c', '?status=neq:active', '?size_min=x', '?size_max=1.5', '?min_ram=x', '?protected=TRUE', '?protected=1',
    '?os_hidden=maybe', '?created_at=yesterday', '?updated_at=gt:2024-13-45T00:00:00Z', '?changes-since=2024-01-01', '?self=x', '?limit=-1', '?limit=x',
  ];
  for (const b of bad) assert.equal((await call(s.url, 'GET', `/v2/images${b}`, { token: om })).status, 400, b);
});

test('created_at / updated_at with comparison operators', async () => {
  assert.deepEqual(await names(om, '?created_at=gte:2024-01-01T00:00:02Z'), sorted('shared', 'comm', 'deact'));
  assert.deepEqual(await names(om, '?created_at=lt:2024-01-01T00:00:02Z'), sorted('pub', 'priv'));
  assert.deepEqual(await names(om, '?created_at=2024-01-01T00:00:03Z'), ['comm']);
  assert.deepEqual(await names(om, '?created_at=eq:2024-01-01T00:00:03'), ['comm']);
  assert.deepEqual(await names(om, `?created_at=${encodeURIComponent('eq:2024-01-01T01:00:03+01:00')}`), ['comm']);
  assert.deepEqual(await names(om, '?created_at=neq:2024-01-01T00:00:03Z'), sorted('pub', 'priv', 'shared', 'deact'));
  assert.deepEqual(await names(om, '?updated_at=gt:2024-01-01T00:01:42Z'), sorted('comm', 'deact'));
  assert.deepEqual(await names(om, '?updated_at=lte:2024-01-01T00:01:40Z'), ['pub']);
});

test('sorting: sort_key/sort_dir, sort=, tie-breakers, refusals', async () => {
  const list = async (qs: string) => (await call(s.url, 'GET', `/v2/images${qs}`, { token: om })).body.images.map((i: any) => i.name);
  assert.deepEqual(await list(''), ['deact', 'comm', 'shared', 'priv', 'pub'], 'default created_at desc');
  assert.deepEqual(await list('?sort_key=name&sort_dir=asc'), ['comm', 'deact', 'priv', 'pub', 'shared']);
  assert.deepEqual(await list('?sort_key=name'), ['shared', 'pub', 'priv', 'deact', 'comm']);
  assert.deepEqual(await list('?sort=name:asc'), ['comm', 'deact', 'priv', 'pub', 'shared']);
  assert.deepEqual(await list('?sort=status:asc,name:desc'), ['pub', 'comm', 'deact', 'shared', 'priv']);
  assert.deepEqual(await list('?sort_key=status&sort_key=name&sort_dir=asc&sort_dir=desc'), ['pub', 'comm', 'deact', 'shared', 'priv']);
  // size: null sorts first ascending
  assert.deepEqual(await list('?sort_key=size&sort_dir=asc'), ['comm', 'deact', 'pub', 'priv', 'shared']);
  assert.deepEqual(await list('?sort_key=updated_at&sort_dir=asc'), ['pub', 'priv', 'shared', 'comm', 'deact']);
  assert.deepEqual(await list('?sort_key=id&sort_dir=asc'), [...['pub', 'priv', 'shared', 'comm', 'deact']].sort((a, b) => (byName.get(a)!._id < byName.get(b)!._id ? -1 : 1)));
  for (const b of ['?sort_key=owner', '?sort_dir=up', '?sort=name:up', '?sort=name&sort_key=name', '?sort=bogus', '?sort_key=name&sort_key=status&sort_dir=asc&sort_dir=desc&sort_dir=asc']) {
    assert.equal((await call(s.url, 'GET', `/v2/images${b}`, { token: om })).status, 400, b);
  }
});

test('limit, marker and first/next/schema links (sample shape)', async () => {
  const sample = loadSample('images-list-response');
  const all = await call(s.url, 'GET', '/v2/images', { token: om });
  assert.deepEqual(Object.keys(all.body).sort(), Object.keys(sample).sort());
  assert.equal(all.body.first, '/v2/images');
  assert.equal(all.body.schema, '/v2/schemas/images');
  assert.deepEqual(Object.keys(all.body.images[0]).sort(), Object.keys(sample.images[0]).sort());
  const p1 = await call(s.url, 'GET', '/v2/images?limit=2&sort_key=name&sort_dir=asc', { token: om });
  assert.deepEqual(p1.body.images.map((i: any) => i.name), ['comm', 'deact']);
  assert.equal(p1.body.first, '/v2/images?limit=2&sort_key=name&sort_dir=asc');
  assert.equal(p1.body.next, `/v2/images?limit=2&sort_key=name&sort_dir=asc&marker=${byName.get('deact')!._id}`);
  const p2 = await call(s.url, 'GET', p1.body.next, { token: om });
  assert.deepEqual(p2.body.images.map((i: any) => i.name), ['priv', 'pub']);
  assert.equal(p2.body.first, '/v2/images?limit=2&sort_key=name&sort_dir=asc');
  const p3 = await call(s.url, 'GET', p2.body.next, { token: om });
  assert.deepEqual(p3.body.images.map((i: any) => i.name), ['shared']);
  assert.equal(p3.body.next, undefined);
  // an exactly full last page still has a next link, which yields an empty page
  const full = await call(s.url, 'GET', '/v2/images?limit=5', { token: om });
  assert.ok(full.body.next);
  const empty = await call(s.url, 'GET', full.body.next, { token: om });
  assert.deepEqual(empty.body.images, []);
  assert.equal(empty.body.next, undefined);
  // repeated parameters keep only their last value in links
  const rep = await call(s.url, 'GET', '/v2/images?tag=a&tag=b&limit=1', { token: om });
  assert.equal(rep.body.first, '/v2/images?tag=b&limit=1');
  // limit 0, limit capped
  assert.deepEqual((await call(s.url, 'GET', '/v2/images?limit=0', { token: om })).body.images, []);
  assert.equal((await call(s.url, 'GET', '/v2/images?limit=100000', { token: om })).status, 200);
  // bad markers: unknown, invisible → 400
  assert.equal((await call(s.url, 'GET', '/v2/images?marker=00000000-0000-0000-0000-000000000000', { token: om })).status, 400);
  assert.equal((await call(s.url, 'GET', `/v2/images?marker=${byName.get('other-priv')!._id}`, { token: om })).status, 400);
  assert.equal((await call(s.url, 'GET', `/v2/images?marker=${byName.get('other-priv')!._id}`, { token: adm })).status, 200);
});

test('a larger set paged through returns each image exactly once, in order', async () => {
  const N = Number(process.env.IMAGES_PAGING_N ?? 10000);
  const repo = s.app.services.images.repo;
  const batch: ImageRecord[] = [];
  for (let i = 0; i < N; i++) {
    // many share a created_at second and a name: the id tie-breaker decides
    batch.push(imageRecord({ owner: 'bulk', visibility: 'private', name: `n${i % 37}`, created_at: new Date(T0 + 10_000_000 + Math.floor(i / 7) * 1000), size: i % 5 === 0 ? null : i }));
  }
  const t0 = Date.now();
  for (let i = 0; i < batch.length; i += 1000) await repo.insertMany(batch.slice(i, i + 1000));
  const seeded = Date.now() - t0;
  const bulk = await s.token({ project: 'bulk', roles: ['reader'] });
  for (const [qs, cmp] of [
    ['', (a: ImageRecord, b: ImageRecord) => b.created_at.getTime() - a.created_at.getTime() || (a._id < b._id ? 1 : -1)],
    ['&sort=name:asc,size:desc', (a: ImageRecord, b: ImageRecord) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0) || ((b.size ?? -1) - (a.size ?? -1)) || a.created_at.getTime() - b.created_at.getTime() || (a._id < b._id ? -1 : 1)],
  ] as const) {
    const want = [...batch].sort(cmp).map((i) => i._id);
    const got: string[] = [];
    let next: string | undefined = `/v2/images?owner=bulk&limit=500${qs}`;
    const t1 = Date.now();
    while (next) {
      const r = await call(s.url, 'GET', next, { token: bulk });
      assert.equal(r.status, 200, r.text);
      got.push(...r.body.images.map((i: any) => i.id));
      next = r.body.next;
    }
    assert.equal(new Set(got).size, got.length, 'no image twice');
    assert.deepEqual(got, want, `order for ${qs || 'default'}`);
    console.log(`paged ${N} images (${qs || 'default'}) in ${Date.now() - t1} ms; seeding took ${seeded} ms`);
  }
});

test('images created through the API within one second: default order created_at desc at sub-second precision, then id desc; paging exact', async () => {
  const owner = await s.token({ project: 'burst', roles: ['member'] });
  const created: string[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await call(s.url, 'POST', '/v2/images', { token: owner, body: { name: `burst-${i}` } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'shown at seconds');
    created.push(r.body.id);
  }
  const repo = s.app.services.images.repo;
  const records = (await Promise.all(created.map((id) => repo.get(id)))) as ImageRecord[];
  // Stored finer than shown (eight creations landing on whole seconds would be a one-in-10^24 event).
  assert.ok(records.some((r) => r.created_at.getMilliseconds() !== 0), 'created_at is stored below the second');
  const want = [...records].sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a._id < b._id ? 1 : -1)).map((r) => r._id);
  // Creation order is time order: the newest first, whatever the ids.
  const monotonic = records.every((r, i) => i === 0 || r.created_at.getTime() >= records[i - 1].created_at.getTime());
  assert.ok(monotonic);
  const all = await call(s.url, 'GET', '/v2/images?owner=burst', { token: owner });
  assert.deepEqual(all.body.images.map((i: any) => i.id), want);
  const paged: string[] = [];
  let next: string | undefined = '/v2/images?owner=burst&limit=3';
  while (next) {
    const r = await call(s.url, 'GET', next, { token: owner });
    assert.equal(r.status, 200, r.text);
    paged.push(...r.body.images.map((i: any) => i.id));
    next = r.body.next;
  }
  assert.deepEqual(paged, want, 'keyset paging returns each image once, in the same order');
});

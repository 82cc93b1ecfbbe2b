import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitInList, parseListQuery, pageLinks, visibilityPredicates } from '../../src/services/image-list-query.js';
import { parsePatch, parsePointer, patchMediaType } from '../../src/services/image-patch.js';
import { keysetAfter, escapeKey, unescapeKey } from '../../src/repositories/images.js';
import { DomainError } from '../../src/domain/errors.js';

const kind = (k: string) => (e: unknown) => e instanceof DomainError && e.kind === k;
const cfg = { defaultLimit: 25, maxLimit: 1000 };

test('in: lists (given → want)', () => {
  const cases: [string, string[]][] = [
    ['a,b', ['a', 'b']],
    ['"a, b",c', ['a, b', 'c']],
    ['c,"a, b"', ['c', 'a, b']],
    ['x', ['x']],
  ];
  for (const [given, want] of cases) assert.deepEqual(splitInList(given, 'name'), want, given);
  for (const bad of ['"a', 'a"b,c', '"a"b', 'a,"b']) assert.throws(() => splitInList(bad, 'name'), kind('Invalid'), bad);
});

test('sorting (given → want)', () => {
  const cases: [string, string][] = [
    ['', 'created_at:desc,id:desc'],
    ['sort_key=name', 'name:desc,created_at:desc,id:desc'],
    ['sort_key=name&sort_dir=asc', 'name:asc,created_at:asc,id:asc'],
    ['sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc', 'name:asc,size:desc,created_at:asc,id:asc'],
    ['sort=name:asc,status', 'name:asc,status:desc,created_at:asc,id:asc'],
    ['sort_key=created_at&sort_dir=asc', 'created_at:asc,id:asc'],
    ['sort_key=id', 'id:desc'],
  ];
  for (const [given, want] of cases) {
    const q = parseListQuery(new URLSearchParams(given), cfg);
    assert.equal(q.sort.map((s) => `${s.key}:${s.dir}`).join(','), want, given);
  }
});

test('limits and filters (given → predicates)', () => {
  assert.equal(parseListQuery(new URLSearchParams('limit=5000'), cfg).limit, 1000);
  assert.equal(parseListQuery(new URLSearchParams(''), cfg).limit, 25);
  const q = parseListQuery(new URLSearchParams('name=in:a,b&size_min=3&tag=x&tag=y&hw_x=1&created_at=gt:2024-01-01T00:00:00'), cfg);
  assert.deepEqual(q.predicates, [
    { os_hidden: false },
    { tags: { $all: ['x', 'y'] } },
    { name: { $in: ['a', 'b'] } },
    { size: { $gte: 3 } },
    { 'properties.hw_x': '1' },
    { created_at: { $gt: new Date('2024-01-01T00:00:00Z') } },
  ]);
  assert.deepEqual(parseListQuery(new URLSearchParams('com.x=1'), cfg).predicates[1], { 'properties.com%2Ex': '1' });
});

test('visibility predicates per caller (authz §4.2)', () => {
  assert.deepEqual(visibilityPredicates({ projectId: 'P', isAdmin: true }, { visibility: null, memberStatus: 'accepted' }), [
    { $or: [{ visibility: { $ne: 'community' } }, { owner: 'P' }] },
  ]);
  assert.deepEqual(visibilityPredicates({ projectId: 'P', isAdmin: false }, { visibility: 'shared', memberStatus: 'pending' }), [
    { $or: [{ visibility: { $in: ['public', 'community'] } }, { owner: 'P' }, { visibility: 'shared', member_keys: 'P:pending' }] },
    { visibility: 'shared' },
  ]);
  assert.deepEqual(visibilityPredicates({ projectId: 'P', isAdmin: false }, { visibility: 'all', memberStatus: 'all' }), [
    { $or: [{ visibility: { $in: ['public', 'community'] } }, { owner: 'P' }, { visibility: 'shared', member_projects: 'P' }] },
  ]);
});

test('links keep the last value of repeated parameters and replace the marker', () => {
  assert.deepEqual(pageLinks('/v2/images', new URLSearchParams('tag=a&tag=b&marker=m0&limit=2'), 'm1'), {
    first: '/v2/images?tag=b&limit=2',
    next: '/v2/images?tag=b&marker=m1&limit=2',
  });
  assert.deepEqual(pageLinks('/v2/images', new URLSearchParams(''), null), { first: '/v2/images' });
});

test('keyset condition handles nulls in both directions', () => {
  const sort = [{ key: 'name', dir: 'asc' as const }, { key: 'id', dir: 'asc' as const }];
  assert.deepEqual(keysetAfter(sort, { name: null, _id: 'x' }), { $or: [{ name: { $ne: null } }, { name: null, _id: { $gt: 'x' } }] });
  const desc = [{ key: 'size', dir: 'desc' as const }, { key: 'id', dir: 'desc' as const }];
  assert.deepEqual(keysetAfter(desc, { size: 5, _id: 'x' }), { $or: [{ size: { $lt: 5 } }, { size: null }, { size: 5, _id: { $lt: 'x' } }] });
  assert.deepEqual(keysetAfter(desc, { size: null, _id: 'x' }), { $or: [{ size: null, _id: { $lt: 'x' } }] });
});

test('property names round-trip through key escaping', () => {
  for (const k of ['a.b', '$where', '100%', 'x%2Ey', 'plain']) assert.equal(unescapeKey(escapeKey(k)), k);
  assert.ok(!escapeKey('a.b$c').includes('.') && !escapeKey('a.b$c').includes('$'));
});

test('JSON patch parsing (both media types)', () => {
  assert.equal(patchMediaType('application/openstack-images-v2.1-json-patch; charset=UTF-8'), 10);
  assert.equal(patchMediaType('application/openstack-images-v2.0-json-patch'), 4);
  assert.throws(() => patchMediaType('application/json'), kind('UnsupportedMediaType'));
  assert.deepEqual(parsePatch([{ op: 'add', path: '/a~1b', value: 'v' }], 10), [{ op: 'add', path: ['a/b'], value: 'v', schemaVersion: 10 }]);
  assert.deepEqual(parsePatch([{ remove: '/x' }], 4), [{ op: 'remove', path: ['x'], schemaVersion: 4 }]);
  assert.deepEqual(parsePatch([{ op: 'add', path: '/locations/-', value: {} }], 10)[0].path, ['locations', '-']);
  for (const p of ['/__proto__', '/constructor/prototype', '/prototype', '/a/__proto__']) assert.throws(() => parsePointer(p), kind('Invalid'), p);
  assert.throws(() => parsePatch([{ op: 'replace', path: '/locations/0', value: [] }], 10), kind('Invalid'));
  assert.throws(() => parsePatch([{ op: 'add', path: '/locations', value: [] }], 10), kind('Invalid'));
});

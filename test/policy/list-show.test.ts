/**
 * One source of truth for "may see", through HTTP: for every persona, every image any listing
 * returns can be shown (200), and every image that can be shown is returned by the broadest
 * listing (`visibility=all&member_status=all`).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { imageRecord, member } from '../helpers/images.js';
import type { ImageRecord } from '../../src/repositories/images.js';
import { identityHeaders, MATRIX_ENV, type Identity } from './matrix.js';

const PERSONAS: Record<string, Identity | null> = {
  ADM: { project: 'p-adm', roles: ['admin'] },
  OM: { project: 'p-o', roles: ['member'] },
  OR: { project: 'p-o', roles: ['reader'] },
  'Q member': { project: 'p-q', roles: ['member'] },
  'Q reader': { project: 'p-q', roles: ['reader'] },
  stranger: { project: 'p-z', roles: ['member'] },
  'no roles': { project: 'p-o', roles: ['other'] },
  AN: null,
};

const LISTINGS = [
  '',
  'member_status=pending',
  'member_status=rejected',
  'member_status=all',
  'visibility=shared',
  'visibility=shared&member_status=all',
  'visibility=community',
  'visibility=public',
  'visibility=private',
  'visibility=all',
  'visibility=all&member_status=all',
];
const BROADEST = 'visibility=all&member_status=all';

let s: TestServer;
const images: ImageRecord[] = [];
before(async () => {
  s = await startServer(MATRIX_ENV);
  const statuses = ['accepted', 'pending', 'rejected'] as const;
  let n = 0;
  for (const owner of ['p-o', 'p-q', 'p-other', null])
    for (const visibility of ['public', 'private', 'shared', 'community'] as const)
      for (const rows of [[], ['p-q'], ['p-o', 'p-z']]) {
        const st = statuses[n++ % 3];
        images.push(imageRecord({ owner, visibility, status: 'active', name: `img-${n}`, members: rows.map((m) => member(m, st)) }));
      }
  await s.app.services.images.repo.insertMany(images);
});
after(() => s.close());

function describe(id: string): string {
  const i = images.find((x) => x._id === id)!;
  return `owner=${i.owner} ${i.visibility} members=[${i.members.map((m) => `${m.member_id}:${m.status}`).join(',')}]`;
}

async function listIds(h: Record<string, string>, query: string): Promise<{ status: number; ids: string[] }> {
  const r = await call(s.url, 'GET', `/v2/images?limit=1000${query ? `&${query}` : ''}`, { headers: h });
  if (r.status !== 200) return { status: r.status, ids: [] };
  assert.equal(r.body.next, undefined, 'one page holds the whole test set');
  return { status: 200, ids: r.body.images.map((i: { id: string }) => i.id).sort() };
}

for (const [name, id] of Object.entries(PERSONAS)) {
  test(`${name}: lists only images it can show, and can list every image it can show`, async () => {
    const h = identityHeaders(id);
    // get_images needs a role that implies reader
    const mayList = !!id && id.roles.some((r) => ['admin', 'member', 'reader'].includes(r));
    const showable: string[] = [];
    for (const img of images) {
      const r = await call(s.url, 'GET', `/v2/images/${img._id}`, { headers: h });
      assert.ok(r.status === 200 || r.status === 404, `show ${img._id}: ${r.status}`);
      if (r.status === 200) showable.push(img._id);
    }
    showable.sort();
    const canShow = new Set(showable);
    for (const q of LISTINGS) {
      const { status, ids } = await listIds(h, q);
      assert.equal(status, mayList ? 200 : 403, `list ?${q}`);
      const hidden = ids.filter((i) => !canShow.has(i)).map(describe);
      assert.deepEqual(hidden, [], `?${q} lists images ${name} cannot show`);
    }
    const broad = await listIds(h, BROADEST);
    const missing = showable.filter((i) => !broad.ids.includes(i));
    // Known difference, kept from the reference (glance-authz.md §4.1 vs §4.2): an image without
    // owner is visible to every project, so a `shared` one passes get_image for any reader, but
    // the list's shared branch needs a member row. Exactly those may be missing; nothing else.
    const ownerlessShared = (i: string) => images.some((x) => x._id === i && x.owner === null && x.visibility === 'shared' && !x.members.some((m) => m.member_id === id?.project));
    if (mayList) assert.deepEqual(missing.filter((i) => !ownerlessShared(i)).map(describe), [], `?${BROADEST} misses images ${name} can show`);
    else assert.deepEqual(broad.ids, []);
    if (!id) assert.deepEqual(showable, [], 'anonymous shows nothing');
    // the data set exercises both outcomes for project personas
    if (mayList && name !== 'ADM') assert.ok(showable.length > 0 && showable.length < images.length);
  });
}

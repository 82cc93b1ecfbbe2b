/**
 * Persona matrix for images and members (glance-authz.md §3.1, §3.2), through real HTTP with
 * identities from a trusted proxy (so that the anonymous persona exists). Each cell runs on a
 * fresh image: `shared` with p-sa accepted and p-sp pending (community for CM).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { imageRecord, member } from '../helpers/images.js';
import type { ImageRecord } from '../../src/repositories/images.js';

type Persona = 'ADM' | 'OM' | 'OR' | 'SA' | 'SP' | 'NS' | 'CM' | 'AN';
const PERSONAS: Persona[] = ['ADM', 'OM', 'OR', 'SA', 'SP', 'NS', 'CM', 'AN'];
const ID: Record<Persona, { project: string; roles: string } | null> = {
  ADM: { project: 'p-adm', roles: 'admin' },
  OM: { project: 'p-o', roles: 'member' },
  OR: { project: 'p-o', roles: 'reader' },
  SA: { project: 'p-sa', roles: 'member' },
  SP: { project: 'p-sp', roles: 'member' },
  NS: { project: 'p-ns', roles: 'member' },
  CM: { project: 'p-cm', roles: 'member' },
  AN: null,
};
const headers = (p: Persona): Record<string, string> => {
  const id = ID[p];
  return id ? { 'X-Identity-Status': 'Confirmed', 'X-User-Id': `u-${p}`, 'X-Project-Id': id.project, 'X-Roles': id.roles } : {};
};
const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };

interface Row {
  name: string;
  status?: ImageRecord['status'];
  run(img: ImageRecord, p: Persona): { method: string; path: string; body?: unknown; headers?: Record<string, string> };
  want: Record<Persona, number>;
}
const row = (v: number[]): Record<Persona, number> => Object.fromEntries(PERSONAS.map((p, i) => [p, v[i]])) as Record<Persona, number>;
const ownRow = (p: Persona) => (p === 'SP' ? 'p-sp' : 'p-sa');

//                                           ADM  OM   OR   SA   SP   NS   CM   AN
const ROWS: Row[] = [
  { name: 'show image', run: (i) => ({ method: 'GET', path: `/v2/images/${i._id}` }), want: row([200, 200, 200, 200, 200, 404, 200, 404]) },
  { name: 'list images', run: () => ({ method: 'GET', path: '/v2/images?limit=1' }), want: row([200, 200, 200, 200, 200, 200, 200, 403]) },
  { name: 'create in own project', run: () => ({ method: 'POST', path: '/v2/images', body: { name: 'c' } }), want: row([201, 201, 403, 201, 201, 201, 201, 403]) },
  { name: 'create public', run: () => ({ method: 'POST', path: '/v2/images', body: { visibility: 'public' } }), want: row([201, 403, 403, 403, 403, 403, 403, 403]) },
  { name: 'create community', run: () => ({ method: 'POST', path: '/v2/images', body: { visibility: 'community' } }), want: row([201, 201, 403, 201, 201, 201, 201, 403]) },
  { name: 'PATCH name', run: (i) => ({ method: 'PATCH', path: `/v2/images/${i._id}`, headers: PATCH, body: [{ op: 'replace', path: '/name', value: 'n' }] }), want: row([200, 200, 403, 403, 403, 404, 403, 403]) },
  { name: 'set visibility public', run: (i) => ({ method: 'PATCH', path: `/v2/images/${i._id}`, headers: PATCH, body: [{ op: 'replace', path: '/visibility', value: 'public' }] }), want: row([200, 403, 403, 403, 403, 404, 403, 403]) },
  { name: 'set visibility community', run: (i) => ({ method: 'PATCH', path: `/v2/images/${i._id}`, headers: PATCH, body: [{ op: 'replace', path: '/visibility', value: 'community' }] }), want: row([200, 200, 403, 403, 403, 404, 403, 403]) },
  { name: 'replace owner', run: (i) => ({ method: 'PATCH', path: `/v2/images/${i._id}`, headers: PATCH, body: [{ op: 'replace', path: '/owner', value: 'p-x' }] }), want: row([200, 403, 403, 403, 403, 404, 403, 403]) },
  { name: 'delete image', run: (i) => ({ method: 'DELETE', path: `/v2/images/${i._id}` }), want: row([204, 204, 403, 403, 403, 404, 403, 403]) },
  { name: 'add tag', run: (i) => ({ method: 'PUT', path: `/v2/images/${i._id}/tags/t` }), want: row([204, 204, 403, 403, 403, 404, 403, 403]) },
  { name: 'delete tag', run: (i) => ({ method: 'DELETE', path: `/v2/images/${i._id}/tags/old` }), want: row([204, 204, 403, 403, 403, 404, 403, 403]) },
  { name: 'deactivate', status: 'active', run: (i) => ({ method: 'POST', path: `/v2/images/${i._id}/actions/deactivate` }), want: row([204, 204, 403, 403, 403, 404, 403, 403]) },
  { name: 'reactivate', status: 'deactivated', run: (i) => ({ method: 'POST', path: `/v2/images/${i._id}/actions/reactivate` }), want: row([204, 204, 403, 403, 403, 404, 403, 403]) },
  { name: 'add member', run: (i) => ({ method: 'POST', path: `/v2/images/${i._id}/members`, body: { member: 'p-new' } }), want: row([200, 200, 403, 403, 403, 404, 403, 403]) },
  { name: 'list members', run: (i) => ({ method: 'GET', path: `/v2/images/${i._id}/members` }), want: row([200, 200, 200, 200, 200, 404, 403, 404]) },
  { name: 'get member (own row, else p-sa)', run: (i, p) => ({ method: 'GET', path: `/v2/images/${i._id}/members/${ownRow(p)}` }), want: row([200, 200, 200, 200, 200, 404, 404, 404]) },
  { name: 'get another member row', run: (i, p) => ({ method: 'GET', path: `/v2/images/${i._id}/members/${p === 'SA' ? 'p-sp' : 'p-sa'}` }), want: row([200, 200, 200, 404, 404, 404, 404, 404]) },
  { name: 'update member status (own row, else p-sa)', run: (i, p) => ({ method: 'PUT', path: `/v2/images/${i._id}/members/${ownRow(p)}`, body: { status: 'rejected' } }), want: row([200, 403, 403, 200, 200, 404, 403, 403]) },
  { name: 'delete member (own row, else p-sa)', run: (i, p) => ({ method: 'DELETE', path: `/v2/images/${i._id}/members/${ownRow(p)}` }), want: row([204, 204, 403, 403, 403, 404, 403, 403]) },
];

let s: TestServer;
before(async () => {
  s = await startServer({ AUTH_MODE: 'trusted-proxy' });
});
after(() => s.close());

for (const r of ROWS) {
  test(`matrix: ${r.name}`, async () => {
    const imgs = PERSONAS.map((p) =>
      imageRecord({
        owner: 'p-o',
        status: r.status ?? 'queued',
        visibility: p === 'CM' ? 'community' : 'shared',
        tags: ['old'],
        members: p === 'CM' ? [] : [member('p-sa', 'accepted'), member('p-sp', 'pending')],
      }),
    );
    await s.app.services.images.repo.insertMany(imgs);
    const got: Record<string, number> = {};
    await Promise.all(
      PERSONAS.map(async (p, i) => {
        const req = r.run(imgs[i], p);
        const res = await call(s.url, req.method, req.path, { body: req.body, headers: { ...headers(p), ...(req.headers ?? {}) } });
        got[p] = res.status;
      }),
    );
    assert.deepEqual(Object.fromEntries(PERSONAS.map((p) => [p, got[p]])), r.want);
  });
}

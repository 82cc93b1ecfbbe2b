/**
 * Token scope (glance-authz.md §0, §3 last paragraph): every API rule is project-scoped, so a
 * system- or domain-scoped token is refused even with the admin role: 403 on image list and
 * create and on other non-resource calls, 404 on image-by-id and on every metadef call. PRJ, an
 * admin on a project, shows that the same calls are allowed with a project-scoped token.
 */
import { randomUUID } from 'node:crypto';
import { defineTable } from '../matrix.js';
import { call } from '../../helpers/server.js';
import { imageRecord } from '../../helpers/images.js';

const ADMIN = { 'X-Identity-Status': 'Confirmed', 'X-User-Id': 'matrix-admin', 'X-Project-Id': 'p-adm', 'X-Roles': 'admin' };
const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };

export const scopeTable = defineTable<{ image: string; ns: string }>({
  name: 'token scope',
  personas: {
    SYS: { systemScope: 'all', roles: ['admin'] },
    DOM: { domain: 'default', roles: ['admin'] },
    PRJ: { project: 'p-adm', roles: ['admin'] },
  },
  async setup(s) {
    const img = imageRecord({ owner: 'p-o', visibility: 'public', status: 'queued' });
    await s.app.services.images.repo.insertMany([img]);
    const ns = `Scope::${randomUUID().slice(0, 8)}`;
    const r = await call(s.url, 'POST', '/v2/metadefs/namespaces', { headers: ADMIN, body: { namespace: ns, visibility: 'public' } });
    if (r.status !== 201) throw new Error(`namespace setup failed: ${r.status} ${r.text}`);
    return { image: img._id, ns };
  },
  //                                                                                                                  SYS DOM PRJ
  rows: [
    { name: 'list images', policies: ['get_images'], request: () => ({ method: 'GET', path: '/v2/images' }), want: '403 403 200' },
    { name: 'create image', policies: ['add_image'], request: () => ({ method: 'POST', path: '/v2/images', body: { name: 'x' } }), want: '403 403 201' },
    { name: 'show image', policies: ['get_image'], request: (f) => ({ method: 'GET', path: `/v2/images/${f.image}` }), want: '404 404 200' },
    { name: 'PATCH image', policies: ['modify_image'], request: (f) => ({ method: 'PATCH', path: `/v2/images/${f.image}`, headers: PATCH, body: [{ op: 'replace', path: '/name', value: 'y' }] }), want: '404 404 200' },
    { name: 'delete image', policies: ['delete_image'], request: (f) => ({ method: 'DELETE', path: `/v2/images/${f.image}` }), want: '404 404 204' },
    { name: 'show namespace', policies: ['get_metadef_namespace'], request: (f) => ({ method: 'GET', path: `/v2/metadefs/namespaces/${f.ns}` }), want: '404 404 200' },
    { name: 'list namespaces', policies: ['get_metadef_namespaces'], request: () => ({ method: 'GET', path: '/v2/metadefs/namespaces' }), want: '404 404 200' },
    { name: 'delete namespace', policies: ['delete_metadef_namespace'], request: (f) => ({ method: 'DELETE', path: `/v2/metadefs/namespaces/${f.ns}` }), want: '404 404 204' },
    { name: 'list tasks', policies: ['tasks_api_access'], request: () => ({ method: 'GET', path: '/v2/tasks' }), want: '403 403 200' },
  ],
});

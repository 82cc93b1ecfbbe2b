/**
 * Metadata definitions (glance-authz.md §3.4). Each cell acts on a fresh namespace owned by
 * p-o holding object `obj`, property `prop`, tag `tag` and an OS::Glance::Image association;
 * private unless the state says otherwise, public for PUB. OM / OR: member / reader of p-o;
 * PUB / PRIV: member of p-q on a public / private namespace.
 */
import { randomUUID } from 'node:crypto';
import { defineTable } from '../matrix.js';
import { call } from '../../helpers/server.js';

export const METADEF_PERSONAS = {
  ADM: { project: 'p-adm', roles: ['admin'] },
  OM: { project: 'p-o', roles: ['member'] },
  OR: { project: 'p-o', roles: ['reader'] },
  PUB: { project: 'p-q', roles: ['member'] },
  PRIV: { project: 'p-q', roles: ['member'] },
  AN: null,
};

export interface NamespaceState {
  visibility?: 'public' | 'private';
  protected?: boolean;
}

const ADMIN = { 'X-Identity-Status': 'Confirmed', 'X-User-Id': 'matrix-admin', 'X-Project-Id': 'p-adm', 'X-Roles': 'admin' };
const PROP = { title: 'P', type: 'string' };
/** The reference answers 404 (lookup first); the service runs the read-only guard first. */
const AN_GUARD = { AN: { status: 403, why: 'read-only guard answers 403 before the namespace lookup; glance-authz.md §3.4 gives 404' } };

export const metadefsTable = defineTable<{ ns: string; base: string }, NamespaceState>({
  name: 'metadefs',
  personas: METADEF_PERSONAS,
  async setup(s, state, persona) {
    const ns = `Matrix::${randomUUID().slice(0, 8)}`;
    const r = await call(s.url, 'POST', '/v2/metadefs/namespaces', {
      headers: ADMIN,
      body: {
        namespace: ns,
        owner: 'p-o',
        visibility: persona === 'PUB' ? 'public' : (state?.visibility ?? 'private'),
        protected: state?.protected ?? false,
        objects: [{ name: 'obj', properties: { a: PROP } }],
        properties: { prop: PROP },
        tags: [{ name: 'tag' }],
        resource_type_associations: [{ name: 'OS::Glance::Image' }],
      },
    });
    if (r.status !== 201) throw new Error(`namespace setup failed: ${r.status} ${r.text}`);
    return { ns, base: `/v2/metadefs/namespaces/${encodeURIComponent(ns)}` };
  },
  //                                                                                                    ADM OM  OR  PUB PRIV AN
  rows: [
    { name: 'show namespace', policies: ['get_metadef_namespace'], request: (f) => ({ method: 'GET', path: f.base }), want: '200 200 200 200 404 404' },
    { name: 'list namespaces', policies: ['get_metadef_namespaces'], request: () => ({ method: 'GET', path: '/v2/metadefs/namespaces' }), want: '200 200 200 200 200 404' },
    { name: 'list resource types', policies: ['list_metadef_resource_types'], request: () => ({ method: 'GET', path: '/v2/metadefs/resource_types' }), want: '200 200 200 200 200 404' },
    { name: 'create namespace', policies: ['add_metadef_namespace'], request: () => ({ method: 'POST', path: '/v2/metadefs/namespaces', body: { namespace: `New::${randomUUID().slice(0, 8)}` } }), want: '201 403 403 403 403 403' },
    { name: 'update namespace', policies: ['modify_metadef_namespace'], request: (f) => ({ method: 'PUT', path: f.base, body: { namespace: f.ns, description: 'changed' } }), want: '200 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'delete namespace', policies: ['delete_metadef_namespace'], request: (f) => ({ method: 'DELETE', path: f.base }), want: '204 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'delete a protected namespace (binds admins too)', policies: ['delete_metadef_namespace'], state: { protected: true }, request: (f) => ({ method: 'DELETE', path: f.base }), want: '403 403 403 403 404 404', deviations: AN_GUARD },

    { name: 'list objects', policies: ['get_metadef_objects'], request: (f) => ({ method: 'GET', path: `${f.base}/objects` }), want: '200 200 200 200 404 404' },
    { name: 'show object', policies: ['get_metadef_object'], request: (f) => ({ method: 'GET', path: `${f.base}/objects/obj` }), want: '200 200 200 200 404 404' },
    { name: 'create object', policies: ['add_metadef_object'], request: (f) => ({ method: 'POST', path: `${f.base}/objects`, body: { name: 'obj2' } }), want: '201 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'update object', policies: ['modify_metadef_object'], request: (f) => ({ method: 'PUT', path: `${f.base}/objects/obj`, body: { name: 'obj', description: 'd' } }), want: '200 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'delete object', policies: ['delete_metadef_object'], request: (f) => ({ method: 'DELETE', path: `${f.base}/objects/obj` }), want: '204 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'delete all objects', policies: ['delete_metadef_namespace'], request: (f) => ({ method: 'DELETE', path: `${f.base}/objects` }), want: '204 403 403 403 404 404', deviations: AN_GUARD },

    { name: 'list properties', policies: ['get_metadef_properties'], request: (f) => ({ method: 'GET', path: `${f.base}/properties` }), want: '200 200 200 200 404 404' },
    { name: 'show property', policies: ['get_metadef_property'], request: (f) => ({ method: 'GET', path: `${f.base}/properties/prop` }), want: '200 200 200 200 404 404' },
    { name: 'create property', policies: ['add_metadef_property'], request: (f) => ({ method: 'POST', path: `${f.base}/properties`, body: { name: 'prop2', ...PROP } }), want: '201 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'update property', policies: ['modify_metadef_property'], request: (f) => ({ method: 'PUT', path: `${f.base}/properties/prop`, body: { name: 'prop', ...PROP, description: 'd' } }), want: '200 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'delete property', policies: ['remove_metadef_property'], request: (f) => ({ method: 'DELETE', path: `${f.base}/properties/prop` }), want: '204 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'delete all properties', policies: ['delete_metadef_namespace'], request: (f) => ({ method: 'DELETE', path: `${f.base}/properties` }), want: '204 403 403 403 404 404', deviations: AN_GUARD },

    { name: 'list tags', policies: ['get_metadef_tags'], request: (f) => ({ method: 'GET', path: `${f.base}/tags` }), want: '200 200 200 200 404 404' },
    { name: 'show tag', policies: ['get_metadef_tag'], request: (f) => ({ method: 'GET', path: `${f.base}/tags/tag` }), want: '200 200 200 200 404 404' },
    { name: 'create tag', policies: ['add_metadef_tag'], request: (f) => ({ method: 'POST', path: `${f.base}/tags/tag2` }), want: '201 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'create tags', policies: ['add_metadef_tags'], request: (f) => ({ method: 'POST', path: `${f.base}/tags`, body: { tags: [{ name: 'x' }, { name: 'y' }] } }), want: '201 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'rename tag', policies: ['modify_metadef_tag'], request: (f) => ({ method: 'PUT', path: `${f.base}/tags/tag`, body: { name: 'renamed' } }), want: '200 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'delete tag', policies: ['delete_metadef_tag'], request: (f) => ({ method: 'DELETE', path: `${f.base}/tags/tag` }), want: '204 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'delete all tags', policies: ['delete_metadef_namespace', 'delete_metadef_tags'], request: (f) => ({ method: 'DELETE', path: `${f.base}/tags` }), want: '204 403 403 403 404 404', deviations: AN_GUARD },

    { name: 'list resource type associations', policies: ['get_metadef_resource_type'], request: (f) => ({ method: 'GET', path: `${f.base}/resource_types` }), want: '200 200 200 200 404 404' },
    { name: 'add resource type association', policies: ['add_metadef_resource_type_association'], request: (f) => ({ method: 'POST', path: `${f.base}/resource_types`, body: { name: 'OS::Nova::Flavor' } }), want: '201 403 403 403 404 404', deviations: AN_GUARD },
    { name: 'remove resource type association', policies: ['remove_metadef_resource_type_association'], request: (f) => ({ method: 'DELETE', path: `${f.base}/resource_types/OS::Glance::Image` }), want: '204 403 403 403 404 404', deviations: AN_GUARD },
  ],
});

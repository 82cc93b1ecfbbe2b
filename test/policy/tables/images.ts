/**
 * Images and members (glance-authz.md §3.1, §3.2). Each cell acts on a fresh image owned by
 * p-o: `shared` with p-sa accepted, p-sp pending, p-sr rejected; `community` for CM; for NS it
 * is the same shared image, without a row for p-ns.
 */
import { defineTable, type Req } from '../matrix.js';
import { imageRecord, member } from '../../helpers/images.js';
import type { ImageRecord } from '../../../src/repositories/images.js';

export const IMAGE_PERSONAS = {
  ADM: { project: 'p-adm', roles: ['admin'] },
  OM: { project: 'p-o', roles: ['member'] },
  OR: { project: 'p-o', roles: ['reader'] },
  SA: { project: 'p-sa', roles: ['member'] },
  SP: { project: 'p-sp', roles: ['member'] },
  SR: { project: 'p-sr', roles: ['member'] },
  NS: { project: 'p-ns', roles: ['member'] },
  CM: { project: 'p-cm', roles: ['member'] },
  AN: null,
};

export interface ImageState {
  status?: ImageRecord['status'];
  visibility?: ImageRecord['visibility'];
  protected?: boolean;
}

const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
const patch = (i: ImageRecord, ops: unknown[]): Req => ({ method: 'PATCH', path: `/v2/images/${i._id}`, headers: PATCH, body: ops });
/** The member row a persona acts on: its own if it has one, else p-sa's. */
const rowOf = (p: string) => ({ SP: 'p-sp', SR: 'p-sr' })[p as 'SP' | 'SR'] ?? 'p-sa';

export const imagesTable = defineTable<ImageRecord, ImageState>({
  name: 'images',
  personas: IMAGE_PERSONAS,
  async setup(s, state, persona) {
    const img = imageRecord({
      owner: 'p-o',
      status: state?.status ?? 'queued',
      visibility: persona === 'CM' ? 'community' : (state?.visibility ?? 'shared'),
      protected: state?.protected ?? false,
      tags: ['old'],
      disk_format: 'raw',
      container_format: 'bare',
      members: persona === 'CM' ? [] : [member('p-sa', 'accepted'), member('p-sp', 'pending'), member('p-sr', 'rejected')],
    });
    await s.app.services.images.repo.insertMany([img]);
    return img;
  },
  //                                                                                                     ADM OM  OR  SA  SP  SR  NS  CM  AN
  rows: [
    { name: 'show image', policies: ['get_image'], request: (i) => ({ method: 'GET', path: `/v2/images/${i._id}` }), want: '200 200 200 200 200 200 404 200 404' },
    { name: 'show a private image', policies: ['get_image'], state: { visibility: 'private' }, request: (i) => ({ method: 'GET', path: `/v2/images/${i._id}` }), want: '200 200 200 404 404 404 404 200 404' },
    { name: 'list images', policies: ['get_images'], request: () => ({ method: 'GET', path: '/v2/images?limit=1' }), want: '200 200 200 200 200 200 200 200 403' },
    { name: 'create in own project', policies: ['add_image'], request: () => ({ method: 'POST', path: '/v2/images', body: { name: 'c' } }), want: '201 201 403 201 201 201 201 201 403' },
    { name: 'create for another project', policies: ['add_image'], request: () => ({ method: 'POST', path: '/v2/images', body: { name: 'c', owner: 'p-elsewhere' } }), want: '201 403 403 403 403 403 403 403 403' },
    { name: 'create public', policies: ['add_image', 'publicize_image'], request: () => ({ method: 'POST', path: '/v2/images', body: { visibility: 'public' } }), want: '201 403 403 403 403 403 403 403 403' },
    { name: 'create community', policies: ['add_image', 'communitize_image'], request: () => ({ method: 'POST', path: '/v2/images', body: { visibility: 'community' } }), want: '201 201 403 201 201 201 201 201 403' },
    { name: 'PATCH name', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/name', value: 'n' }]), want: '200 200 403 403 403 403 404 403 403' },
    { name: 'set visibility public', policies: ['modify_image', 'publicize_image'], request: (i) => patch(i, [{ op: 'replace', path: '/visibility', value: 'public' }]), want: '200 403 403 403 403 403 404 403 403' },
    { name: 'set visibility community', policies: ['modify_image', 'communitize_image'], request: (i) => patch(i, [{ op: 'replace', path: '/visibility', value: 'community' }]), want: '200 200 403 403 403 403 404 403 403' },
    { name: 'replace owner (admin only, whatever the policy)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/owner', value: 'p-x' }]), want: '200 403 403 403 403 403 404 403 403' },
    { name: 'delete image', policies: ['delete_image'], request: (i) => ({ method: 'DELETE', path: `/v2/images/${i._id}` }), want: '204 204 403 403 403 403 404 403 403' },
    { name: 'delete a protected image (binds admins too)', policies: ['delete_image'], state: { protected: true }, request: (i) => ({ method: 'DELETE', path: `/v2/images/${i._id}` }), want: '403 403 403 403 403 403 404 403 403' },
    { name: 'add tag', policies: ['modify_image'], request: (i) => ({ method: 'PUT', path: `/v2/images/${i._id}/tags/t` }), want: '204 204 403 403 403 403 404 403 403' },
    { name: 'delete tag', policies: ['modify_image'], request: (i) => ({ method: 'DELETE', path: `/v2/images/${i._id}/tags/old` }), want: '204 204 403 403 403 403 404 403 403' },
    { name: 'deactivate', policies: ['deactivate'], state: { status: 'active' }, request: (i) => ({ method: 'POST', path: `/v2/images/${i._id}/actions/deactivate` }), want: '204 204 403 403 403 403 404 403 403' },
    { name: 'reactivate', policies: ['reactivate'], state: { status: 'deactivated' }, request: (i) => ({ method: 'POST', path: `/v2/images/${i._id}/actions/reactivate` }), want: '204 204 403 403 403 403 404 403 403' },
    { name: 'add member', policies: ['add_member'], request: (i) => ({ method: 'POST', path: `/v2/images/${i._id}/members`, body: { member: 'p-new' } }), want: '200 200 403 403 403 403 404 403 403' },
    { name: 'list members', policies: ['get_members'], request: (i) => ({ method: 'GET', path: `/v2/images/${i._id}/members` }), want: '200 200 200 200 200 200 404 403 404' },
    { name: 'get member (own row, else p-sa)', policies: ['get_member'], request: (i, p) => ({ method: 'GET', path: `/v2/images/${i._id}/members/${rowOf(p)}` }), want: '200 200 200 200 200 200 404 404 404' },
    { name: "get another project's member row", policies: ['get_member'], request: (i, p) => ({ method: 'GET', path: `/v2/images/${i._id}/members/${p === 'SA' ? 'p-sp' : 'p-sa'}` }), want: '200 200 200 404 404 404 404 404 404' },
    { name: 'update member status (own row, else p-sa)', policies: ['modify_member'], request: (i, p) => ({ method: 'PUT', path: `/v2/images/${i._id}/members/${rowOf(p)}`, body: { status: 'accepted' } }), want: '200 403 403 200 200 200 404 403 403' },
    { name: 'delete member (own row, else p-sa)', policies: ['delete_member'], request: (i, p) => ({ method: 'DELETE', path: `/v2/images/${i._id}/members/${rowOf(p)}` }), want: '204 204 403 403 403 403 404 403 403' },
  ],
});

/**
 * Image data, import, locations, stores, discovery and cache (glance-authz.md §3.1, §3.3), on
 * two file stores. Cells act on a fresh image owned by p-o, shared as in the images table
 * (community for CM): `queued`, or `active` with bytes uploaded by an admin.
 */
import { defineTable } from '../matrix.js';
import { call } from '../../helpers/server.js';
import { imageRecord, member } from '../../helpers/images.js';
import type { ImageRecord } from '../../../src/repositories/images.js';
import { IMAGE_PERSONAS } from './images.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DataState {
  status?: 'queued' | 'active';
  /** Also copy the bytes into the second store (so that one location may be deleted). */
  bothStores?: boolean;
}

const ADMIN = { 'X-Identity-Status': 'Confirmed', 'X-User-Id': 'matrix-admin', 'X-Project-Id': 'p-adm', 'X-Roles': 'admin' };
const OCTET = { 'Content-Type': 'application/octet-stream' };
const BYTES = Buffer.from('matrix image bytes');

export const imageDataTable = defineTable<ImageRecord, DataState>({
  name: 'image data',
  personas: IMAGE_PERSONAS,
  env: {
    ENABLED_BACKENDS: 'fast:file,slow:file',
    DEFAULT_BACKEND: 'fast',
    HTTP_ALLOWED_HOSTS: '127.0.0.1',
    IMAGE_CACHE_ENABLED: 'true',
    IMAGE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'matrix-cache-')),
  },
  async setup(s, state, persona) {
    const img = imageRecord({
      owner: 'p-o',
      status: 'queued',
      visibility: persona === 'CM' ? 'community' : 'shared',
      disk_format: 'raw',
      container_format: 'bare',
      members: persona === 'CM' ? [] : [member('p-sa', 'accepted'), member('p-sp', 'pending'), member('p-sr', 'rejected')],
    });
    await s.app.services.images.repo.insertMany([img]);
    if (state?.status === 'active') {
      const r = await call(s.url, 'PUT', `/v2/images/${img._id}/file`, { rawBody: BYTES, headers: { ...ADMIN, ...OCTET } });
      if (r.status !== 204) throw new Error(`upload for setup failed: ${r.status} ${r.text}`);
    }
    if (state?.bothStores) {
      const r = await call(s.url, 'POST', `/v2/images/${img._id}/import`, { headers: ADMIN, body: { method: { name: 'copy-image' }, stores: ['slow'] } });
      if (r.status !== 202) throw new Error(`copy for setup failed: ${r.status} ${r.text}`);
      for (let i = 0; ; i++) {
        const got = await call(s.url, 'GET', `/v2/images/${img._id}`, { headers: ADMIN });
        if (String(got.body?.stores ?? '').split(',').length === 2 && got.body.os_glance_import_task === undefined) break;
        if (i > 100) throw new Error(`copy for setup did not finish: ${got.text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    return img;
  },
  //                                                                                                     ADM OM  OR  SA  SP  SR  NS  CM  AN
  rows: [
    { name: 'upload data', policies: ['upload_image'], request: (i) => ({ method: 'PUT', path: `/v2/images/${i._id}/file`, rawBody: BYTES, headers: OCTET }), want: '204 204 403 403 403 403 404 403 403' },
    { name: 'stage data', policies: ['modify_image'], request: (i) => ({ method: 'PUT', path: `/v2/images/${i._id}/stage`, rawBody: BYTES, headers: OCTET }), want: '204 204 403 403 403 403 404 403 403' },
    { name: 'download data', policies: ['download_image'], state: { status: 'active' }, request: (i) => ({ method: 'GET', path: `/v2/images/${i._id}/file` }), want: '200 200 403 200 200 200 404 200 404' },
    { name: 'import copy-image', policies: ['copy_image'], state: { status: 'active' }, request: (i) => ({ method: 'POST', path: `/v2/images/${i._id}/import`, body: { method: { name: 'copy-image' }, stores: ['slow'] } }), want: '202 403 403 403 403 403 404 403 403' },
    { name: 'image tasks', policies: ['get_image'], request: (i) => ({ method: 'GET', path: `/v2/images/${i._id}/tasks` }), want: '200 200 200 200 200 200 404 200 404' },
    { name: 'add a location', policies: ['add_image_location'], request: (i) => ({ method: 'POST', path: `/v2/images/${i._id}/locations`, body: { url: 'http://127.0.0.1:9/matrix.raw' } }), want: '202 202 403 403 403 403 404 403 404', deviations: { AN: { status: 403, why: 'read-only guard answers before the lookup; glance-authz.md §3.3 gives 404' } } },
    { name: 'list locations', policies: ['fetch_image_location'], state: { status: 'active' }, request: (i) => ({ method: 'GET', path: `/v2/images/${i._id}/locations` }), want: '200 403 403 403 403 403 404 403 404' },
    { name: 'delete from a store (the last location: refused after the policy)', policies: ['delete_image_location'], state: { status: 'active' }, request: (i) => ({ method: 'DELETE', path: `/v2/stores/fast/${i._id}` }), want: '403 403 403 403 403 403 404 403 403' },
    { name: 'delete from one of two stores', policies: ['delete_image_location'], state: { status: 'active', bothStores: true }, request: (i) => ({ method: 'DELETE', path: `/v2/stores/slow/${i._id}` }), want: '204 403 403 403 403 403 404 403 403' },
    { name: 'stores detail', policies: ['stores_info_detail'], request: () => ({ method: 'GET', path: '/v2/info/stores/detail' }), want: '200 403 403 403 403 403 403 403 403' },
    { name: 'list tasks', policies: ['tasks_api_access'], request: () => ({ method: 'GET', path: '/v2/tasks' }), want: '200 403 403 403 403 403 403 403 403' },
    { name: 'show an unknown task', policies: ['tasks_api_access'], request: () => ({ method: 'GET', path: '/v2/tasks/00000000-0000-4000-8000-000000000000' }), want: '404 403 403 403 403 403 403 403 403' },
    { name: 'stores', policies: [], request: () => ({ method: 'GET', path: '/v2/info/stores' }), want: '200 200 200 200 200 200 200 200 200' },

    { name: 'list cache', policies: ['cache_list'], request: () => ({ method: 'GET', path: '/v2/cache' }), want: '200 403 403 403 403 403 403 403 403' },
    // PUT/DELETE /v2/cache/{id} look the image up first: hidden images are 404, as in the reference.
    { name: 'queue for cache', policies: ['cache_image'], state: { status: 'active' }, request: (i) => ({ method: 'PUT', path: `/v2/cache/${i._id}` }), want: '202 403 403 403 403 403 404 403 404' },
    { name: 'delete cached image', policies: ['cache_delete'], state: { status: 'active' }, request: (i) => ({ method: 'DELETE', path: `/v2/cache/${i._id}` }), want: '204 403 403 403 403 403 404 403 404' },
    { name: 'clear cache', policies: ['cache_delete'], request: () => ({ method: 'DELETE', path: '/v2/cache' }), want: '204 403 403 403 403 403 403 403 403' },
    { name: 'clean cache', policies: ['cache_clean'], request: () => ({ method: 'POST', path: '/v2/cache/clean' }), want: '200 403 403 403 403 403 403 403 403' },
    { name: 'prune cache', policies: ['cache_prune'], request: () => ({ method: 'POST', path: '/v2/cache/prune' }), want: '200 403 403 403 403 403 403 403 403' },
  ],
});

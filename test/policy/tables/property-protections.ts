/**
 * Property protections through HTTP (PROPERTY_PROTECTION_FILE), with the example files of
 * policies/ in both formats. Each cell acts on a fresh shared image of p-o (no members, so p-x
 * cannot see it) carrying a property of every section of the example file.
 *
 * Upstream's answers: a refused create, update or delete is 403 naming the property; a property
 * the caller may not read does not exist for it (PATCH replace or remove: 409, add: a create,
 * decided by the create rule). Base attributes are never protected. Policy rules first: a
 * persona modify_image refuses gets 403 (404 when the image is hidden) whatever the property.
 */
import { join } from 'node:path';
import { defineTable, type Req } from '../matrix.js';
import { imageRecord } from '../../helpers/images.js';
import type { ImageRecord } from '../../../src/repositories/images.js';
import { PROJECT_ROOT } from '../../../src/openapi.js';

const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
const patch = (i: ImageRecord, ops: unknown[]): Req => ({ method: 'PATCH', path: `/v2/images/${i._id}`, headers: PATCH, body: ops });
const create = (props: Record<string, string>): Req => ({ method: 'POST', path: '/v2/images', body: { name: 'c', ...props } });

export const PROTECTED_PROPERTIES = { x_billing_code: 'B-17', x_owner_team: 'storage', x_licence_key: 'K-1', x_certified_by: 'qa', x_service_state: 'ready', os_distro: 'debian' };

async function setup(s: Parameters<Parameters<typeof defineTable<ImageRecord>>[0]['setup']>[0]): Promise<ImageRecord> {
  const img = imageRecord({ owner: 'p-o', visibility: 'shared', disk_format: 'raw', container_format: 'bare', properties: { ...PROTECTED_PROPERTIES } });
  await s.app.services.images.repo.insertMany([img]);
  return img;
}

export const ROLES_PERSONAS = {
  ADM: { project: 'p-adm', roles: ['admin'] },
  OM: { project: 'p-o', roles: ['member'] },
  OR: { project: 'p-o', roles: ['reader'] },
  LIC: { project: 'p-o', roles: ['member', 'licensing'] },
  CERT: { project: 'p-o', roles: ['member', 'Certifier'] },
  OX: { project: 'p-x', roles: ['member'] },
};

export const rolesProtectionsTable = defineTable<ImageRecord>({
  name: 'property protections (roles)',
  personas: ROLES_PERSONAS,
  env: { PROPERTY_PROTECTION_FILE: join(PROJECT_ROOT, 'policies', 'property-protections.roles.conf'), PROPERTY_PROTECTION_RULE_FORMAT: 'roles' },
  setup,
  //                                                                                                              ADM OM  OR  LIC CERT OX
  rows: [
    { name: 'create with an admin-only property', policies: ['add_image'], request: () => create({ x_billing_code: 'B' }), want: '201 403 403 403 403 403' },
    { name: 'create with an owner property', policies: ['add_image'], request: () => create({ x_owner_team: 't' }), want: '201 201 403 201 201 201' },
    { name: 'create with a certification (Admin, certifier: any case)', policies: ['add_image'], request: () => create({ x_certified_by: 'me' }), want: '201 403 403 403 201 403' },
    { name: 'create with a licence key', policies: ['add_image'], request: () => create({ x_licence_key: 'k' }), want: '403 403 403 201 403 403' },
    { name: 'create with an unprotected property (catch-all)', policies: ['add_image'], request: () => create({ os_distro: 'd' }), want: '201 201 403 201 201 201' },
    { name: 'PATCH add an admin-only property (create)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'add', path: '/x_billing_other', value: 'v' }]), want: '200 403 403 403 403 404' },
    { name: 'PATCH replace an admin-only property (update)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/x_billing_code', value: 'v' }]), want: '200 403 403 403 403 404' },
    { name: 'PATCH add over a readable admin-only property (update)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'add', path: '/x_billing_code', value: 'v' }]), want: '200 403 403 403 403 404' },
    { name: 'PATCH remove an admin-only property (delete)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'remove', path: '/x_billing_code' }]), want: '200 403 403 403 403 404' },
    { name: 'PATCH replace an unreadable property (409: it does not exist for the caller)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/x_licence_key', value: 'v' }]), want: '409 409 403 409 409 404' },
    { name: 'PATCH remove an unreadable property (409)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'remove', path: '/x_licence_key' }]), want: '409 409 403 409 409 404' },
    { name: 'PATCH add an unreadable property (decided by create)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'add', path: '/x_licence_key', value: 'v' }]), want: '403 403 403 200 403 404' },
    { name: "PATCH replace a certification ('!': not even admin)", policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/x_certified_by', value: 'v' }]), want: '403 403 403 403 403 404' },
    { name: 'PATCH remove a certification (admin only)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'remove', path: '/x_certified_by' }]), want: '200 403 403 403 403 404' },
    { name: 'PATCH replace an owner property', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/x_owner_team', value: 'v' }]), want: '200 200 403 200 200 404' },
    { name: 'PATCH a base attribute (never protected)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/name', value: 'n' }, { op: 'replace', path: '/min_ram', value: 1 }]), want: '200 200 403 200 200 404' },
    { name: 'PATCH: the first refused change answers', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/x_owner_team', value: 'v' }, { op: 'remove', path: '/x_licence_key' }, { op: 'replace', path: '/x_certified_by', value: 'v' }]), want: '409 409 403 409 409 404' },
    { name: 'show', policies: ['get_image'], request: (i) => ({ method: 'GET', path: `/v2/images/${i._id}` }), want: '200 200 200 200 200 404' },
  ],
});

export const POLICIES_PERSONAS = {
  ADM: { project: 'p-adm', roles: ['admin'] },
  OM: { project: 'p-o', roles: ['member'] },
  SVC: { project: 'p-o', roles: ['member', 'service'] },
  OR: { project: 'p-o', roles: ['reader'] },
};

export const policiesProtectionsTable = defineTable<ImageRecord>({
  name: 'property protections (policies)',
  personas: POLICIES_PERSONAS,
  env: { PROPERTY_PROTECTION_FILE: join(PROJECT_ROOT, 'policies', 'property-protections.policies.conf'), PROPERTY_PROTECTION_RULE_FORMAT: 'policies' },
  setup,
  //                                                                                                               ADM OM  SVC OR
  rows: [
    { name: 'create with a billing code (context_is_admin)', policies: ['add_image'], request: () => create({ x_billing_code: 'B' }), want: '201 403 403 403' },
    { name: 'create with a service property (service_api)', policies: ['add_image'], request: () => create({ x_service_state: 's' }), want: '201 403 201 403' },
    { name: 'create with anything else (default)', policies: ['add_image'], request: () => create({ os_distro: 'd' }), want: '201 201 201 403' },
    { name: 'PATCH replace a service property', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/x_service_state', value: 'v' }]), want: '200 403 200 403' },
    { name: 'PATCH replace a billing code (unreadable to non-admins: 409)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/x_billing_code', value: 'v' }]), want: '200 409 409 403' },
    { name: "PATCH replace a certification ('!')", policies: ['modify_image'], request: (i) => patch(i, [{ op: 'replace', path: '/x_certified_by', value: 'v' }]), want: '403 403 403 403' },
    { name: 'PATCH remove a certification (context_is_admin)', policies: ['modify_image'], request: (i) => patch(i, [{ op: 'remove', path: '/x_certified_by' }]), want: '200 403 403 403' },
  ],
});

/**
 * The standard grid of `policy diff`: fixed personas (admin, member and reader of the owning
 * project and of others, a member of a shared image, a service user, system- and domain-scoped
 * tokens, no roles, anonymous) and resources (images of every visibility and membership, owned
 * and not, namespaces public and private, own and other), crossed with every enforced rule on
 * the targets the service checks it against.
 */
import type { Persona, Resource } from './targets.js';

export const GRID_PERSONAS: Readonly<Record<string, Persona>> = {
  admin: { project: 'admin', roles: ['admin'] },
  'alpha-member': { project: 'alpha', roles: ['member'] },
  'alpha-reader': { project: 'alpha', roles: ['reader'] },
  'alpha-no-role': { project: 'alpha', roles: [] },
  'beta-member': { project: 'beta', roles: ['member'] },
  'beta-reader': { project: 'beta', roles: ['reader'] },
  'gamma-member': { project: 'gamma', roles: ['member'] },
  service: { project: 'service', roles: ['service'] },
  'system-admin': { system_scope: 'all', roles: ['admin'] },
  'system-reader': { system_scope: 'all', roles: ['reader'] },
  'domain-admin': { domain: 'default', roles: ['admin'] },
  anonymous: { anonymous: true },
};

export const GRID_RESOURCES: Readonly<Record<string, Resource>> = {
  'alpha-private': { type: 'image', owner: 'alpha', visibility: 'private' },
  'alpha-shared-beta-accepted': { type: 'image', owner: 'alpha', visibility: 'shared', members: { beta: 'accepted' } },
  'alpha-shared-beta-pending': { type: 'image', owner: 'alpha', visibility: 'shared', members: { beta: 'pending' } },
  'alpha-shared-no-members': { type: 'image', owner: 'alpha', visibility: 'shared' },
  'alpha-public': { type: 'image', owner: 'alpha', visibility: 'public' },
  'alpha-community': { type: 'image', owner: 'alpha', visibility: 'community' },
  'alpha-protected': { type: 'image', owner: 'alpha', visibility: 'private', protected: true },
  'alpha-deactivated': { type: 'image', owner: 'alpha', visibility: 'private', status: 'deactivated' },
  'beta-private': { type: 'image', owner: 'beta', visibility: 'private' },
  'no-owner-public': { type: 'image', owner: null, visibility: 'public' },
  'alpha-ns-private': { type: 'metadef_namespace', owner: 'alpha', visibility: 'private' },
  'alpha-ns-public': { type: 'metadef_namespace', owner: 'alpha', visibility: 'public' },
  'beta-ns-private': { type: 'metadef_namespace', owner: 'beta', visibility: 'private' },
  'admin-ns-public': { type: 'metadef_namespace', owner: 'admin', visibility: 'public' },
};

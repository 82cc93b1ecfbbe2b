/**
 * "Admin" has one definition: the policy's `context_is_admin`. With a POLICY_FILE moving it to
 * another role, a caller holding only the `admin` role is an ordinary project member everywhere
 * (list, show, tasks), and a caller holding the new role is an administrator everywhere.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { imageRecord } from '../helpers/images.js';
import { identityHeaders, MATRIX_ENV, type Identity } from './matrix.js';

const dir = mkdtempSync(join(tmpdir(), 'admin-policy-'));
const policyFile = join(dir, 'policy.yaml');
writeFileSync(policyFile, '"context_is_admin": "role:cloud_admin"\n');

const ROLE_ADMIN: Identity = { project: 'p-role-admin', roles: ['admin'] };
const CLOUD_ADMIN: Identity = { project: 'p-cloud-admin', roles: ['cloud_admin'] };

let s: TestServer;
const foreign = imageRecord({ owner: 'p-other', visibility: 'private', status: 'active', name: 'foreign-private' });
const own = imageRecord({ owner: 'p-role-admin', visibility: 'private', status: 'active', name: 'own-private' });
before(async () => {
  s = await startServer({ ...MATRIX_ENV, POLICY_FILE: policyFile });
  await s.app.services.images.repo.insertMany([foreign, own]);
});
after(() => s.close());

async function listed(id: Identity, imageId: string): Promise<boolean> {
  const r = await call(s.url, 'GET', '/v2/images?limit=1000&visibility=all&member_status=all', { headers: identityHeaders(id) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.images.some((i: { id: string }) => i.id === imageId);
}

async function shown(id: Identity, imageId: string): Promise<number> {
  return (await call(s.url, 'GET', `/v2/images/${imageId}`, { headers: identityHeaders(id) })).status;
}

test('the admin role without context_is_admin: another project\'s private image is neither shown nor listed', async () => {
  assert.equal(await shown(ROLE_ADMIN, foreign._id), 404);
  assert.equal(await listed(ROLE_ADMIN, foreign._id), false);
  // its own project's image, as for any member
  assert.equal(await shown(ROLE_ADMIN, own._id), 200);
  assert.equal(await listed(ROLE_ADMIN, own._id), true);
});

test('the role context_is_admin names: another project\'s private image is both shown and listed', async () => {
  assert.equal(await shown(CLOUD_ADMIN, foreign._id), 200);
  assert.equal(await listed(CLOUD_ADMIN, foreign._id), true);
  assert.equal(await shown(CLOUD_ADMIN, own._id), 200);
  assert.equal(await listed(CLOUD_ADMIN, own._id), true);
});

test('the authenticated context carries the policy\'s verdict', async () => {
  const ctx = async (id: Identity) =>
    (await s.app.services.authenticator.authenticate({ headers: Object.fromEntries(Object.entries(identityHeaders(id)).map(([k, v]) => [k.toLowerCase(), v])) } as never, 'req-admin'))!;
  assert.equal((await ctx(ROLE_ADMIN)).isAdmin, false);
  assert.equal((await ctx(CLOUD_ADMIN)).isAdmin, true);
});

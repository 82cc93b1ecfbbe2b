/**
 * The compiled-rule cache is keyed on the caller's policy identity, not the context object:
 * contexts that differ in any field a decision can read must never share compiled rules,
 * and contexts that differ only in request id / expiry must.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthorizer, policyIdentity, type PolicyRule, type SubjectType } from '../../src/authz/index.js';
import { anonymousContext, buildContext, type RequestContext } from '../../src/authn/context.js';

const base = { userId: 'u1', projectId: 'p1', roles: ['member'] };
const variants: [string, RequestContext][] = [
  ['member', buildContext('r1', base)],
  ['reader', buildContext('r2', { ...base, roles: ['reader'] })],
  ['admin', buildContext('r3', { ...base, roles: ['admin'] })],
  ['other project', buildContext('r4', { ...base, projectId: 'p2' })],
  ['no project', buildContext('r5', { ...base, projectId: null })],
  ['system scope', buildContext('r6', { ...base, projectId: null, systemScope: 'all', roles: ['admin'] })],
  ['domain scope', buildContext('r7', { ...base, projectId: null, domainId: 'd1', roles: ['admin'] })],
  ['service role', buildContext('r8', { ...base, serviceRoles: ['service'] })],
  ['anonymous', anonymousContext('r9')],
];

const resources: [string, SubjectType, object][] = [
  ['own private image', 'Image', { _id: 'i1', owner: 'p1', visibility: 'private', protected: false, status: 'active', member_projects: [] }],
  ['foreign private image', 'Image', { _id: 'i2', owner: 'p2', visibility: 'private', protected: false, status: 'active', member_projects: [] }],
  ['shared with p1', 'Image', { _id: 'i3', owner: 'p2', visibility: 'shared', protected: false, status: 'active', member_projects: ['p1'] }],
  ['foreign private namespace', 'MetadefNamespace', { namespace: 'N', owner: 'p2', visibility: 'private', protected: false }],
  ['own namespace', 'MetadefNamespace', { namespace: 'M', owner: 'p1', visibility: 'private', protected: false }],
];
const rules: PolicyRule[] = ['get_image', 'modify_image', 'delete_image', 'publicize_image', 'get_metadef_namespace', 'modify_metadef_namespace'];

test('a shared authorizer decides like a fresh one for every context variant, in any order', () => {
  const shared = createAuthorizer();
  for (const order of [variants, [...variants].reverse()]) {
    for (const [name, ctx] of order) {
      const fresh = createAuthorizer();
      for (const [what, subject, doc] of resources) {
        for (const rule of rules) {
          if ((subject === 'Image') !== rule.includes('image')) continue;
          assert.equal(shared.can(ctx, rule, subject, doc), fresh.can(ctx, rule, subject, doc), `${name}: ${rule} on ${what}`);
        }
      }
      assert.deepEqual(shared.filter(ctx, 'get_image', 'Image'), fresh.filter(ctx, 'get_image', 'Image'), `${name}: image filter`);
    }
  }
});

test('policy identity: equal without request id and expiry, different for every decision field', () => {
  const a = buildContext('r1', { ...base, expiresAt: 1 });
  const b = buildContext('r2', { ...base, expiresAt: 2 });
  assert.equal(policyIdentity(a), policyIdentity(b));
  const ids = new Set(variants.map(([, c]) => policyIdentity(c)));
  assert.equal(ids.size, variants.length);
  for (const field of ['userDomainId', 'projectDomainId', 'domainId', 'systemScope', 'userId'] as const) {
    assert.notEqual(policyIdentity({ ...a, [field]: 'x' }), policyIdentity(a), field);
  }
  assert.notEqual(policyIdentity({ ...a, readOnly: true }), policyIdentity(a), 'readOnly');
  assert.notEqual(policyIdentity({ ...a, isAdmin: true }), policyIdentity(a), 'isAdmin');
  assert.notEqual(policyIdentity({ ...a, authenticated: false }), policyIdentity(a), 'authenticated');
});

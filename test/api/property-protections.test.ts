/**
 * Property protections (PROPERTY_PROTECTION_FILE) through HTTP, beyond the status matrix of
 * test/policy/tables/property-protections.ts: what show and list leave out, the messages,
 * a bad file at start, helper rules of POLICY_FILE in the policies format, and the order
 * against the metadef property validation (PROPERTY_ENFORCEMENT=strict): the protections
 * decide first (403 before a validation 400), as upstream's protection proxy sits in front of
 * the image it guards.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { imageRecord } from '../helpers/images.js';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { ConfigError } from '../../src/config/config.js';

const PATCH = { 'Content-Type': 'application/openstack-images-v2.1-json-patch' };
const tmp = mkdtempSync(join(tmpdir(), 'property-protections-'));
const file = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

let roles: TestServer;
before(async () => {
  roles = await startServer({ PROPERTY_PROTECTION_FILE: join(PROJECT_ROOT, 'policies', 'property-protections.roles.conf') });
});
after(() => roles.close());

const PROPS = { x_billing_code: 'B-17', x_owner_team: 'storage', x_licence_key: 'K-1', x_certified_by: 'qa', os_distro: 'debian' };

test('show and list leave out the properties the caller may not read', async () => {
  const img = imageRecord({ owner: 'p1', visibility: 'public', properties: { ...PROPS } });
  await roles.app.services.images.repo.insertMany([img]);
  const seen = async (who: { project: string; roles: string[] }) => {
    const token = await roles.token(who);
    const shown = await call(roles.url, 'GET', `/v2/images/${img._id}`, { token });
    assert.equal(shown.status, 200, shown.text);
    const listed = await call(roles.url, 'GET', '/v2/images', { token });
    assert.equal(listed.status, 200, listed.text);
    const inList = listed.body.images.find((i: { id: string }) => i.id === img._id);
    const keys = (o: Record<string, unknown>) => Object.keys(PROPS).filter((k) => k in o).sort();
    assert.deepEqual(keys(inList), keys(shown.body), 'list and show agree');
    assert.equal(shown.body.name, img.name, 'base attributes are shown');
    return keys(shown.body);
  };
  assert.deepEqual(await seen({ project: 'p-adm', roles: ['admin'] }), ['os_distro', 'x_billing_code', 'x_certified_by', 'x_owner_team']);
  assert.deepEqual(await seen({ project: 'p1', roles: ['member'] }), ['os_distro', 'x_billing_code', 'x_certified_by', 'x_owner_team']);
  assert.deepEqual(await seen({ project: 'p1', roles: ['reader'] }), ['os_distro', 'x_certified_by', 'x_owner_team']);
  assert.deepEqual(await seen({ project: 'p2', roles: ['reader', 'auditor'] }), ['os_distro', 'x_certified_by', 'x_owner_team']);
  // nobody reads the licence key, yet it is kept: a write by someone who cannot see it does not drop it
  const member = await roles.token({ project: 'p1', roles: ['member'] });
  const r = await call(roles.url, 'PATCH', `/v2/images/${img._id}`, { token: member, headers: PATCH, body: [{ op: 'replace', path: '/x_owner_team', value: 'net' }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.x_owner_team, 'net');
  assert.equal(r.body.x_licence_key, undefined);
  assert.equal((await roles.app.services.images.repo.get(img._id))!.properties.x_licence_key, 'K-1');
});

test('a refused create, update or delete is 403 naming the property; nothing is written', async () => {
  const member = await roles.token({ project: 'p1', roles: ['member'] });
  const c = await call(roles.url, 'POST', '/v2/images', { token: member, body: { name: 'x', os_distro: 'd', x_billing_code: 'B' } });
  assert.equal(c.status, 403, c.text);
  assert.match(c.body.message, /'x_billing_code'/);
  assert.equal((await call(roles.url, 'GET', '/v2/images?name=x', { token: member })).body.images.length, 0);
  const ok = await call(roles.url, 'POST', '/v2/images', { token: member, body: { name: 'y', x_owner_team: 't', os_version: '12' } });
  assert.equal(ok.status, 201, ok.text);
  const id = ok.body.id;
  const admin = await roles.token({ project: 'p-adm', roles: ['admin'] });
  assert.equal((await call(roles.url, 'PATCH', `/v2/images/${id}`, { token: admin, headers: PATCH, body: [{ op: 'add', path: '/x_billing_code', value: 'B' }] })).status, 200);
  for (const [op, want] of [
    [{ op: 'replace', path: '/x_billing_code', value: 'C' }, /'x_billing_code'/],
    [{ op: 'remove', path: '/x_billing_code' }, /'x_billing_code'/],
  ] as const) {
    const r = await call(roles.url, 'PATCH', `/v2/images/${id}`, { token: member, headers: PATCH, body: [{ op: 'replace', path: '/x_owner_team', value: 'changed' }, op] });
    assert.equal(r.status, 403, r.text);
    assert.match(r.body.message, want);
  }
  const after = await call(roles.url, 'GET', `/v2/images/${id}`, { token: member });
  assert.equal(after.body.x_owner_team, 't', 'the allowed change of a refused PATCH is not written');
  assert.equal(after.body.x_billing_code, 'B');
  const missing = await call(roles.url, 'PATCH', `/v2/images/${id}`, { token: admin, headers: PATCH, body: [{ op: 'remove', path: '/x_licence_key' }] });
  assert.equal(missing.status, 409, missing.text);
  assert.match(missing.body.message, /x_licence_key/);
});

test('policies format: helper rules of POLICY_FILE decide, checked on an empty target', async () => {
  const conf = file('helper.conf', '[^x_billing_]\ncreate = billing_admin\nread = @\nupdate = billing_admin\ndelete = !\n\n[.*]\ncreate = @\nread = @\nupdate = @\ndelete = @\n');
  const policy = file('helper-policy.yaml', '"billing_admin": "role:admin or role:Billing"\n');
  const s = await startServer({ PROPERTY_PROTECTION_FILE: conf, PROPERTY_PROTECTION_RULE_FORMAT: 'policies', POLICY_FILE: policy });
  try {
    const billing = await s.token({ project: 'p1', roles: ['member', 'billing'] });
    const member = await s.token({ project: 'p1', roles: ['member'] });
    assert.equal((await call(s.url, 'POST', '/v2/images', { token: billing, body: { x_billing_code: 'B' } })).status, 201);
    const r = await call(s.url, 'POST', '/v2/images', { token: member, body: { x_billing_code: 'B' } });
    assert.equal(r.status, 403, r.text);
  } finally {
    await s.close();
  }
});

test('a bad file stops the service at start with the file, line and reason', async () => {
  const cases: [string, string, Record<string, string>, RegExp][] = [
    ['syntax.conf', '[x_a]\ncreate = @\nthis line has no separator\n', {}, /syntax\.conf:3: expected "key = value"/],
    ['regex.conf', '[.*]\nread = @\n\n[(x)\\1]\nread = @\n', {}, /regex\.conf:4: \[\(x\)\\1\] is not a regular expression RE2 accepts/],
    ['mixed.conf', '[x_]\ncreate = admin\nread = @, !\n', {}, /mixed\.conf:3: '@' and '!' are mutually exclusive/],
    ['policy.conf', '[x_]\ncreate = context_is_admin\nupdate = no_such_rule\n', { PROPERTY_PROTECTION_RULE_FORMAT: 'policies' }, /policy\.conf:3: \[x_\] update names the policy rule "no_such_rule"/],
    ['two.conf', '[x_]\ncreate = a, b\n', { PROPERTY_PROTECTION_RULE_FORMAT: 'policies' }, /two\.conf:2: one policy rule per operation/],
    ['key.conf', '[x_]\nupadte = admin\n', {}, /key\.conf:2: unknown key "upadte"/],
    ['dup.conf', '[x_]\nread = @\n[x_]\nread = @\n', {}, /dup\.conf:3: duplicate section \[x_\]/],
  ];
  for (const [name, text, env, want] of cases) {
    await assert.rejects(startServer({ PROPERTY_PROTECTION_FILE: file(name, text), ...env }), (e: Error) => {
      assert.ok(e instanceof ConfigError, `${name}: ${e.message}`);
      assert.match(e.message, want);
      return true;
    });
  }
  await assert.rejects(startServer({ PROPERTY_PROTECTION_FILE: join(tmp, 'absent.conf') }), /PROPERTY_PROTECTION_FILE .*absent\.conf cannot be read/);
  await assert.rejects(startServer({ PROPERTY_PROTECTION_FILE: file('ok.conf', '[.*]\nread = @\n'), PROPERTY_PROTECTION_RULE_FORMAT: 'acl' }), /PROPERTY_PROTECTION_RULE_FORMAT must be one of roles, policies/);
});

test('with PROPERTY_ENFORCEMENT=strict, the protections decide first: 403 before the validation 400', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'metadefs-'));
  copyFileSync(join(PROJECT_ROOT, 'etc', 'metadefs', 'compute-cpu-pinning.json'), join(dir, 'compute-cpu-pinning.json'));
  const conf = file('cpu.conf', '[^hw_cpu_]\ncreate = admin\nread = @\nupdate = admin\ndelete = admin\n\n[.*]\ncreate = @\nread = @\nupdate = @\ndelete = @\n');
  const s = await startServer({ PROPERTY_PROTECTION_FILE: conf, METADEFS_AUTOLOAD_DIR: dir, PROPERTY_ENFORCEMENT: 'strict' });
  try {
    const member = await s.token({ project: 'p1', roles: ['member'] });
    const admin = await s.token({ project: 'p1', roles: ['admin'] });
    const refused = await call(s.url, 'POST', '/v2/images', { token: member, body: { hw_cpu_policy: 'bogus' } });
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.body.message, /'hw_cpu_policy'/);
    const invalid = await call(s.url, 'POST', '/v2/images', { token: admin, body: { hw_cpu_policy: 'bogus' } });
    assert.equal(invalid.status, 400, invalid.text);
    assert.match(invalid.body.message, /hw_cpu_policy: "bogus"/);
    const img = await call(s.url, 'POST', '/v2/images', { token: admin, body: { hw_cpu_policy: 'dedicated' } });
    assert.equal(img.status, 201, img.text);
    const p = await call(s.url, 'PATCH', `/v2/images/${img.body.id}`, { token: member, headers: PATCH, body: [{ op: 'replace', path: '/hw_cpu_policy', value: 'bogus' }] });
    assert.equal(p.status, 403, p.text);
    const p2 = await call(s.url, 'PATCH', `/v2/images/${img.body.id}`, { token: admin, headers: PATCH, body: [{ op: 'replace', path: '/hw_cpu_policy', value: 'bogus' }] });
    assert.equal(p2.status, 400, p2.text);
    assert.equal((await call(s.url, 'GET', `/v2/images/${img.body.id}`, { token: member })).body.hw_cpu_policy, 'dedicated');
  } finally {
    await s.close();
  }
});

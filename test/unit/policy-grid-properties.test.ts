/**
 * `npm run policy -- test` with property protections: the shipped suites, a wrong property
 * expectation (failure naming persona, rule, section and line), the protection file from the
 * command line or from the suite, helper rules of the policy file, and bad input (exit 2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { testCommand } from '../../src/authz/policy-tests/command.js';

const POLICIES = join(PROJECT_ROOT, 'policies');
const ROLES_CONF = join(POLICIES, 'property-protections.roles.conf');
const dir = mkdtempSync(join(tmpdir(), 'policy-grid-props-'));
let n = 0;
function file(text: string, ext = 'yaml'): string {
  const p = join(dir, `f${++n}.${ext}`);
  writeFileSync(p, text);
  return p;
}
function run(args: string[], defaults: { file: string; format: 'roles' | 'policies' } | null = null): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = testCommand(args, { out: (t) => (out += t), err: (t) => (err += t), defaultPolicyFile: () => null, defaultProtections: () => defaults });
  return { code, out, err };
}

const SUITE = `personas:
  member: {project: alpha, roles: [member]}
  admin: {project: admin, roles: [admin]}
resources:
  img: {type: image, owner: alpha, visibility: private, properties: {x_billing_code: B}}
tests:
  - expect:
      member: {"property:x_billing_code:read": allow, "property:x_billing_code:update": deny}
      admin: {"property:x_licence_key:read": deny}
  - resource: img
    expect:
      member: {"property:x_billing_code:delete": deny, "property:x_new:create": allow}
`;

test('the shipped property protection suites pass', () => {
  for (const f of ['property-protections-roles.yaml', 'property-protections-policies.yaml']) {
    const r = run([join(POLICIES, 'tests', f)]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /policy tests: \d+ passed, 0 failed/);
    assert.match(r.out, /property protections \S+\.conf: (\d+)\/\1 section operations have an allow and a deny expectation\n/);
  }
});

test('protection coverage names the section operations no expectation reaches', () => {
  const r = run(['--property-protection-file', ROLES_CONF, '--format', 'text', file(SUITE)]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /property protections \S+roles\.conf: 2\/20 section operations .*; uncovered: \[\^x_billing_\] create \(no allow, no deny\), \[\^x_billing_\] read \(no deny\)/);
  // an '@' operation needs only an allow
  assert.match(r.out, /\[\.\*\] read \(no allow\),/);
  const json = JSON.parse(run(['--property-protection-file', ROLES_CONF, '--format', 'json', file(SUITE)]).out);
  assert.equal(json.propertyProtections[0].covered, 2);
  assert.equal(json.propertyProtections[0].operations, 20);
});

test('the protection file comes from the command line, the setting, or the suite', () => {
  const f = file(SUITE);
  assert.equal(run(['--property-protection-file', ROLES_CONF, f]).code, 0);
  assert.equal(run([f], { file: ROLES_CONF, format: 'roles' }).code, 0);
  const own = file(`property_protections: {file: ${ROLES_CONF}}\n${SUITE}`);
  // the suite's own file wins over the command line's
  assert.equal(run(['--property-protection-file', join(POLICIES, 'property-protections.policies.conf'), '--property-protection-rule-format', 'policies', own]).code, 0);
  const r = run(['--property-protection-file=', f], { file: ROLES_CONF, format: 'roles' });
  assert.equal(r.code, 2, 'an empty option turns the setting off');
  assert.match(r.err, /needs property protections/);
});

test('a wrong property expectation fails with the persona, the rule, the section and its line', () => {
  const f = file(SUITE.replace('"property:x_billing_code:update": deny', '"property:x_billing_code:update": allow'));
  const r = run(['--property-protection-file', ROLES_CONF, f]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /FAIL .* persona member, resource \(none\), rule property:x_billing_code:update: expected allow, actual deny \(decided by property protections\)/);
  assert.match(r.out, new RegExp(`first matching section \\[\\^x_billing_\\] \\(${ROLES_CONF}:\\d+\\)`));
  assert.match(r.out, /update = admin; caller roles \[member, reader\]/);
  assert.match(r.out, /policy tests: 4 passed, 1 failed/);
  // on a hidden image, get_image decides first
  const hidden = file(SUITE.replace('owner: alpha', 'owner: beta').replace('"property:x_new:create": allow', '"property:x_new:create": deny').replace('"property:x_billing_code:delete": deny', '"property:x_billing_code:delete": allow'));
  const h = run(['--property-protection-file', ROLES_CONF, hidden]);
  assert.equal(h.code, 1);
  assert.match(h.out, /rule property:x_billing_code:delete: expected allow, actual deny \(decided by get_image\)/);
});

test('helper rules of the policy file used by a policies-format file are accepted', () => {
  const conf = file('[.*]\ncreate = billing_admin\nread = @\n', 'conf');
  const policy = file('"billing_admin": "role:admin or role:billing"\n');
  const suite = file(`property_protections: {file: ${conf}, rule_format: policies}
personas:
  billing: {project: alpha, roles: [billing]}
  member: {project: alpha, roles: [member]}
tests:
  - expect:
      billing: {"property:x:create": allow}
      member: {"property:x:create": deny, "property:x:update": deny}
`);
  const r = run(['--policy-file', policy, suite]);
  assert.equal(r.code, 0, r.out + r.err);
  const missing = run([suite]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, new RegExp(`property protections: ${conf}:2: \\[\\.\\*\\] create names the policy rule "billing_admin"`));
});

test('bad input exits 2 naming the file and place', () => {
  const f = file(SUITE);
  let r = run([f]);
  assert.equal(r.code, 2);
  assert.match(r.err, /tests\[0\]\.expect\.member\.property:x_billing_code:read: a property expectation needs property protections/);
  const bad = file('[x_]\nread = @, !\n', 'conf');
  r = run(['--property-protection-file', bad, f]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`property protections: ${bad}:2: '@' and '!' are mutually exclusive`));
  assert.equal(run(['--property-protection-rule-format', 'acl', '--property-protection-file', ROLES_CONF, f]).code, 2);
  assert.equal(run(['--property-protection-rule-format', 'roles', f]).code, 2);
  const cases: [string, RegExp][] = [
    [SUITE.replace('"property:x_new:create": allow', '"property:x_billing_code:create": allow'), /the image already has the property x_billing_code/],
    [SUITE.replace('"property:x_billing_code:delete": deny', '"property:x_other:delete": deny'), /the image has no property x_other/],
    [SUITE.replace('properties: {x_billing_code: B}', 'properties: {x_billing_code: 1}'), /resources\.img\.properties\.x_billing_code: must be a string/],
    [`property_protections: {file: ${ROLES_CONF}, rule_format: acl}\n${SUITE}`, /property_protections\.rule_format: must be one of roles, policies/],
    [`property_protections: {path: x}\n${SUITE}`, /property_protections\.path: unknown key/],
  ];
  for (const [text, want] of cases) {
    const c = run(['--property-protection-file', ROLES_CONF, file(text)]);
    assert.equal(c.code, 2, c.out + c.err);
    assert.match(c.err, want);
  }
});

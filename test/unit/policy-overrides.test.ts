import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createAuthorizer, loadPolicies, PolicyError } from '../../src/authz/index.js';
import { buildContext } from '../../src/authn/context.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import { connectMongo } from '../../src/db/mongo.js';
import { createApp } from '../../src/app.js';

const dir = mkdtempSync(join(tmpdir(), 'policy-overrides-'));
let n = 0;
function policyFile(text: string): string {
  const f = join(dir, `p${++n}.yaml`);
  writeFileSync(f, text);
  return f;
}

const member = buildContext('r', { projectId: 'p1', roles: ['member'] });
const ownImage = { _id: 'i', owner: 'p1', visibility: 'private', member_projects: [] };

test('an override making publicize_image member-allowed changes the decision', () => {
  assert.equal(createAuthorizer().can(member, 'publicize_image', 'Image', ownImage), false);
  const authz = createAuthorizer({ policyFile: policyFile('"publicize_image": "role:admin or role:member"\n') });
  assert.equal(authz.can(member, 'publicize_image', 'Image', ownImage), true);
  // other rules keep their defaults
  assert.equal(authz.can(member, 'copy_image', 'Image', ownImage), false);
  const ex = authz.explain(member, 'publicize_image', 'Image', ownImage);
  assert.equal(ex.check, 'role:admin or role:member');
  assert.ok(ex.trace.some((l) => l.includes('(from POLICY_FILE)')));
});

test('overriding a base rule changes every rule that references it; JSON files work too', () => {
  const authz = createAuthorizer({ policyFile: policyFile('{"context_is_admin": "role:admin or role:superuser"}') });
  const su = buildContext('r', { projectId: 'x', roles: ['superuser'] });
  assert.equal(authz.can(su, 'publicize_image', 'Image', ownImage), true);
  // context_is_admin also drives visibility: the superuser sees a foreign private image
  assert.equal(authz.can(su, 'get_image', 'Image', ownImage), true);
  assert.deepEqual(authz.filter(su, 'get_image', 'Image'), {});
});

test('helper rules are allowed when a rule references them', () => {
  const authz = createAuthorizer({ policyFile: policyFile('"image_owner": "role:member and project_id:%(project_id)s"\n"delete_image": "rule:image_owner and not \'True\':%(protected)s"\n') });
  assert.equal(authz.can(member, 'delete_image', 'Image', ownImage), true);
  assert.equal(authz.can(member, 'delete_image', 'Image', { ...ownImage, protected: true }), false);
});

test('an empty override file changes nothing', () => {
  const authz = createAuthorizer({ policyFile: policyFile('# nothing\n') });
  assert.equal(authz.can(member, 'publicize_image', 'Image', ownImage), false);
});

for (const [name, text, why] of [
  ['unknown rule name', '"publicise_image": "role:member"\n', /rule "publicise_image" is not a known policy name/],
  ['bad syntax', '"publicize_image": "role:admin or"\n', /rule "publicize_image" has bad syntax: unexpected end/],
  ['unbalanced parenthesis', '"get_image": "(role:reader"\n', /rule "get_image" has bad syntax: missing "\)"/],
  ['reference to an undefined rule', '"get_image": "rule:no_such_rule"\n', /rule "get_image" references the undefined rule "no_such_rule"/],
  ['cycle', '"a_helper": "rule:b_helper"\n"b_helper": "rule:a_helper"\n"get_image": "rule:a_helper"\n', /references itself/],
  ['legacy list syntax', '"get_image": [["role:admin"]]\n', /rule "get_image" must be a check string/],
  ['not a mapping', '- a\n- b\n', /must be a mapping/],
  ['invalid YAML', '"get_image": "role:a\n', /not valid YAML/],
] as const) {
  test(`POLICY_FILE error names the rule and the problem: ${name}`, () => {
    const f = policyFile(text);
    assert.throws(() => loadPolicies(f), (e: unknown) => e instanceof PolicyError && why.test((e as Error).message) && (e as Error).message.includes(f));
  });
}

test('a missing POLICY_FILE is an error naming the file', () => {
  assert.throws(() => loadPolicies(join(dir, 'missing.yaml')), /POLICY_FILE .*missing\.yaml cannot be read/);
});

test('the service refuses to start with a bad POLICY_FILE', async () => {
  const f = policyFile('"publicize_image": "role:admin or or role:member"\n');
  const log = createLogger('silent');
  const mongo = await connectMongo(process.env.TEST_MONGODB_URI!, 'policy_overrides_unused', log);
  try {
    const config = loadConfig({ NODE_ENV: 'test', POLICY_FILE: f, DATA_DIR: mkdtempSync(join(tmpdir(), 'glance-data-')) });
    await assert.rejects(createApp({ config, log, mongo }), /rule "publicize_image" has bad syntax: unexpected "or"/);
  } finally {
    await mongo.close();
  }
});

test('npm run policy -- explain prints the deciding rule; exit status 0 allowed, 1 denied', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'scripts/policy.ts', ...args], { encoding: 'utf8', env: { ...process.env, POLICY_FILE: '', ...env } });
  const denied = run(['explain', '--rule', 'publicize_image', '--roles', 'member', '--project', 'p1', '--target', '{"owner":"p1","visibility":"private"}']);
  assert.equal(denied.status, 1, denied.stderr);
  assert.match(denied.stdout, /^DENIED: publicize_image \(decided by publicize_image\)/);
  assert.match(denied.stdout, /role:admin → false \(roles: member, reader\)/);
  const f = policyFile('"publicize_image": "role:admin or role:member"\n');
  const allowed = run(['explain', '--rule', 'publicize_image', '--roles', 'member', '--project', 'p1', '--target', '{"owner":"p1","visibility":"private"}'], { POLICY_FILE: f });
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.match(allowed.stdout, /^ALLOWED: publicize_image/);
  assert.match(allowed.stdout, /role:member → true/);
  const hidden = run(['explain', '--rule', 'get_image', '--roles', 'reader', '--project', 'q', '--target', '{"owner":"p1","visibility":"private"}']);
  assert.match(hidden.stdout, /decided by visibility/);
  const bad = run(['check'], { POLICY_FILE: policyFile('"nope": "@"\n') });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /rule "nope" is not a known policy name/);
});

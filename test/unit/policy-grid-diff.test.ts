/**
 * `npm run policy -- diff`: the decisions of the standard grid an override file changes, and
 * its redundant overrides; and the enforcement table the policy tests decide with.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { loadPolicies } from '../../src/authz/index.js';
import { diffCommand } from '../../src/authz/policy-tests/command.js';
import { policyDiff } from '../../src/authz/policy-tests/diff.js';
import { enforcedRules, NOT_ENFORCED, ruleUse, unknownUses } from '../../src/authz/policy-tests/enforcement.js';

const dir = mkdtempSync(join(tmpdir(), 'policy-diff-'));
let n = 0;
function file(text: string): string {
  const p = join(dir, `p${++n}.yaml`);
  writeFileSync(p, text);
  return p;
}
function run(args: string[], defaultFile: string | null = null) {
  let out = '';
  let err = '';
  const code = diffCommand(args, { out: (t) => (out += t), err: (t) => (err += t), defaultPolicyFile: () => defaultFile });
  return { code, out, err };
}

const GET_IMAGE_DEFAULT = loadPolicies(null).sources.get('get_image')!.text;

test('no policy file: nothing changes, nothing is redundant', () => {
  const r = run([]);
  assert.equal(r.code, 0);
  assert.match(r.out, /\(no policy file: the defaults alone\)/);
  assert.match(r.out, /changed decisions: 0\n/);
  assert.match(r.out, /redundant overrides \(equal to the default\): 0\n/);
});

test('an override: exactly the decisions it changes, and the overrides equal to a default', () => {
  const f = file(
    [
      `publicize_image: "role:admin or (role:member and project_id:%(project_id)s)"`,
      // the default, spelled with other spacing and parentheses: still redundant
      `get_image: ${JSON.stringify(GET_IMAGE_DEFAULT.replace(/ or /g, '   or '))}`,
      `tasks_api_access: "rule:context_is_admin"`,
      `image_owner: "role:member and project_id:%(project_id)s"`,
      `delete_image: "rule:image_owner and not 'True':%(protected)s"`,
      `download_from_store: "!"`,
    ].join('\n'),
  );
  const d = policyDiff(loadPolicies(null), loadPolicies(f));
  assert.ok(d.decisions > 1000, `grid of ${d.decisions}`);
  const rules = new Set(d.changed.map((c) => c.rule));
  assert.deepEqual([...rules].sort(), ['delete_image', 'publicize_image']);
  const has = (persona: string, resource: string, rule: string, from: string, to: string) =>
    d.changed.some((c) => c.persona === persona && c.resource === resource && c.rule === rule && c.default === from && c.override === to);
  assert.ok(has('alpha-member', 'alpha-private', 'publicize_image', 'deny', 'allow'));
  assert.ok(!d.changed.some((c) => c.rule === 'publicize_image' && c.persona === 'beta-member' && c.resource === 'alpha-private'), 'hidden images stay hidden');
  assert.ok(has('alpha-member', 'alpha-protected', 'delete_image', 'allow', 'deny'));
  assert.ok(has('admin', 'alpha-private', 'delete_image', 'allow', 'deny'));
  assert.ok(!has('alpha-member', 'alpha-private', 'delete_image', 'allow', 'deny'));
  assert.deepEqual(d.redundant.map((r) => r.rule).sort(), ['get_image', 'tasks_api_access']);
  assert.deepEqual(d.added, ['image_owner']);
  assert.deepEqual(d.unchecked, ['download_from_store']);

  const text = run(['--policy-file', f]);
  assert.equal(text.code, 0);
  assert.match(text.out, new RegExp(`changed decisions: ${d.changed.length}\\n`));
  assert.match(text.out, /  publicize_image: alpha-member on alpha-private: deny → allow\n/);
  assert.match(text.out, /redundant overrides \(equal to the default\): 2\n  get_image: /);
  const json = run(['--policy-file', f, '--format', 'json']);
  assert.equal(json.code, 0);
  const j = JSON.parse(json.out);
  assert.equal(j.policyFile, f);
  assert.deepEqual(j.changed, d.changed);
  assert.equal(run([], f).out, text.out, 'POLICY_FILE is the default');
});

test('an admin definition override changes what admins may do everywhere', () => {
  const f = file(`context_is_admin: "role:cloud_admin"\n`);
  const d = policyDiff(loadPolicies(null), loadPolicies(f));
  assert.ok(d.changed.some((c) => c.persona === 'admin' && c.rule === 'publicize_image' && c.override === 'deny'));
  assert.ok(d.changed.some((c) => c.persona === 'admin' && c.rule === 'get_image' && c.resource === 'beta-private' && c.override === 'deny'));
  assert.ok(d.changed.every((c) => c.persona === 'admin'));
});

test('bad input exits 2 naming the file', () => {
  const bad = file(`get_image: "role:reader and"\n`);
  const r = run(['--policy-file', bad]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`POLICY_FILE ${bad}: rule "get_image" has bad syntax`));
  assert.equal(run(['--format', 'csv']).code, 2);
});

function sourceFiles(d: string): string[] {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? (name === 'authz' || name === 'generated' ? [] : sourceFiles(p)) : p.endsWith('.ts') ? [p] : [];
  });
}

test('the enforcement table names every enforced rule, and only rules the service checks', () => {
  const policies = loadPolicies(null);
  assert.deepEqual(unknownUses(policies), []);
  const src = sourceFiles(join(PROJECT_ROOT, 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
  const mentioned = (r: string) => src.includes(`'${r}'`);
  for (const rule of enforcedRules(policies)) {
    assert.ok(ruleUse(rule).enforced, `${rule} has no entry in the enforcement table`);
    assert.ok(mentioned(rule), `${rule} is listed as enforced but the service never names it`);
  }
  for (const rule of Object.keys(NOT_ENFORCED)) {
    assert.ok(policies.apiRules.has(rule), rule);
    assert.ok(!mentioned(rule), `${rule} is listed as not enforced but the service names it`);
  }
});

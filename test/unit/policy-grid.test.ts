/**
 * `npm run policy -- test`: policy test suites decided as the service decides, with failures
 * that name the persona, the rule and the reason, JUnit output, rule coverage, and exit status
 * 2 naming the file and place for every kind of bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { createAuthorizer, loadPolicies, type Authorizer } from '../../src/authz/index.js';
import { testCommand } from '../../src/authz/policy-tests/command.js';
import { parseSuite } from '../../src/authz/policy-tests/load.js';
import { ruleCheckFor, runSuite } from '../../src/authz/policy-tests/run.js';

const SUITE = join(PROJECT_ROOT, 'policies', 'tests');
const dir = mkdtempSync(join(tmpdir(), 'policy-grid-'));
let n = 0;
function file(text: string, ext = 'yaml'): string {
  const p = join(dir, `f${++n}.${ext}`);
  writeFileSync(p, text);
  return p;
}

function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = testCommand(args, { out: (t) => (out += t), err: (t) => (err += t), defaultPolicyFile: () => null });
  return { code, out, err };
}

const PERSONAS = `personas:
  alpha-member: {project: alpha, roles: [member]}
  beta-reader: {project: beta, roles: [reader]}
  cloud-admin: {project: admin, roles: [admin]}
resources:
  alpha-private: {type: image, owner: alpha, visibility: private}
  alpha-shared-beta: {type: image, owner: alpha, visibility: shared, members: {beta: accepted}}
  public-ns: {type: metadef_namespace, owner: admin, visibility: public}
`;

test('the shipped suite of the defaults passes at 100% coverage of the enforced rules', () => {
  const r = run(['--coverage-min', '100', SUITE]);
  assert.equal(r.code, 0, r.out + r.err);
  const m = /policy tests: (\d+) passed, 0 failed/.exec(r.out);
  assert.ok(m && Number(m[1]) > 100, r.out);
  assert.match(r.out, /coverage: (\d+)\/\1 enforced rules .* \(100\.0%\)\n/);
});

test('a wrong expectation fails, naming the persona, resource, rule, both outcomes and the reason, with the trace', () => {
  const f = file(`${PERSONAS}tests:
  - name: members cannot publish
    resource: alpha-private
    expect:
      alpha-member: {get_image: allow, publicize_image: allow}
`);
  const r = run([f]);
  assert.equal(r.code, 1);
  const fail = r.out.split('\n').filter((l) => l.startsWith('FAIL'));
  assert.equal(fail.length, 1, r.out);
  assert.match(fail[0], new RegExp(`^FAIL ${f}:13:40 \\[members cannot publish\\] persona alpha-member, resource alpha-private, rule publicize_image: expected allow, actual deny \\(decided by publicize_image\\)$`));
  assert.match(r.out, /publicize_image = "rule:context_is_admin" \(default\)/);
  assert.match(r.out, /role:admin → false/);
  assert.match(r.out, /policy tests: 1 passed, 1 failed\n/);
});

test('an override file changes a decision and the default suite fails on it', () => {
  const over = file(`publicize_image: "role:admin or (role:member and project_id:%(project_id)s)"\n`);
  const r = run(['--policy-file', over, SUITE]);
  assert.equal(r.code, 1);
  const fails = r.out.split('\n').filter((l) => l.startsWith('FAIL'));
  assert.ok(fails.length >= 1);
  assert.ok(fails.every((l) => / rule publicize_image: expected deny, actual allow \(decided by publicize_image\)$/.test(l)), fails.join('\n'));
  assert.ok(fails.some((l) => / persona alpha-member, resource alpha-private, /.test(l)));
  assert.match(r.out, /\(from POLICY_FILE\)/);
});

test('a failure inside an alias (*name) is placed at the alias', () => {
  const over = file(`get_metadef_tag: "!"\n`);
  const r = run(['--policy-file', over, SUITE]);
  assert.equal(r.code, 1);
  const suite = readFileSync(join(SUITE, 'defaults.yaml'), 'utf8').split('\n');
  const places = [...r.out.matchAll(/^FAIL [^ ]*defaults\.yaml:(\d+):(\d+) .* persona ([\w-]+),/gm)];
  assert.ok(places.length >= 3, r.out);
  // the rule's key where it is written out, else the persona whose rules are an alias
  const at = places.map(([, line, col, persona]) => {
    const text = suite[Number(line) - 1].slice(Number(col) - 1);
    assert.ok(text.startsWith('get_metadef_tag:') || text.startsWith(`${persona}: *`), text);
    return text.startsWith('get_metadef_tag:') ? 'rule' : 'alias';
  });
  assert.ok(at.includes('rule') && at.includes('alias'));
});

test('a hidden resource is decided by the read rule first, as the service answers 404', () => {
  const f = file(`${PERSONAS}tests:
  - resource: alpha-private
    expect:
      beta-reader: {modify_image: allow}
`);
  const r = run([f]);
  assert.equal(r.code, 1);
  assert.match(r.out, /rule modify_image: expected allow, actual deny \(decided by get_image\)/);
  assert.match(r.out, /get_image is checked first \(not found when it denies\)/);
});

test('list rules: listed means the list rule and the show rule on the resource', () => {
  const over = file(`get_images: "!"\n`);
  const f = file(`${PERSONAS}tests:
  - resource: alpha-shared-beta
    expect:
      beta-reader: {get_image: allow, get_images: deny}
  - expect:
      beta-reader: {get_images: deny}
`);
  assert.equal(run(['--policy-file', over, f]).code, 0);
  const r = run([f]);
  assert.equal(r.code, 1);
  assert.equal(r.out.split('\n').filter((l) => l.startsWith('FAIL')).length, 2, r.out);
});

test('a list filter that disagrees with the show decision is a failure (an engine fault)', () => {
  // filter() and can() come from the same compiled rules, so no policy file can make them
  // disagree; an authorizer with a faulty filter stands for such a fault.
  const policies = loadPolicies(null);
  const real = createAuthorizer({ policies });
  const faulty: Authorizer = { ...real, filter: (ctx, rule, subject) => (rule === 'get_image' ? { owner: '__nobody__' } : real.filter(ctx, rule, subject)) };
  const suite = parseSuite('inline.yaml', `${PERSONAS}tests:\n  - resource: alpha-private\n    expect:\n      alpha-member: {get_image: allow, get_images: allow, modify_image: allow}\n`, ruleCheckFor(policies));
  assert.ok(runSuite(real, suite).every((r) => r.passed));
  const results = runSuite(faulty, suite);
  const failed = results.filter((r) => !r.passed);
  assert.deepEqual(failed.map((r) => r.rule).sort(), ['get_image', 'get_images']);
  for (const r of failed) {
    assert.equal(r.actual, 'allow');
    assert.match(r.reason!, /^list filter of get_image \{"owner":"__nobody__"\} does not match the document, but get_image allows it$/);
  }
});

test('bad input exits 2 with the file, line, column and place', () => {
  // [file text, where the error is (first occurrence of this text), message]
  const cases: [string, string, RegExp][] = [
    [`${PERSONAS}tests:\n  - resource: alpha-private\n    expect:\n      alpha-member: {get_imgae: allow}\n`, 'get_imgae', /tests\[0\]\.expect\.alpha-member\.get_imgae: unknown rule "get_imgae"/],
    [`${PERSONAS}tests:\n  - resource: alpha-private\n    expect:\n      omega: {get_image: allow}\n`, 'omega', /tests\[0\]\.expect\.omega: unknown persona "omega"/],
    [`${PERSONAS}tests:\n  - resource: nowhere\n    expect:\n      alpha-member: {get_image: allow}\n`, 'resource: nowhere', /tests\[0\]\.resource: unknown resource "nowhere"/],
    [`${PERSONAS}tests:\n  - resource: alpha-private\n    expect:\n      alpha-member: {get_image: yes}\n`, 'get_image: yes', /tests\[0\]\.expect\.alpha-member\.get_image: expected allow or deny \(got "yes"\)/],
    [`${PERSONAS}tests:\n  - resource: alpha-private\n    expect:\n      alpha-member: {tasks_api_access: allow}\n`, 'tasks_api_access', /.*rule tasks_api_access is checked with no resource, not on an image/],
    [`${PERSONAS}tests:\n  - expect:\n      alpha-member: {get_image: allow}\n`, 'get_image: allow', /.*rule get_image is checked with an image resource, not without a resource/],
    [`personas:\n  a: {project: x}\n  a: {project: y}\ntests: []\n`, 'a: {project: y}', /malformed YAML: Map keys must be unique/],
    [`personas:\n  a: {project: x, role: [admin]}\ntests: []\n`, 'role:', /personas\.a\.role: unknown key "role"/],
    [`resources:\n  i: {type: image, visibility: secret}\ntests: []\n`, 'visibility', /resources\.i\.visibility: must be one of public, private, shared, community \(got "secret"\)/],
    [`resources:\n  i: {type: volume}\ntests: []\n`, 'type', /resources\.i\.type: unknown resource type "volume"/],
    [`personas: {}\ntests: []\n`, 'tests', /tests: must be a non-empty list/],
  ];
  for (const [text, at, want] of cases) {
    const f = file(text);
    const r = run([f]);
    assert.equal(r.code, 2, `${text}\n${r.out}${r.err}`);
    assert.equal(r.out, '');
    const before = text.slice(0, text.indexOf(at)).split('\n');
    const place = `${before.length}:${before[before.length - 1].length + 1}`;
    assert.match(r.err, new RegExp(`^policy test: ${f}:${place}: ${want.source}`), r.err);
  }
  const unclosed = file(`${PERSONAS}tests:\n  - resource: alpha-private\n    expect: {alpha-member: {get_image: allow}\n`);
  const r = run([unclosed]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`^policy test: ${unclosed}:\\d+:\\d+: malformed YAML`));
});

test('a bad policy file, option or path exits 2 naming it', () => {
  const bad = file(`get_image: "role:reader"\n"publicize_image": "role:admin or or"\n`);
  let r = run(['--policy-file', bad, SUITE]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`policy error: ${bad}:2: POLICY_FILE ${bad}: rule "publicize_image" has bad syntax`));
  const typo = file(`publicise_image: "role:admin"\n`);
  r = run(['--policy-file', typo, SUITE]);
  assert.equal(r.code, 2);
  assert.match(r.err, /rule "publicise_image" is not a known policy name/);
  assert.equal(run(['--format', 'xml', SUITE]).code, 2);
  assert.equal(run(['--coverage-min', 'most', SUITE]).code, 2);
  assert.equal(run(['--bogus', SUITE]).code, 2);
  assert.equal(run([]).code, 2);
  r = run(['--junit', join(dir, 'no-such-dir', 'junit.xml'), SUITE]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--junit .*junit\.xml: cannot be written/);
  r = run([join(dir, 'missing.yaml')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /missing\.yaml: no such file/);
});

test('coverage under the minimum exits 1 and names the uncovered rules', () => {
  const f = file(`${PERSONAS}tests:\n  - resource: alpha-private\n    expect:\n      alpha-member: {get_image: allow, publicize_image: deny}\n      cloud-admin: {publicize_image: allow}\n`);
  const r = run(['--coverage-min', '50', f]);
  assert.equal(r.code, 1);
  assert.match(r.out, /policy tests: 3 passed, 0 failed\n/);
  assert.match(r.out, /coverage: 1\/(\d+) enforced rules .*; uncovered: add_image \(no allow, no deny\), get_image \(no deny\),/);
  assert.doesNotMatch(r.out, /uncovered:.* publicize_image/);
  assert.match(r.out, /is under the minimum 50%/);
  assert.equal(run(['--coverage-min', '0', f]).code, 0);
});

/** A small XML well-formedness check: one root, balanced tags, quoted attributes, known entities. */
function assertWellFormedXml(xml: string): void {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const re = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(body))) {
    at = re.lastIndex;
    const [, close, name, attrs, selfClose, text] = m;
    for (const s of [text ?? '', attrs ?? '']) for (const ent of s.match(/&[^;]*;?/g) ?? []) assert.match(ent, /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/);
    if (text !== undefined) {
      assert.ok(stack.length || !text.trim(), 'text outside the root element');
      continue;
    }
    if (close) assert.equal(stack.pop(), name);
    else if (!selfClose) {
      if (!stack.length) roots++;
      stack.push(name);
    } else if (!stack.length) roots++;
  }
  assert.equal(at, body.length, `not XML at ${body.slice(at, at + 40)}`);
  assert.deepEqual(stack, []);
  assert.equal(roots, 1);
}

test('--junit writes well-formed XML with one testcase per expectation and the right counts', () => {
  const f = file(`${PERSONAS}tests:
  - name: 'quotes " and <angle> & ampersands'
    resource: alpha-private
    expect:
      alpha-member: {get_image: allow, publicize_image: allow, modify_image: allow}
  - resource: public-ns
    expect:
      beta-reader: {get_metadef_namespace: allow, modify_metadef_namespace: allow}
`);
  const out = join(dir, 'junit.xml');
  assert.equal(run(['--junit', out, f]).code, 1);
  const xml = readFileSync(out, 'utf8');
  assertWellFormedXml(xml);
  assert.match(xml, /<testsuites name="policy tests" tests="5" failures="2" errors="0">/);
  assert.equal(xml.match(/<testcase /g)?.length, 5);
  assert.equal(xml.match(/<failure /g)?.length, 2);
  assert.match(xml, /classname="[^"]*quotes &quot; and &lt;angle&gt; &amp; ampersands"/);
  assert.match(xml, /<failure message="decided by publicize_image"/);
  assert.match(xml, new RegExp(`name="alpha-member publicize_image alpha-private → allow" file="${f}" line="13">`));
  assert.throws(() => assertWellFormedXml('<a><b></a></b>'));
  assert.throws(() => assertWellFormedXml('<a x="1 & 2"/>'));
});

test('--format json reports every result, the failures with their trace, and coverage', () => {
  const f = file(`${PERSONAS}tests:\n  - resource: alpha-private\n    expect:\n      alpha-member: {get_image: allow, publicize_image: allow}\n`);
  const r = run(['--format', 'json', f]);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.equal(j.passed, 1);
  assert.equal(j.failed, 1);
  assert.equal(j.results.length, 2);
  assert.equal(j.failures[0].persona, 'alpha-member');
  assert.equal(j.failures[0].rule, 'publicize_image');
  assert.equal(j.failures[0].expected, 'allow');
  assert.equal(j.failures[0].actual, 'deny');
  assert.ok(j.failures[0].trace.length > 3);
  assert.equal(typeof j.coverage.percent, 'number');
});

test('the command line: exit status 0, 1 and 2 from npm run policy -- test', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'policy.ts'), 'test', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, POLICY_FILE: '' } });
  const ok = cli(['--coverage-min', '100', 'policies/tests']);
  assert.equal(ok.status, 0, ok.stderr);
  const over = file(`publicize_image: "@"\n`);
  assert.equal(cli(['--policy-file', over, 'policies/tests']).status, 1);
  const bad = cli([file('tests: [')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /malformed YAML/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, formatCheck, PolicySyntaxError } from '../../src/authz/parser.js';

const fmt = (s: string) => formatCheck(parsePolicy(s));

test('"" and whitespace always pass; @ passes, ! fails', () => {
  assert.deepEqual(parsePolicy(''), { t: 'true' });
  assert.deepEqual(parsePolicy('   '), { t: 'true' });
  assert.deepEqual(parsePolicy('@'), { t: 'true' });
  assert.deepEqual(parsePolicy('!'), { t: 'false' });
});

test('and binds tighter than or: A or B and C = A or (B and C)', () => {
  assert.equal(fmt('role:a or role:b and role:c'), 'role:a or (role:b and role:c)');
  assert.equal(fmt('role:a and role:b or role:c'), '(role:a and role:b) or role:c');
  assert.equal(fmt('rule:context_is_admin or role:reader and (project_id:%(project_id)s or project_id:%(member_id)s)'), 'rule:context_is_admin or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s))');
});

test('not binds tighter than and; parentheses override precedence', () => {
  assert.equal(fmt('not role:a and role:b'), 'not role:a and role:b');
  assert.deepEqual(parsePolicy('not role:a and role:b'), { t: 'and', items: [{ t: 'not', item: { t: 'role', role: 'a' } }, { t: 'role', role: 'b' }] });
  assert.deepEqual(parsePolicy('not (role:a and role:b)'), { t: 'not', item: { t: 'and', items: [{ t: 'role', role: 'a' }, { t: 'role', role: 'b' }] } });
  assert.equal(fmt('(role:a or role:b) and role:c'), '(role:a or role:b) and role:c');
  assert.equal(fmt('((role:a))'), 'role:a');
  assert.deepEqual(parsePolicy('not not @'), { t: 'not', item: { t: 'not', item: { t: 'true' } } });
});

test('target references keep their own parentheses, also next to grouping parentheses', () => {
  assert.deepEqual(parsePolicy('(project_id:%(project_id)s)'), {
    t: 'generic',
    left: { kind: 'cred', name: 'project_id' },
    right: { kind: 'target', key: 'project_id' },
    text: 'project_id:%(project_id)s',
  });
  const c = parsePolicy("role:member and ('public':%(visibility)s or 'a b':%(name)s)");
  assert.equal(formatCheck(c), "role:member and ('public':%(visibility)s or 'a b':%(name)s)");
});

test('check kinds: role (lower-cased), rule, credential and literal comparisons', () => {
  assert.deepEqual(parsePolicy('role:Admin'), { t: 'role', role: 'admin' });
  assert.deepEqual(parsePolicy('rule:context_is_admin'), { t: 'rule', name: 'context_is_admin' });
  const lit = parsePolicy("'community':%(visibility)s");
  assert.equal(lit.t, 'generic');
  assert.deepEqual((lit as any).left, { kind: 'literal', value: 'community' });
  const cred = parsePolicy('is_admin:True');
  assert.deepEqual((cred as any).left, { kind: 'cred', name: 'is_admin' });
  assert.deepEqual((cred as any).right, { kind: 'literal', value: 'True' });
  assert.equal(fmt('AND_x:y'), "AND_x:'y'"); // a name starting with a keyword is still a check
});

test('keywords are case-insensitive', () => {
  assert.equal(fmt('role:a OR role:b AND NOT role:c'), 'role:a or (role:b and not role:c)');
});

for (const [src, why] of [
  ['role:a or', /end of the check string/],
  ['role:a and and role:b', /unexpected "and"/],
  ['(role:a or role:b', /missing "\)"/],
  ['role:a)', /unexpected "\)"/],
  ['role:a role:b', /unexpected "role:b"/],
  ['admin', /not a check/],
  ['role:', /nothing after the colon/],
  [':x', /no kind/],
  ['project_id:%(project_id)', /exactly %\(key\)s/],
  ["'unterminated:%(x)s", /unterminated quote/],
  ['http://example.com/check', /not supported/],
  ['role:%(x)s', /role checks take a role name/],
  ['not', /end of the check string/],
] as const) {
  test(`syntax error: ${JSON.stringify(src)}`, () => {
    assert.throws(() => parsePolicy(src), (e: unknown) => e instanceof PolicySyntaxError && why.test((e as Error).message));
  });
}

/**
 * The property protection file: upstream Glance's semantics (first matching section, searched
 * anywhere in the name; no match or no key refuses; '@', '!', case-insensitive roles, no
 * admin bypass; policies format), the INI dialect, and two properties of the parser: it throws
 * nothing but a ConfigError naming the line (seeded fast-check; FUZZ_SEED / FUZZ_RUNS change the
 * seed and the run count), and its time is linear in the file (a 4× larger adversarial file
 * takes under 8× as long, CPU time, minimum of several interleaved runs).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/config.js';
import { buildContext } from '../../src/authn/context.js';
import { createAuthorizer, loadPolicies } from '../../src/authz/index.js';
import { parseIni, INI_MAX_BYTES } from '../../src/authz/protections/ini.js';
import { parseProtections, PROTECTION_OPS, type ProtectionOp } from '../../src/authz/protections/load.js';

const SEED = Number(process.env.FUZZ_SEED ?? 17);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

function authz(text: string, format: 'roles' | 'policies' = 'roles') {
  return createAuthorizer({ policies: loadPolicies(null), protections: parseProtections(text, 'pp.conf', format) });
}
const ctx = (roles: string[]) => buildContext('t', { userId: 'u', projectId: 'p1', roles });
const can = (a: ReturnType<typeof authz>, roles: string[], op: ProtectionOp, name: string) => a.canProperty(ctx(roles), op, name);

describe('semantics (upstream property_utils)', () => {
  it('the first matching section in file order decides, matching anywhere in the name', () => {
    const a = authz('[foo]\nread = admin\n\n[^x_foo$]\nread = @\n\n[.*]\nread = @\n');
    assert.equal(can(a, ['member'], 'read', 'x_foo'), false, 'the earlier [foo] matches inside x_foo');
    assert.equal(can(a, ['member'], 'read', 'x_bar'), true);
    assert.equal(can(a, ['admin'], 'read', 'x_foo'), true);
  });
  it('a property no section matches is refused every operation; an empty file protects nothing', () => {
    const a = authz('[^x_]\ncreate = @\nread = @\nupdate = @\ndelete = @\n');
    for (const op of PROTECTION_OPS) {
      assert.equal(can(a, ['admin'], op, 'os_distro'), false);
      assert.equal(can(a, ['admin'], op, 'x_a'), true);
    }
    const empty = authz('# nothing\n');
    for (const op of PROTECTION_OPS) assert.equal(can(empty, [], op, 'anything'), true);
  });
  it("a missing key is no one; '!' beats admin; '@' is anyone; no admin bypass", () => {
    const a = authz('[x_]\ncreate = member\nupdate = !\ndelete = @\n');
    assert.equal(can(a, ['admin'], 'read', 'x_a'), false);
    assert.equal(can(a, ['admin'], 'update', 'x_a'), false);
    assert.equal(can(a, [], 'delete', 'x_a'), true);
    const onlyOther = authz('[x_]\ncreate = spl_role\n');
    assert.equal(can(onlyOther, ['admin'], 'create', 'x_a'), false, 'admin is not listed');
    assert.equal(can(onlyOther, ['spl_role'], 'create', 'x_a'), true);
  });
  it('roles compare case-insensitively, both ways; an empty value is no one', () => {
    const a = authz('[x_]\ncreate = Spl_Role , other\nread =\n');
    assert.equal(can(a, ['SPL_ROLE'], 'create', 'x_a'), true);
    assert.equal(can(a, ['spl_role'], 'read', 'x_a'), false);
  });
  it('[DEFAULT] entries fill the keys a section leaves out; keys are case-insensitive; continuation lines join the list', () => {
    const a = authz('[DEFAULT]\nread = @\n\n[x_]\nCREATE = alpha,\n  beta\n');
    assert.equal(can(a, [], 'read', 'x_a'), true);
    assert.equal(can(a, ['beta'], 'create', 'x_a'), true);
    assert.equal(can(a, ['beta'], 'update', 'x_a'), false);
  });
  it('policies format: the named rule decides on an empty target; @ and ! work too', () => {
    const a = authz('[x_]\ncreate = context_is_admin\nread = @\nupdate = !\ndelete = add_image\n', 'policies');
    assert.equal(can(a, ['admin'], 'create', 'x_a'), true);
    assert.equal(can(a, ['member'], 'create', 'x_a'), false);
    assert.equal(can(a, [], 'read', 'x_a'), true);
    assert.equal(can(a, ['admin'], 'update', 'x_a'), false);
    // add_image holds for a member only with project_id:%(owner)s, which an empty target lacks
    assert.equal(can(a, ['member'], 'delete', 'x_a'), false);
    assert.equal(can(a, ['admin'], 'delete', 'x_a'), true);
  });
});

describe('the INI dialect', () => {
  const bad = (text: string, re: RegExp, format = 'roles') =>
    assert.throws(() => parseProtections(text, 'f.conf', format), (e: Error) => e instanceof ConfigError && re.test(e.message));
  it('reports the line and reason of each problem', () => {
    bad('read = @\n', /f\.conf:1: an entry before any \[section\]/);
    bad('[x]\n\n\n[y] trailing\n', /f\.conf:4: a section header must end with "]"/);
    bad('[]\n', /f\.conf:1: empty section name/);
    bad('[x]\nread = @\nREAD = @\n', /f\.conf:3: duplicate key "read"/);
    bad('[x]\n= @\n', /f\.conf:2: an entry without a key/);
    bad('[x]\nread = 50%\n', /f\.conf:2: a '%' must be written '%%'/);
    bad('[x]\nread = a,\n  b%(x)s\n', /f\.conf:2: a '%' must be written/);
    bad('[a(?=b)]\nread = @\n', /f\.conf:1: \[a\(\?=b\)\] is not a regular expression RE2 accepts/);
    bad('[x]\nread = rule one\n', /f\.conf:2: a policy rule name has no spaces/, 'policies');
    bad('[x]\nread = @\n', /PROPERTY_PROTECTION_RULE_FORMAT must be roles or policies/, 'acl');
    bad(`[x]\n${'#'.repeat(INI_MAX_BYTES)}\n`, /larger than/);
  });
  it('reads comments, CRLF, a BOM, ":" separators and %% escapes', () => {
    const ini = parseIni('\ufeff; c\r\n[a]\r\n# c\r\nread: x%%y\r\n', 'f');
    assert.equal(ini.sections[0].name, 'a');
    assert.equal(ini.sections[0].entries.get('read')!.value, 'x%y');
    assert.equal(ini.sections[0].entries.get('read')!.line, 4);
  });
});

describe('the parser throws nothing but a ConfigError naming a line', () => {
  const piece = fc.constantFrom('[', ']', '=', ':', '#', ';', '%', '%%', '\n', '\r\n', ' ', '\t', 'x_', '.*', '@', '!', ',', '(', ')', '\\', '?', '$', '^', 'create', 'read', 'update', 'delete', 'DEFAULT', 'admin', 'context_is_admin', '\ufeff', 'é');
  const line = fc.array(piece, { maxLength: 12 }).map((a) => a.join(''));
  const sectioned = fc.array(fc.oneof(line, fc.constantFrom('[x_a]', '[.*]', '[DEFAULT]', 'read = @', 'create = admin, member', '  more')), { maxLength: 30 }).map((a) => a.join('\n'));
  for (const format of ['roles', 'policies'] as const) {
    it(`${format} format`, () => {
      fc.assert(
        fc.property(fc.oneof(sectioned, fc.string({ maxLength: 300 })), (text) => {
          try {
            const p = parseProtections(text, 'f.conf', format);
            for (const s of p.sections) for (const op of PROTECTION_OPS) assert.ok(s.ops[op].kind);
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            assert.match(e.message, /^Invalid configuration: f\.conf:\d+: \S/);
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
    });
  }
});

describe('the parser is linear in the file', () => {
  const SMALL = 200 * 1024;
  const LARGE = 4 * SMALL;
  const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  const numbered = (make: (i: number) => string, size: number) => {
    const parts: string[] = [];
    let n = 0;
    for (let i = 0; n < size; i++) {
      const p = make(i);
      parts.push(p);
      n += p.length;
    }
    return parts.join('');
  };
  const SHAPES: [string, (n: number) => string][] = [
    ['blank lines', (n) => fill('\n', n)],
    ['comments', (n) => `[a]\n${fill('# c\n', n)}`],
    ['one long continued value', (n) => `[a]\nread = x\n${fill('  y,\n', n)}`],
    ['one long list of roles', (n) => `[a]\nread = ${fill('r,', n)}\n`],
    ['escapes', (n) => `[a]\nread = ${fill('%%', n)}\n`],
    ['a long line without separator', (n) => `[a]\n${fill('a', n)}`],
    ['a long header', (n) => `[${fill('[', n)}]\n`],
    ['many keys', (n) => `[a]\n${numbered((i) => `k${i} = v\n`, n)}`],
    ['many sections', (n) => numbered((i) => `[s${i}]\nread = @\n`, n)],
    ['CR everywhere', (n) => fill('\r\r\n', n)],
  ];
  const cpu = (f: () => void) => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  for (const [what, make] of SHAPES) {
    it(what, () => {
      const run = (text: string) => () => {
        try {
          parseProtections(text, 'f', 'roles');
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
        }
      };
      const small = run(make(SMALL));
      const large = run(make(LARGE));
      let s = Infinity;
      let l = Infinity;
      const start = performance.now();
      for (let round = 0; round < 10 && (round < 1 || performance.now() - start < 2500); round++) {
        for (let i = 0; i < 3; i++) {
          s = Math.min(s, cpu(small));
          l = Math.min(l, cpu(large));
        }
        if (l < 8 * s || l < 2) return;
      }
      assert.fail(`${what}: ${s.toFixed(2)} ms vs ${l.toFixed(2)} ms`);
    });
  }
});

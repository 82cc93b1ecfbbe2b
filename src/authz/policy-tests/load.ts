/**
 * Reads policy test files (YAML: personas, resources, tests with expect maps) and checks them
 * completely before anything runs: every error names the file, line and column and the path
 * of the offending entry.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { IMAGE_STATUSES } from '../../domain/image-status.js';
import type { Persona, Resource } from './targets.js';

/** Bad input: a malformed file, or one that names an unknown rule, persona or resource. */
export class PolicyTestInputError extends Error {}

export type Outcome = 'allow' | 'deny';

export interface Expectation {
  persona: string;
  rule: string;
  expected: Outcome;
  /** `file:line:column` of the expectation. */
  where: string;
}

export interface TestCase {
  name: string;
  resource?: string;
  expectations: Expectation[];
}

export interface Suite {
  file: string;
  /** The suite's own `property_protections: {file, rule_format}` (file relative to the suite). */
  protections?: ProtectionRef;
  personas: Map<string, Persona>;
  resources: Map<string, Resource>;
  tests: TestCase[];
}

export interface ProtectionRef {
  file: string;
  format: 'roles' | 'policies';
}

/** `property:<name>:<op>`: an expectation on property protections rather than a policy rule. */
export function propertyExpectation(rule: string): { name: string; op: 'create' | 'read' | 'update' | 'delete' } | null {
  const m = /^property:(.+):(create|read|update|delete)$/.exec(rule);
  return m ? { name: m[1], op: m[2] as 'create' | 'read' | 'update' | 'delete' } : null;
}

/** Whether a rule may be checked against a target kind; an error message when not. */
export type RuleCheck = (rule: string, target: 'image' | 'metadef_namespace' | 'global') => string | null;

type Path = (string | number)[];

const PERSONA_KEYS = new Set(['project', 'roles', 'user', 'domain', 'system_scope', 'anonymous']);
const IMAGE_KEYS = new Set(['type', 'owner', 'visibility', 'members', 'protected', 'status', 'properties']);
const NAMESPACE_KEYS = new Set(['type', 'owner', 'visibility', 'protected']);
const TEST_KEYS = new Set(['name', 'resource', 'expect']);
const IMAGE_VISIBILITIES = ['public', 'private', 'shared', 'community'];
const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'];

const pathText = (p: Path) => p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Reader {
  private readonly lines = new LineCounter();
  readonly doc: Document;
  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true });
    const err = this.doc.errors[0];
    if (err) {
      const at = err.linePos?.[0];
      throw new PolicyTestInputError(`${file}${at ? `:${at.line}:${at.col}` : ''}: malformed YAML: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
  }

  /**
   * `file:line:col` of the entry at `path` (of its key when it is a map entry); inside an
   * alias (`*name`), of the alias: the nearest entry on the path that is written out.
   */
  where(path: Path): string {
    let offset: number | undefined;
    for (let k = path.length; k > 0 && offset === undefined; k--) {
      const parent = this.doc.getIn(path.slice(0, k - 1), true);
      if (!isMap(parent) && !isSeq(parent)) continue;
      const item = isMap(parent) ? parent.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === path[k - 1]) : parent.items[path[k - 1] as number];
      const node = isPair(item) ? item.key : item;
      offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    }
    if (offset === undefined) offset = (this.doc.contents as { range?: [number, number, number] } | null)?.range?.[0];
    if (offset === undefined) return this.file;
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }

  fail(path: Path, message: string): never {
    throw new PolicyTestInputError(`${this.where(path)}: ${path.length ? `${pathText(path)}: ` : ''}${message}`);
  }
}

function checkKeys(r: Reader, path: Path, value: Record<string, unknown>, allowed: Set<string>): void {
  for (const k of Object.keys(value)) if (!allowed.has(k)) r.fail([...path, k], `unknown key "${k}" (expected one of: ${[...allowed].join(', ')})`);
}

function optString(r: Reader, path: Path, v: unknown, nullable = false): void {
  if (v === undefined || (nullable && v === null)) return;
  if (typeof v !== 'string' || !v) r.fail(path, `must be a non-empty string${nullable ? ' or null' : ''}`);
}

function readPersona(r: Reader, path: Path, v: unknown): Persona {
  if (!isObject(v)) r.fail(path, 'a persona must be a mapping (project, roles, user, domain, system_scope, anonymous)');
  checkKeys(r, path, v, PERSONA_KEYS);
  for (const k of ['project', 'user', 'domain', 'system_scope']) optString(r, [...path, k], v[k]);
  if (v.roles !== undefined && (!Array.isArray(v.roles) || v.roles.some((x) => typeof x !== 'string' || !x))) r.fail([...path, 'roles'], 'must be a list of role names');
  if (v.anonymous !== undefined && typeof v.anonymous !== 'boolean') r.fail([...path, 'anonymous'], 'must be true or false');
  if (v.anonymous === true && Object.keys(v).length > 1) r.fail(path, 'an anonymous persona has no project, roles, user, domain or scope');
  return v as Persona;
}

function oneOf(r: Reader, path: Path, v: unknown, values: readonly string[]): void {
  if (v !== undefined && (typeof v !== 'string' || !values.includes(v))) r.fail(path, `must be one of ${values.join(', ')} (got ${JSON.stringify(v)})`);
}

function readResource(r: Reader, path: Path, v: unknown): Resource {
  if (!isObject(v)) r.fail(path, 'a resource must be a mapping with a type (image or metadef_namespace)');
  if (v.type === 'image') {
    checkKeys(r, path, v, IMAGE_KEYS);
    oneOf(r, [...path, 'visibility'], v.visibility, IMAGE_VISIBILITIES);
    oneOf(r, [...path, 'status'], v.status, IMAGE_STATUSES);
    if (v.members !== undefined) {
      if (!isObject(v.members)) r.fail([...path, 'members'], 'must be a mapping of project to member status');
      for (const [p, s] of Object.entries(v.members)) oneOf(r, [...path, 'members', p], s, MEMBER_STATUSES);
    }
    if (v.properties !== undefined) {
      if (!isObject(v.properties)) r.fail([...path, 'properties'], 'must be a mapping of custom property names to string values');
      for (const [p, s] of Object.entries(v.properties)) if (typeof s !== 'string') r.fail([...path, 'properties', p], 'must be a string');
    }
  } else if (v.type === 'metadef_namespace') {
    checkKeys(r, path, v, NAMESPACE_KEYS);
    oneOf(r, [...path, 'visibility'], v.visibility, ['public', 'private']);
  } else {
    r.fail([...path, 'type'], `unknown resource type ${JSON.stringify(v.type)} (expected image or metadef_namespace; omit the resource for a rule without a target)`);
  }
  optString(r, [...path, 'owner'], v.owner, true);
  if (v.protected !== undefined && typeof v.protected !== 'boolean') r.fail([...path, 'protected'], 'must be true or false');
  return v as Resource;
}

function readMap<T>(r: Reader, key: string, v: unknown, item: (path: Path, v: unknown) => T): Map<string, T> {
  if (v === undefined || v === null) return new Map();
  if (!isObject(v)) r.fail([key], 'must be a mapping of names');
  return new Map(Object.entries(v).map(([name, x]) => [name, item([key, name], x)]));
}

/** Parses and checks one test file. */
export function parseSuite(file: string, text: string, ruleCheck: RuleCheck, hasDefaultProtections = false): Suite {
  const r: Reader = new Reader(file, text);
  const data = r.doc.toJS() as unknown;
  if (!isObject(data)) r.fail([], 'a policy test file is a mapping with personas, resources and tests');
  checkKeys(r, [], data, new Set(['personas', 'resources', 'tests', 'property_protections']));
  const protections = readProtectionRef(r, data.property_protections);
  const personas = readMap(r, 'personas', data.personas, (p, v) => readPersona(r, p, v));
  const resources = readMap(r, 'resources', data.resources, (p, v) => readResource(r, p, v));
  if (!Array.isArray(data.tests) || data.tests.length === 0) r.fail(['tests'], 'must be a non-empty list of tests');
  const tests = data.tests.map((t, i): TestCase => {
    const path: Path = ['tests', i];
    if (!isObject(t)) r.fail(path, 'a test must be a mapping with expect (and optionally name, resource)');
    checkKeys(r, path, t, TEST_KEYS);
    if (t.name !== undefined && typeof t.name !== 'string') r.fail([...path, 'name'], 'must be a string');
    let kind: 'image' | 'metadef_namespace' | 'global' = 'global';
    if (t.resource !== undefined) {
      if (typeof t.resource !== 'string') r.fail([...path, 'resource'], 'must be the name of a resource');
      const res = resources.get(t.resource);
      if (!res) r.fail([...path, 'resource'], `unknown resource "${t.resource}" (not under resources:)`);
      kind = res.type;
    }
    if (!isObject(t.expect) || Object.keys(t.expect).length === 0) r.fail([...path, 'expect'], 'must be a mapping of persona to {rule: allow|deny}');
    const expectations: Expectation[] = [];
    for (const [persona, rules] of Object.entries(t.expect)) {
      const pp: Path = [...path, 'expect', persona];
      if (!personas.has(persona)) r.fail(pp, `unknown persona "${persona}" (not under personas:)`);
      if (!isObject(rules) || Object.keys(rules).length === 0) r.fail(pp, 'must be a mapping of rule to allow or deny');
      for (const [rule, expected] of Object.entries(rules)) {
        const rp: Path = [...pp, rule];
        const prop = propertyExpectation(rule);
        if (prop) {
          const res = t.resource === undefined ? undefined : resources.get(t.resource as string);
          const bad = propertyCheck(prop, kind, res, protections !== undefined || hasDefaultProtections);
          if (bad) r.fail(rp, bad);
        } else {
          const bad = ruleCheck(rule, kind);
          if (bad) r.fail(rp, bad);
        }
        if (expected !== 'allow' && expected !== 'deny') r.fail(rp, `expected allow or deny (got ${JSON.stringify(expected)})`);
        expectations.push({ persona, rule, expected, where: r.where(rp) });
      }
    }
    return { name: typeof t.name === 'string' ? t.name : `test ${i + 1}`, ...(t.resource !== undefined ? { resource: t.resource as string } : {}), expectations };
  });
  return { file, personas, resources, tests, ...(protections ? { protections } : {}) };
}

function readProtectionRef(r: Reader, v: unknown): ProtectionRef | undefined {
  if (v === undefined) return undefined;
  const path: Path = ['property_protections'];
  if (!isObject(v)) r.fail(path, 'must be a mapping {file: <protection file>, rule_format: roles|policies}');
  checkKeys(r, path, v, new Set(['file', 'rule_format']));
  if (typeof v.file !== 'string' || !v.file) r.fail([...path, 'file'], 'must name the property protection file (relative to this test file)');
  oneOf(r, [...path, 'rule_format'], v.rule_format, ['roles', 'policies']);
  return { file: resolve(dirname(r.file), v.file), format: (v.rule_format as 'roles' | 'policies' | undefined) ?? 'roles' };
}

/** Where a property expectation may stand: without a resource, or on an image that has (read, update, delete) or lacks (create) the property. */
function propertyCheck(prop: { name: string; op: string }, kind: string, res: Resource | undefined, protected_: boolean): string | null {
  if (!protected_) return 'a property expectation needs property protections (property_protections: in the file, or --property-protection-file)';
  if (kind === 'metadef_namespace') return 'property expectations are checked without a resource or on an image';
  if (kind === 'global' || res?.type !== 'image') return null;
  const has = Object.prototype.hasOwnProperty.call(res.properties ?? {}, prop.name);
  if (prop.op === 'create' && has) return `the image already has the property ${prop.name} (create judges a property it does not have)`;
  if (prop.op !== 'create' && !has) return `the image has no property ${prop.name} (add it under the resource's properties: to judge ${prop.op})`;
  return null;
}

export function loadSuite(file: string, ruleCheck: RuleCheck, hasDefaultProtections = false): Suite {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PolicyTestInputError(`${file}: cannot be read (${(e as Error).message})`);
  }
  return parseSuite(file, text, ruleCheck, hasDefaultProtections);
}

/**
 * The `property_protections` a test file names, read ahead of the full check (the policy file
 * is loaded with the rules protection files use); a file that cannot be read or parsed is
 * reported by loadSuite.
 */
export function peekProtectionRef(file: string): ProtectionRef | undefined {
  try {
    const r = new Reader(file, readFileSync(file, 'utf8'));
    const data = r.doc.toJS() as unknown;
    return isObject(data) ? readProtectionRef(r, data.property_protections) : undefined;
  } catch {
    return undefined;
  }
}

/** The test files named: files as given, directories searched for *.yaml / *.yml (sorted). */
export function collectFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, named: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new PolicyTestInputError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const n of readdirSync(p).sort()) {
        const child = join(p, n);
        if (statSync(child).isDirectory() || /\.ya?ml$/.test(n)) walk(child, false);
      }
    } else if (named || /\.ya?ml$/.test(p)) out.push(p);
  };
  for (const p of paths) walk(p, true);
  if (!out.length) throw new PolicyTestInputError(`no test files (*.yaml, *.yml) in ${paths.join(', ') || '(nothing named)'}`);
  return out;
}

/**
 * Property protections (PROPERTY_PROTECTION_FILE, Glance's `property_protection_file`): INI
 * sections whose names are regular expressions over property names, each with who may
 * `create`, `read`, `update` and `delete` the properties it matches. The first section (in file
 * order) whose expression matches anywhere in the name decides; a name no section matches is
 * refused every operation; a missing operation key means no one.
 *
 * PROPERTY_PROTECTION_RULE_FORMAT=roles: comma-separated role names (case-insensitive), `@`
 * anyone, `!` no one (the two may not be mixed). `policies`: one policy rule name (or `@`, `!`)
 * per operation, decided as Glance does, with an empty target.
 *
 * Every problem is a ConfigError naming the file, the line and the reason: the service does not
 * start with a file it would misread. Expressions are compiled with RE2 (linear time).
 */
import { readFileSync } from 'node:fs';
import { RE2JS } from 're2js';
import { ConfigError } from '../../config/config.js';
import { parseIni, type IniEntry } from './ini.js';

export const PROTECTION_OPS = ['create', 'read', 'update', 'delete'] as const;
export type ProtectionOp = (typeof PROTECTION_OPS)[number];
export type ProtectionFormat = 'roles' | 'policies';

export type Permission =
  | { kind: 'anyone' }
  | { kind: 'no-one'; why: 'listed' | 'missing' }
  | { kind: 'roles'; roles: string[] }
  | { kind: 'policy'; rule: string; line: number };

export interface ProtectionSection {
  /** The section name as written: a regular expression searched for in the property name. */
  expression: string;
  line: number;
  matches(name: string): boolean;
  ops: Record<ProtectionOp, Permission>;
}

export interface PropertyProtections {
  file: string;
  format: ProtectionFormat;
  sections: ProtectionSection[];
}

/** Longest section expression accepted (RE2 programs grow with the pattern). */
const EXPRESSION_MAX = 1000;

function permission(entry: IniEntry | undefined, format: ProtectionFormat, fail: (line: number, why: string) => never): Permission {
  if (!entry) return { kind: 'no-one', why: 'missing' };
  const value = entry.value.trim();
  if (value === '') return { kind: 'no-one', why: 'missing' };
  if (format === 'policies') {
    if (value.includes(',')) fail(entry.line, `one policy rule per operation in the policies format (got ${JSON.stringify(value)}; combine rules in the policy file)`);
    if (value === '@') return { kind: 'anyone' };
    if (value === '!') return { kind: 'no-one', why: 'listed' };
    if (/\s/.test(value)) fail(entry.line, `a policy rule name has no spaces (got ${JSON.stringify(value)})`);
    return { kind: 'policy', rule: value, line: entry.line };
  }
  const items = value.split(',').map((r) => r.trim()).filter(Boolean);
  const anyone = items.includes('@');
  const noOne = items.includes('!');
  if (anyone && noOne) fail(entry.line, `'@' and '!' are mutually exclusive (got ${JSON.stringify(value)})`);
  if (noOne) return { kind: 'no-one', why: 'listed' };
  if (anyone) return { kind: 'anyone' };
  return { kind: 'roles', roles: [...new Set(items.map((r) => r.toLowerCase()))] };
}

export function parseProtections(text: string, file: string, format: string): PropertyProtections {
  if (format !== 'roles' && format !== 'policies') throw new ConfigError(`Invalid configuration: PROPERTY_PROTECTION_RULE_FORMAT must be roles or policies (got ${JSON.stringify(format)})`);
  const fail = (line: number, why: string): never => {
    throw new ConfigError(`Invalid configuration: ${file}:${line}: ${why}`);
  };
  const ini = parseIni(text, file);
  const known = new Set<string>(PROTECTION_OPS);
  const checkKeys = (entries: Map<string, IniEntry>, where: string) => {
    for (const [k, e] of entries) if (!known.has(k)) fail(e.line, `unknown key "${k}" in ${where} (expected create, read, update or delete)`);
  };
  checkKeys(ini.defaults, '[DEFAULT]');
  const sections = ini.sections.map((s): ProtectionSection => {
    checkKeys(s.entries, `[${s.name}]`);
    if (s.name.length > EXPRESSION_MAX) fail(s.line, `section expression longer than ${EXPRESSION_MAX} characters`);
    let re: RE2JS;
    try {
      re = RE2JS.compile(s.name);
    } catch (e) {
      return fail(s.line, `[${s.name}] is not a regular expression RE2 accepts (back-references and look-around are not supported): ${(e as Error).message}`);
    }
    const ops = {} as Record<ProtectionOp, Permission>;
    for (const op of PROTECTION_OPS) ops[op] = permission(s.entries.get(op) ?? ini.defaults.get(op), format, fail);
    return { expression: s.name, line: s.line, matches: (name) => re.test(name), ops };
  });
  return { file, format, sections };
}

export function loadProtections(file: string, format: string): PropertyProtections {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Invalid configuration: PROPERTY_PROTECTION_FILE ${file} cannot be read (${(e as Error).message})`);
  }
  return parseProtections(text, file, format);
}

/** Policy rule names the file uses (policies format), for the policy loader to accept as referenced helpers. */
export function protectionPolicyRules(p: PropertyProtections): string[] {
  const out = new Set<string>();
  for (const s of p.sections) for (const op of PROTECTION_OPS) if (s.ops[op].kind === 'policy') out.add((s.ops[op] as { rule: string }).rule);
  return [...out];
}

/** A ConfigError naming the line of the first policy rule the file uses that the policies do not define. */
export function checkProtectionPolicies(p: PropertyProtections, known: (rule: string) => boolean): void {
  for (const s of p.sections) {
    for (const op of PROTECTION_OPS) {
      const perm = s.ops[op];
      if (perm.kind === 'policy' && !known(perm.rule)) {
        throw new ConfigError(`Invalid configuration: ${p.file}:${perm.line}: [${s.expression}] ${op} names the policy rule "${perm.rule}", which neither the defaults nor POLICY_FILE define`);
      }
    }
  }
}

/** The first section whose expression matches `name` (upstream's precedence), or null. */
export function sectionFor(p: PropertyProtections, name: string): { index: number; section: ProtectionSection } | null {
  for (let index = 0; index < p.sections.length; index++) if (p.sections[index].matches(name)) return { index, section: p.sections[index] };
  return null;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../openapi.js';
import { POLICY_RULES, type PolicyRule } from '../generated/policy-rules.js';
import { parsePolicy, referencedRules, PolicySyntaxError, type Check } from './parser.js';

/** Named base rules: helpers referenced by the API rules, enforced without a scope check. */
export const BASE_RULES = ['context_is_admin', 'default', 'service_api', 'metadef_default', 'metadef_admin'] as const satisfies readonly PolicyRule[];

const RULE_NAMES: ReadonlySet<string> = new Set(POLICY_RULES);
/** Whether `name` is a rule of the default policies (for names read at run time, such as a CLI argument). */
export const isPolicyRule = (name: string): name is PolicyRule => RULE_NAMES.has(name);

export const DEFAULTS_FILE = join(PROJECT_ROOT, 'policies', 'defaults.yaml');

export class PolicyError extends Error {}

export interface PolicySet {
  /** Parsed check per rule name (defaults, overridden by the operator's file). */
  checks: Map<string, Check>;
  /** Check string as written (for explain). */
  sources: Map<string, { text: string; origin: string }>;
  /** API rules (project-scoped): every default rule that is not a base rule. */
  apiRules: Set<string>;
}

function readRuleFile(path: string, what: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PolicyError(`${what} ${path} cannot be read (${(e as Error).message})`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new PolicyError(`${what} ${path} is not valid YAML/JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new PolicyError(`${what} ${path} must be a mapping of rule names to check strings`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new PolicyError(`${what} ${path}: rule "${name}" must be a check string (got ${Array.isArray(value) ? 'a list' : typeof value}; the legacy list syntax is not supported)`);
    }
    out[name] = value;
  }
  return out;
}

function parseNamed(name: string, text: string, origin: string): Check {
  try {
    return parsePolicy(text);
  } catch (e) {
    if (e instanceof PolicySyntaxError) throw new PolicyError(`${origin}: rule "${name}" has bad syntax: ${e.message} (check string: ${JSON.stringify(text)})`);
    throw e;
  }
}

/**
 * Loads the default rules and the operator's overrides (oslo.policy YAML or JSON). Overrides may
 * replace any known rule and may add helper rules that some rule references with `rule:`; any
 * other unknown name, a reference to an undefined rule, a cycle or bad syntax is an error naming
 * the rule. `referenced` names rules used from elsewhere (the property protection file).
 */
export function loadPolicies(overrideFile?: string | null, defaultsFile: string = DEFAULTS_FILE, opts: { referenced?: Iterable<string> } = {}): PolicySet {
  const defaults = readRuleFile(defaultsFile, 'Default policy file');
  const checks = new Map<string, Check>();
  const sources = new Map<string, { text: string; origin: string }>();
  for (const [name, text] of Object.entries(defaults)) {
    checks.set(name, parseNamed(name, text, 'default policies'));
    sources.set(name, { text, origin: 'default' });
  }
  const apiRules = new Set([...checks.keys()].filter((n) => !(BASE_RULES as readonly string[]).includes(n)));
  if (overrideFile) {
    const overrides = readRuleFile(overrideFile, 'POLICY_FILE');
    const origin = `POLICY_FILE ${overrideFile}`;
    const added: string[] = [];
    for (const [name, text] of Object.entries(overrides)) {
      if (!checks.has(name)) added.push(name);
      checks.set(name, parseNamed(name, text, origin));
      sources.set(name, { text, origin: 'POLICY_FILE' });
    }
    // Rules that the property protection file names (policies format) are referenced too.
    const referenced = new Set<string>(opts.referenced ?? []);
    for (const c of checks.values()) referencedRules(c, referenced);
    for (const name of added) {
      if (!referenced.has(name)) throw new PolicyError(`${origin}: rule "${name}" is not a known policy name and no rule references it (a typo?)`);
    }
  }
  for (const [name, c] of checks) {
    for (const ref of referencedRules(c)) {
      if (!checks.has(ref)) throw new PolicyError(`${overrideFile ? `POLICY_FILE ${overrideFile}` : 'default policies'}: rule "${name}" references the undefined rule "${ref}"`);
    }
  }
  // Cycles (rule:a → rule:b → rule:a) would never terminate.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new PolicyError(`${overrideFile ? `POLICY_FILE ${overrideFile}` : 'default policies'}: rule "${name}" references itself through ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const ref of referencedRules(checks.get(name)!)) visit(ref, [...path, name]);
    state.set(name, 'done');
  };
  for (const name of checks.keys()) visit(name, []);
  return { checks, sources, apiRules };
}

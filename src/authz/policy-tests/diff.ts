/**
 * The impact of an override file: every decision of the standard grid (grid.ts) that differs
 * between the default policies and the defaults with the file, and the overrides that equal a
 * default (redundant, as oslopolicy-list-redundant reports them).
 */
import { createAuthorizer, type Authorizer } from '../authorizer.js';
import { formatCheck } from '../parser.js';
import type { PolicySet } from '../policies.js';
import { decide, type Target } from './decide.js';
import { enforcedRules, ruleUse } from './enforcement.js';
import { GRID_PERSONAS, GRID_RESOURCES } from './grid.js';
import type { Outcome } from './load.js';
import { contextOf, documentOf, type Persona, type Resource } from './targets.js';

export interface Change {
  persona: string;
  /** Resource name, or null for the list/create target. */
  resource: string | null;
  rule: string;
  default: Outcome;
  override: Outcome;
}

export interface PolicyDiff {
  /** Grid size: decisions compared. */
  decisions: number;
  changed: Change[];
  /** Overridden rules whose check is the default's. */
  redundant: { rule: string; check: string }[];
  /** Overridden rules that no endpoint checks (no effect on their own). */
  unchecked: string[];
  /** Rules the file adds (helpers referenced by other rules). */
  added: string[];
}

function outcomes(authz: Authorizer, personas: Record<string, Persona>, resources: Record<string, Resource>, rules: string[]): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  const contexts = Object.entries(personas).map(([name, p]) => [name, contextOf(name, p, authz)] as const);
  const targets: [string | null, Target | undefined][] = [[null, undefined], ...Object.entries(resources).map(([name, r]): [string, Target] => [name, { kind: r.type, doc: documentOf(name, r) }])];
  for (const rule of rules) {
    const use = ruleUse(rule);
    for (const [resName, target] of targets) {
      if (!use.targets.includes(target ? target.kind : 'global')) continue;
      for (const [pName, ctx] of contexts) out.set(JSON.stringify([pName, resName, rule]), decide(authz, ctx, rule, target, false).allowed ? 'allow' : 'deny');
    }
  }
  return out;
}

export function policyDiff(defaults: PolicySet, overridden: PolicySet, personas: Record<string, Persona> = { ...GRID_PERSONAS }, resources: Record<string, Resource> = { ...GRID_RESOURCES }): PolicyDiff {
  const rules = enforcedRules(defaults);
  const before = outcomes(createAuthorizer({ policies: defaults }), personas, resources, rules);
  const after = outcomes(createAuthorizer({ policies: overridden }), personas, resources, rules);
  const changed: Change[] = [];
  for (const [k, was] of before) {
    const now = after.get(k)!;
    if (now === was) continue;
    const [persona, resource, rule] = JSON.parse(k) as [string, string | null, string];
    changed.push({ persona, resource, rule, default: was, override: now });
  }
  const redundant: PolicyDiff['redundant'] = [];
  const unchecked: string[] = [];
  const added: string[] = [];
  const enforced = new Set(rules);
  for (const [rule, src] of overridden.sources) {
    if (src.origin !== 'POLICY_FILE') continue;
    const def = defaults.checks.get(rule);
    if (!def) {
      added.push(rule);
      continue;
    }
    if (formatCheck(def) === formatCheck(overridden.checks.get(rule)!)) redundant.push({ rule, check: src.text });
    else if (!enforced.has(rule) && defaults.apiRules.has(rule)) unchecked.push(rule);
  }
  return { decisions: before.size, changed, redundant, unchecked, added };
}

export function diffText(file: string | null, d: PolicyDiff): string {
  const lines = [`policy diff: ${file ?? '(no policy file: the defaults alone)'} against the defaults, ${d.decisions} decisions on the standard grid`];
  lines.push(`changed decisions: ${d.changed.length}`);
  for (const c of d.changed) lines.push(`  ${c.rule}: ${c.persona} on ${c.resource ?? '(no resource)'}: ${c.default} → ${c.override}`);
  lines.push(`redundant overrides (equal to the default): ${d.redundant.length}`);
  for (const r of d.redundant) lines.push(`  ${r.rule}: ${JSON.stringify(r.check)}`);
  if (d.added.length) lines.push(`helper rules added: ${d.added.join(', ')}`);
  if (d.unchecked.length) lines.push(`overridden rules no endpoint checks: ${d.unchecked.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

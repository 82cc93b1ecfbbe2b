/** Rule coverage of a suite: the enforced rules with both an allow and a deny expectation. */
import type { PolicySet } from '../policies.js';
import { enforcedRules } from './enforcement.js';
import { propertyExpectation, type Outcome } from './load.js';
import { PROTECTION_OPS, sectionFor, type PropertyProtections, type ProtectionOp } from '../protections/load.js';

export interface Coverage {
  enforced: number;
  covered: number;
  percent: number;
  /** Enforced rules lacking an allow or a deny expectation, with what is missing. */
  uncovered: { rule: string; missing: Outcome[] }[];
}

export function coverage(policies: PolicySet, expectations: Iterable<{ rule: string; expected: Outcome }>): Coverage {
  const seen = new Map<string, Set<Outcome>>();
  for (const e of expectations) {
    let s = seen.get(e.rule);
    if (!s) seen.set(e.rule, (s = new Set()));
    s.add(e.expected);
  }
  const rules = enforcedRules(policies);
  const uncovered = rules
    .map((rule) => ({ rule, missing: (['allow', 'deny'] as const).filter((o) => !seen.get(rule)?.has(o)) }))
    .filter((u) => u.missing.length > 0);
  const covered = rules.length - uncovered.length;
  return { enforced: rules.length, covered, percent: rules.length ? (100 * covered) / rules.length : 100, uncovered };
}

export interface ProtectionCoverage {
  file: string;
  /** Section operations (section × create/read/update/delete). */
  operations: number;
  covered: number;
  /** `[expression] op` lacking an allow or a deny expectation. */
  uncovered: { section: string; op: ProtectionOp; missing: Outcome[] }[];
}

/**
 * Coverage of a protection file by property expectations: each section operation with both an
 * allow and a deny somewhere (only an allow for `@`, only a deny for `!` or a missing key); a
 * property expectation counts for the section its name matches first. Reported, not enforced
 * by --coverage-min.
 */
export function protectionCoverage(p: PropertyProtections, expectations: Iterable<{ rule: string; expected: Outcome }>): ProtectionCoverage {
  const seen = new Map<string, Set<Outcome>>();
  for (const e of expectations) {
    const prop = propertyExpectation(e.rule);
    if (!prop) continue;
    const hit = sectionFor(p, prop.name);
    if (!hit) continue;
    const k = `${hit.index}\0${prop.op}`;
    let s = seen.get(k);
    if (!s) seen.set(k, (s = new Set()));
    s.add(e.expected);
  }
  const uncovered: ProtectionCoverage['uncovered'] = [];
  p.sections.forEach((s, i) => {
    for (const op of PROTECTION_OPS) {
      const kind = s.ops[op].kind;
      // '@' can only allow and '!' (or no key) only refuse: one outcome covers them
      const wanted: Outcome[] = kind === 'anyone' ? ['allow'] : kind === 'no-one' ? ['deny'] : ['allow', 'deny'];
      const missing = wanted.filter((o) => !seen.get(`${i}\0${op}`)?.has(o));
      if (missing.length) uncovered.push({ section: s.expression, op, missing });
    }
  });
  const operations = p.sections.length * PROTECTION_OPS.length;
  return { file: p.file, operations, covered: operations - uncovered.length, uncovered };
}

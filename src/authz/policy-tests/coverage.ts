/** Rule coverage of a suite: the enforced rules with both an allow and a deny expectation. */
import type { PolicySet } from '../policies.js';
import { enforcedRules } from './enforcement.js';
import type { Outcome } from './load.js';

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

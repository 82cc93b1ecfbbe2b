/**
 * Runs policy test suites against one authorizer: every expectation is decided (decide.ts) and
 * compared; a list rule whose filter disagrees with the show decision fails too.
 */
import type { Authorizer } from '../authorizer.js';
import type { PolicySet } from '../policies.js';
import { decide, type Target } from './decide.js';
import { ruleUse } from './enforcement.js';
import type { Outcome, RuleCheck, Suite } from './load.js';
import { contextOf, documentOf } from './targets.js';

export interface Result {
  file: string;
  test: string;
  persona: string;
  /** Resource name, or null for a rule without a target. */
  resource: string | null;
  rule: string;
  expected: Outcome;
  actual: Outcome;
  passed: boolean;
  /** Why it failed, in one line. */
  reason?: string;
  /** The explain trace (failures only). */
  trace?: string[];
  where: string;
}

/** The rule check for loading suites: a rule the policies know, on a target the service checks it against. */
export function ruleCheckFor(policies: PolicySet): RuleCheck {
  return (rule, target) => {
    if (!policies.checks.has(rule)) return `unknown rule "${rule}" (npm run policy -- list shows them)`;
    const use = ruleUse(rule);
    if (use.targets.includes(target)) return null;
    const a = (t: string) => (t === 'image' ? 'an image' : `a ${t}`);
    const want = use.targets.map((t) => (t === 'global' ? 'no resource' : `${a(t)} resource`)).join(' or ');
    return `rule ${rule} is checked with ${want}, not ${target === 'global' ? 'without a resource' : `on ${a(target)}`}`;
  };
}

export function runSuite(authz: Authorizer, suite: Suite): Result[] {
  const results: Result[] = [];
  const contexts = new Map([...suite.personas].map(([name, p]) => [name, contextOf(name, p, authz)]));
  for (const t of suite.tests) {
    const res = t.resource === undefined ? undefined : suite.resources.get(t.resource)!;
    const target: Target | undefined = res && t.resource !== undefined ? { kind: res.type, doc: documentOf(t.resource, res) } : undefined;
    for (const e of t.expectations) {
      const d = decide(authz, contexts.get(e.persona)!, e.rule, target);
      const actual: Outcome = d.allowed ? 'allow' : 'deny';
      const passed = actual === e.expected && !d.filterDisagreement;
      const reason = d.filterDisagreement ?? (passed ? undefined : `decided by ${d.decidedBy}`);
      results.push({
        file: suite.file,
        test: t.name,
        persona: e.persona,
        resource: t.resource ?? null,
        rule: e.rule,
        expected: e.expected,
        actual,
        passed,
        ...(reason ? { reason } : {}),
        ...(passed ? {} : { trace: d.trace }),
        where: e.where,
      });
    }
  }
  return results;
}

/**
 * Property protections as CASL field rules on the Image subject, compiled per caller identity
 * like the policy rules (src/authz/authorizer.ts caches them together): one rule per section
 * and operation, action `property:<op>`, whose field pattern is the section's expression, and
 * which is inverted when the caller is refused. CASL gives the rule defined last precedence, so
 * the sections are added in reverse file order: the first matching section decides, and a
 * property no section matches has no rule (refused), as upstream decides.
 */
import { createMongoAbility, type MongoAbility, type RawRuleOf } from '@casl/ability';
import type { RequestContext } from '../../authn/context.js';
import { PROTECTION_OPS, sectionFor, type Permission, type PropertyProtections, type ProtectionOp } from './load.js';

export const propertyAction = (op: ProtectionOp) => `property:${op}` as const;

/** Whether `perm` admits the caller: roles are compared case-insensitively; `policy` asks the policy rule. */
export function permits(perm: Permission, ctx: RequestContext, policy: (rule: string) => boolean): boolean {
  switch (perm.kind) {
    case 'anyone':
      return true;
    case 'no-one':
      return false;
    case 'roles': {
      const mine = new Set(ctx.roles.map((r) => r.toLowerCase()));
      return perm.roles.some((r) => mine.has(r));
    }
    case 'policy':
      return policy(perm.rule);
  }
}

export function propertyAbility(p: PropertyProtections, ctx: RequestContext, policy: (rule: string) => boolean): MongoAbility {
  // An empty file protects nothing (upstream: no rules, every operation allowed).
  if (!p.sections.length) return createMongoAbility(PROTECTION_OPS.map((op) => ({ action: propertyAction(op), subject: 'Image' })));
  const rules: RawRuleOf<MongoAbility>[] = [];
  for (let i = p.sections.length - 1; i >= 0; i--) {
    for (const op of PROTECTION_OPS) {
      const allowed = permits(p.sections[i].ops[op], ctx, policy);
      rules.push({ action: propertyAction(op), subject: 'Image', fields: [String(i)], inverted: !allowed });
    }
  }
  return createMongoAbility(rules, {
    fieldMatcher: (fields: string[]) => {
      const section = p.sections[Number(fields[0])];
      return (field: string) => section.matches(field);
    },
  });
}

/** Why the caller may or may not `op` the property `name`: the lines of a policy test trace. */
export function explainProperty(p: PropertyProtections, ctx: RequestContext, op: ProtectionOp, name: string, policy: (rule: string) => boolean): string[] {
  const hit = sectionFor(p, name);
  if (!p.sections.length) return [`${p.file} has no sections: every property operation is allowed`];
  if (!hit) return [`property ${name}: no section of ${p.file} matches it: every operation refused`];
  const perm = hit.section.ops[op];
  const lines = [`property ${name}: first matching section [${hit.section.expression}] (${p.file}:${hit.section.line})`];
  const mine = `caller roles [${ctx.roles.join(', ')}]`;
  switch (perm.kind) {
    case 'anyone':
      lines.push(`${op} = @ (anyone)`);
      break;
    case 'no-one':
      lines.push(perm.why === 'listed' ? `${op} = ! (no one)` : `${op}: no key in the section: no one`);
      break;
    case 'roles':
      lines.push(`${op} = ${perm.roles.join(', ')}; ${mine}`);
      break;
    case 'policy':
      lines.push(`${op} = policy rule ${perm.rule} (line ${perm.line}) → ${policy(perm.rule) ? 'allowed' : 'denied'}; ${mine}`);
      break;
  }
  lines.push(`decision: ${permits(perm, ctx, policy) ? 'ALLOWED' : 'DENIED'}`);
  return lines;
}

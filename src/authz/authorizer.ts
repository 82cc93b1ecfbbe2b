import { createMongoAbility, subject as asSubject, type MongoAbility } from '@casl/ability';
import type { Document, Filter } from 'mongodb';
import type { RequestContext } from '../authn/context.js';
import { DomainError } from '../domain/errors.js';
import { Lru } from '../lru.js';
import {
  contextIsAdmin,
  credsOf,
  evalFormulaOn,
  foldsVisibility,
  formulaToConditions,
  isContextAdmin,
  normaliseDocument,
  ruleFormula,
  traceCheck,
  visibility,
  wrongScope,
  type Conditions,
  type SubjectType,
} from './compile.js';
import { loadPolicies, type PolicySet } from './policies.js';
import { explainProperty, propertyAbility, propertyAction } from './protections/ability.js';
import type { PropertyProtections, ProtectionOp } from './protections/load.js';
import type { PolicyRule } from '../generated/policy-rules.js';

import { NO_HOOKS, type AuthzHooks } from '../metrics/hooks.js';
export type { SubjectType } from './compile.js';
export type { PolicyRule } from '../generated/policy-rules.js';

/** Matches no document (what `filter()` returns when a rule allows nothing). */
export const EMPTY_RESULT_FILTER: Filter<Document> = Object.freeze({ _id: { $in: [] } }) as Filter<Document>;

export interface EnforceOptions {
  /** Rule that decides whether the caller may see the resource at all (404 when it fails). */
  readRule?: PolicyRule;
  notFoundMessage: string;
  forbiddenMessage?: string;
}

export interface Explanation {
  allowed: boolean;
  /** The rule that decided: the rule asked, or `scope` / `visibility` when those refused first. */
  rule: string;
  /** Check string of the rule asked (after POLICY_FILE overrides). */
  check: string;
  trace: string[];
}

export interface Authorizer {
  /** 403 "Read-only access" for anonymous (read-only) contexts, before any lookup. */
  assertWritable(ctx: RequestContext): void;
  /**
   * Whether `rule` allows the caller on `resource` (an image or namespace document; for a
   * resource being created, its prospective fields). Without a resource (or with subject
   * 'Global') the target is the list/create target `{project_id: <caller's project>}`, or the
   * given object taken as the target dictionary.
   */
  can(ctx: RequestContext, rule: PolicyRule, subject: SubjectType, resource?: object): boolean;
  /** NotFound(notFoundMessage) if `readRule` fails, else Forbidden if `rule` fails (each refusal is counted, see `denied`). */
  enforce(ctx: RequestContext, rule: PolicyRule, subject: SubjectType, resource: object | undefined, opts: EnforceOptions): void;
  /** MongoDB filter of the documents `rule` allows the caller (EMPTY_RESULT_FILTER when none). */
  filter(ctx: RequestContext, rule: PolicyRule, subject: SubjectType): Filter<Document>;
  explain(ctx: RequestContext, rule: PolicyRule, subject: SubjectType, resource?: object): Explanation;
  /** The CASL rules (conditions = MongoDB queries) a rule compiles to for the caller. */
  conditions(ctx: RequestContext, rule: PolicyRule, subject: SubjectType): Conditions[];
  /** Every rule name known to the policy set (helper rules a POLICY_FILE adds included). */
  ruleNames(): string[];
  /** The policy's `context_is_admin` for the caller (what authenticators set `ctx.isAdmin` from). */
  isAdmin(ctx: RequestContext): boolean;
  /** Whether PROPERTY_PROTECTION_FILE is in force. */
  readonly protectsProperties: boolean;
  /** Whether property protections let the caller `op` the custom property `name` (true without a file). */
  canProperty(ctx: RequestContext, op: ProtectionOp, name: string): boolean;
  /** The trace of that decision (empty without a file). */
  explainProperty(ctx: RequestContext, op: ProtectionOp, name: string): string[];
  /** Records that `rule` refused a request, for a caller that checked with `can` and refuses itself. */
  denied(rule: PolicyRule): void;
}

type Compiled = { ability: MongoAbility; conditions: Conditions[] };

const COMPILED_CACHE_MAX = 1000;

/**
 * Every context field a policy decision can depend on (those the compiler reads through
 * credsOf and wrongScope, and the read-only flag), as one string: two contexts with the same
 * identity get the same decision for every rule and resource. Not the request id or expiry.
 */
export function policyIdentity(ctx: RequestContext): string {
  return JSON.stringify([
    ctx.authenticated,
    ctx.userId,
    ctx.projectId,
    ctx.domainId,
    ctx.userDomainId,
    ctx.projectDomainId,
    ctx.roles,
    ctx.serviceRoles,
    ctx.systemScope,
    ctx.isAdmin,
    ctx.readOnly,
  ]);
}

export function createAuthorizer(opts: { policyFile?: string | null; policies?: PolicySet; protections?: PropertyProtections | null; hooks?: AuthzHooks } = {}): Authorizer {
  const policies = opts.policies ?? loadPolicies(opts.policyFile);
  const protections = opts.protections ?? null;
  const hooks = opts.hooks ?? NO_HOOKS;
  // Compiled rules per caller identity (see policyIdentity), least recently used dropped first.
  const cache = new Lru<string, Map<string, Compiled | boolean>>(COMPILED_CACHE_MAX);

  const known = (rule: string) => {
    if (!policies.checks.has(rule)) throw new Error(`Unknown policy rule "${rule}"`);
  };

  /** The cached decisions of one caller identity, most recently used last. */
  function entryFor(ctx: RequestContext): Map<string, Compiled | boolean> {
    const id = policyIdentity(ctx);
    let perCtx = cache.get(id);
    if (!perCtx) cache.set(id, (perCtx = new Map()));
    return perCtx;
  }

  function compiled(ctx: RequestContext, rule: string, subject: 'Image' | 'MetadefNamespace'): Compiled {
    const perCtx = entryFor(ctx);
    const k = `${subject}\0${rule}`;
    let c = perCtx.get(k) as Compiled | undefined;
    if (!c) {
      const conditions = formulaToConditions(ruleFormula(policies, ctx, rule, subject));
      const ability = createMongoAbility(conditions.map((cond) => (Object.keys(cond).length ? { action: rule, subject, conditions: cond } : { action: rule, subject })));
      c = { ability, conditions };
      perCtx.set(k, c);
    }
    return c;
  }

  /** A rule on the list/create target `{project_id: <caller's project>}`: a function of the identity alone, so cached with it. */
  function canOnOwnProject(ctx: RequestContext, rule: string): boolean {
    const perCtx = entryFor(ctx);
    const k = `Global\0${rule}`;
    let allowed = perCtx.get(k) as boolean | undefined;
    if (allowed === undefined) {
      allowed = ruleFormula(policies, ctx, rule, 'Global', { project_id: ctx.projectId }) === true;
      perCtx.set(k, allowed);
    }
    return allowed;
  }

  /** A policy rule named by the protection file, decided as upstream does: on an empty target. */
  const protectionPolicy = (ctx: RequestContext) => (rule: string) => ruleFormula(policies, ctx, rule, 'Global', {}) === true;

  /** The caller's property field rules (see protections/ability.ts), cached with its policy decisions. */
  function propertyRules(ctx: RequestContext): MongoAbility {
    const perCtx = entryFor(ctx);
    let c = perCtx.get('Property') as Compiled | undefined;
    if (!c) {
      c = { ability: propertyAbility(protections!, ctx, protectionPolicy(ctx)), conditions: [] };
      perCtx.set('Property', c);
    }
    return c.ability;
  }

  const globalTarget = (ctx: RequestContext, resource?: object) => (resource as Record<string, unknown> | undefined) ?? { project_id: ctx.projectId };

  function can(ctx: RequestContext, rule: PolicyRule, subject: SubjectType, resource?: object): boolean {
    known(rule);
    if (resource === undefined) return canOnOwnProject(ctx, rule);
    if (subject === 'Global') return ruleFormula(policies, ctx, rule, 'Global', globalTarget(ctx, resource)) === true;
    return compiled(ctx, rule, subject).ability.can(rule, asSubject(subject, normaliseDocument(resource)));
  }

  return {
    assertWritable(ctx) {
      if (ctx.readOnly) throw new DomainError('Forbidden', 'Read-only access');
    },
    can,
    enforce(ctx, rule, subject, resource, o) {
      if (o.readRule && !can(ctx, o.readRule, subject, resource)) {
        hooks.policyDenied(o.readRule);
        throw new DomainError('NotFound', o.notFoundMessage);
      }
      if (!can(ctx, rule, subject, resource)) {
        hooks.policyDenied(rule);
        if (o.readRule === rule) throw new DomainError('NotFound', o.notFoundMessage);
        throw new DomainError('Forbidden', o.forbiddenMessage ?? `You are not authorized to complete ${rule} action.`);
      }
    },
    filter(ctx, rule, subject) {
      known(rule);
      if (subject === 'Global') return can(ctx, rule, 'Global') ? {} : EMPTY_RESULT_FILTER;
      const { ability } = compiled(ctx, rule, subject);
      // As @casl/mongoose's accessibleBy: the rules for (action, subject) become an $or; an
      // inverted rule would be a $nor (policies never produce one).
      const ors: Filter<Document>[] = [];
      for (const r of ability.rulesFor(rule, subject)) {
        const cond = (r.conditions ?? {}) as Filter<Document>;
        if (!Object.keys(cond).length && !r.inverted) return {};
        ors.push(r.inverted ? { $nor: [cond] } : cond);
      }
      if (!ors.length) return EMPTY_RESULT_FILTER;
      return ors.length === 1 ? ors[0] : { $or: ors };
    },
    conditions(ctx, rule, subject) {
      known(rule);
      if (subject === 'Global') return can(ctx, rule, 'Global') ? [{}] : [];
      return compiled(ctx, rule, subject).conditions;
    },
    ruleNames: () => [...policies.checks.keys()],
    denied: (rule) => hooks.policyDenied(rule),
    isAdmin: (ctx) => contextIsAdmin(policies, ctx),
    protectsProperties: protections !== null,
    canProperty: (ctx, op, name) => protections === null || propertyRules(ctx).can(propertyAction(op), 'Image', name),
    explainProperty: (ctx, op, name) => (protections === null ? [] : explainProperty(protections, ctx, op, name, protectionPolicy(ctx))),
    explain(ctx, rule, subject, resource) {
      known(rule);
      const allowed = can(ctx, rule, subject, resource);
      const src = policies.sources.get(rule)!;
      const check = src.text;
      const creds = credsOf(ctx);
      const trace: string[] = [];
      trace.push(
        `context: project=${ctx.projectId ?? 'none'} user=${ctx.userId ?? 'none'} roles=[${ctx.roles.join(', ')}]${ctx.systemScope ? ` system_scope=${ctx.systemScope}` : ''}${ctx.domainId ? ` domain=${ctx.domainId}` : ''}${ctx.authenticated ? '' : ' (anonymous)'}`,
      );
      const isGlobal = subject === 'Global' || resource === undefined;
      const target = isGlobal ? globalTarget(ctx, resource) : normaliseDocument(resource!);
      trace.push(`${isGlobal ? 'target' : `${subject} document`}: ${JSON.stringify(target)}`);
      trace.push(`${rule} = ${JSON.stringify(check)}${src.origin === 'POLICY_FILE' ? ' (from POLICY_FILE)' : ' (default)'}`);
      let decided: string = rule;
      const scope = policies.apiRules.has(rule) ? wrongScope(ctx) : null;
      if (scope) {
        trace.push(`scope: denied: ${scope}`);
        decided = 'scope';
      }
      if (!isGlobal && foldsVisibility(rule, subject)) {
        const admin = isContextAdmin(policies, creds);
        const vis = visibility(subject, admin, ctx.projectId);
        const visible = evalFormulaOn(vis, target);
        trace.push(
          admin
            ? 'visibility: visible (context_is_admin sees everything)'
            : `visibility: ${visible ? 'visible' : 'HIDDEN (answered as not found)'}: visible when ${subject === 'Image' ? 'owner is null, public/community, owned by the caller, or shared with the caller' : 'owner is null, public, or owned by the caller'}`,
        );
        if (!visible && decided === rule) decided = 'visibility';
      }
      const env = { policies, creds, subject: isGlobal ? ('Global' as const) : subject, target: isGlobal ? target : undefined };
      const policyResult = traceCheck(policies.checks.get(rule)!, env, isGlobal ? undefined : target, trace);
      trace.push(`policy ${rule} → ${policyResult}`);
      trace.push(`decision: ${allowed ? 'ALLOWED' : 'DENIED'} by ${decided}`);
      return { allowed, rule: decided, check, trace };
    },
  };
}

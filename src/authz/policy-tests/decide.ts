/**
 * One decision of a policy test, made by the authorizer the service uses, the way the service
 * calls it for that rule and target (see enforcement.ts), with the explain trace of why. For a
 * list rule, the list filter (`Authorizer.filter`, a MongoDB query) is also evaluated on the
 * resource's document and must agree with the show decision.
 */
import { guard } from '@ucast/mongo2js';
import type { RequestContext } from '../../authn/context.js';
import type { Authorizer, PolicyRule, SubjectType } from '../authorizer.js';
import { ruleUse } from './enforcement.js';
import { propertyExpectation } from './load.js';
import { createTarget } from './targets.js';

export interface Target {
  kind: 'image' | 'metadef_namespace';
  doc: Record<string, unknown>;
}

export interface Decision {
  allowed: boolean;
  /** The rule whose answer decided (the read rule when the resource is hidden from the caller). */
  decidedBy: string;
  trace: string[];
  /** Set when the list filter and the show decision disagree on the resource. */
  filterDisagreement?: string;
}

const subjectOf = (kind: Target['kind']): SubjectType => (kind === 'image' ? 'Image' : 'MetadefNamespace');
const readRuleOf = (kind: Target['kind']): PolicyRule => (kind === 'image' ? 'get_image' : 'get_metadef_namespace');

function explainer(withTrace: boolean) {
  return (authz: Authorizer, ctx: RequestContext, rule: string, subject: SubjectType, target?: object): Decision => {
    if (!withTrace) return { allowed: authz.can(ctx, rule as PolicyRule, subject, target), decidedBy: rule, trace: [] };
    const ex = authz.explain(ctx, rule as PolicyRule, subject, target);
    return { allowed: ex.allowed, decidedBy: rule, trace: ex.trace };
  };
}

/** Whether the list filter of `show` for the caller matches the document, compared with `can`. */
function filterCheck(authz: Authorizer, ctx: RequestContext, show: PolicyRule, t: Target, shown: boolean): string | undefined {
  const filter = authz.filter(ctx, show, subjectOf(t.kind));
  const listed = guard(filter as never)(t.doc);
  if (listed === shown) return undefined;
  return `list filter of ${show} ${JSON.stringify(filter)} ${listed ? 'matches' : 'does not match'} the document, but ${show} ${shown ? 'allows' : 'denies'} it`;
}

/**
 * `property:<name>:<op>`: without a resource, what the property protections say; on an image,
 * what a request says: the image must be visible (get_image, else 404), a write needs
 * modify_image (PATCH), then the protections decide.
 */
function decideProperty(authz: Authorizer, ctx: RequestContext, name: string, op: 'create' | 'read' | 'update' | 'delete', target: Target | undefined, withTrace: boolean): Decision {
  const explained = explainer(withTrace);
  const protection = (): Decision => ({ allowed: authz.canProperty(ctx, op, name), decidedBy: 'property protections', trace: withTrace ? authz.explainProperty(ctx, op, name) : [] });
  if (!target) return protection();
  const read = explained(authz, ctx, 'get_image', 'Image', target.doc);
  if (!read.allowed) return { ...read, trace: ['get_image is checked first (not found when it denies):', ...read.trace] };
  if (op !== 'read') {
    const modify = explained(authz, ctx, 'modify_image', 'Image', target.doc);
    if (!modify.allowed) return { ...modify, trace: ['modify_image is checked before the property (PATCH):', ...modify.trace] };
  }
  return protection();
}

/** `withTrace: false` skips the explain trace (same decision, much faster: for large grids). */
export function decide(authz: Authorizer, ctx: RequestContext, rule: string, target?: Target, withTrace = true): Decision {
  const prop = propertyExpectation(rule);
  if (prop) return decideProperty(authz, ctx, prop.name, prop.op, target, withTrace);
  const explained = explainer(withTrace);
  const use = ruleUse(rule);
  if (!target) {
    if (use.creates) {
      const subject = subjectOf(use.creates);
      const d = explained(authz, ctx, rule, subject, createTarget(use.creates, ctx));
      return { ...d, trace: [`(a new ${use.creates} owned by the caller's project)`, ...d.trace] };
    }
    return explained(authz, ctx, rule, 'Global', use.emptyTarget ? {} : undefined);
  }
  const subject = subjectOf(target.kind);
  if (!use.enforced || use.prospective) return explained(authz, ctx, rule, subject, target.doc);
  if (use.show && rule !== use.show) {
    // listed: the list rule on the list target, then the show rule's filter on the document
    const list = explained(authz, ctx, rule, 'Global');
    const show = explained(authz, ctx, use.show, subject, target.doc);
    const disagreement = filterCheck(authz, ctx, use.show, target, show.allowed);
    return {
      allowed: list.allowed && show.allowed,
      decidedBy: list.allowed ? use.show : rule,
      trace: [`${rule} (the list):`, ...list.trace.map((l) => `  ${l}`), `${use.show} (the resource in the list):`, ...show.trace.map((l) => `  ${l}`)],
      ...(disagreement ? { filterDisagreement: disagreement } : {}),
    };
  }
  const readRule = readRuleOf(target.kind);
  const read = explained(authz, ctx, readRule, subject, target.doc);
  const disagreement = use.show === rule ? filterCheck(authz, ctx, use.show, target, read.allowed) : undefined;
  const extra = disagreement ? { filterDisagreement: disagreement } : {};
  if (rule === readRule) return { ...read, ...extra };
  if (!read.allowed) return { ...read, trace: [`${readRule} is checked first (not found when it denies):`, ...read.trace], ...extra };
  return { ...explained(authz, ctx, rule, subject, target.doc), ...extra };
}

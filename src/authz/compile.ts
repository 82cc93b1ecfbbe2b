/**
 * Compiles a policy rule, for one request context, into CASL rules whose conditions are MongoDB
 * query objects over the subject's document fields.
 *
 * Credential checks (roles, project, user, is_admin, ...) are decided here from the context;
 * target checks (`%(key)s`) become field conditions. The result is normalised to a disjunction
 * of conjunctions: CASL has no $or/$and, so each conjunct is one `can` rule and OR is "any rule".
 *
 * Image and namespace rules also carry Glance's DB visibility (an image hidden from the caller
 * is 404 whatever the policy says), so a list filter and a show check come from the same rules.
 */
import { mongoQueryMatcher } from '@casl/ability';
import type { RequestContext } from '../authn/context.js';
import type { Check, Operand } from './parser.js';
import { formatCheck } from './parser.js';
import type { PolicySet } from './policies.js';

export type SubjectType = 'Image' | 'MetadefNamespace' | 'Global';
export type Conditions = Record<string, unknown>;

/** A comparison of one document field with a value (`in`/`nin`: value is a list). */
export interface Atom {
  field: string;
  op: 'eq' | 'ne' | 'in' | 'nin';
  value: unknown;
}
export type Formula = boolean | { and: Formula[] } | { or: Formula[] } | { not: Formula } | { atom: Atom };

/** Fields holding arrays: equality means "contains". */
const ARRAY_FIELDS = new Set(['member_projects']);

/** Rules that judge a resource being created, which is not yet subject to DB visibility. */
const CREATE_RULES = new Set(['add_image', 'add_metadef_namespace']);

// ---------------------------------------------------------------- formula helpers

export const and = (...items: Formula[]): Formula => {
  const out: Formula[] = [];
  for (const i of items) {
    if (i === false) return false;
    if (i !== true) out.push(i);
  }
  return out.length === 0 ? true : out.length === 1 ? out[0] : { and: out };
};
export const or = (...items: Formula[]): Formula => {
  const out: Formula[] = [];
  for (const i of items) {
    if (i === true) return true;
    if (i !== false) out.push(i);
  }
  return out.length === 0 ? false : out.length === 1 ? out[0] : { or: out };
};
export const not = (f: Formula): Formula => (typeof f === 'boolean' ? !f : { not: f });
const atom = (field: string, op: Atom['op'], value: unknown): Formula => ({ atom: { field, op, value } });

// ---------------------------------------------------------------- credentials

export interface Creds {
  [k: string]: unknown;
  project_id: string | null;
  user_id: string | null;
  roles: string[];
}

export function credsOf(ctx: RequestContext): Creds {
  return {
    user_id: ctx.userId,
    project_id: ctx.projectId,
    domain_id: ctx.domainId,
    user_domain_id: ctx.userDomainId,
    project_domain_id: ctx.projectDomainId,
    system_scope: ctx.systemScope,
    roles: ctx.roles,
    service_roles: ctx.serviceRoles,
    is_admin: ctx.isAdmin,
    is_admin_project: true,
  };
}

/** Python's str() of a value, as oslo.policy compares. */
function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

/** The stored values whose str() is `s` (strings, and the booleans/null/numbers they print as). */
function storedValuesFor(s: string): unknown[] {
  const out: unknown[] = [s];
  if (s === 'True') out.push(true);
  else if (s === 'False') out.push(false);
  else if (s === 'None') out.push(null);
  else if (/^-?\d+(\.\d+)?$/.test(s)) out.push(Number(s));
  return out;
}

// ---------------------------------------------------------------- target keys

type TargetRef = { kind: 'field'; field: string } | { kind: 'member' } | { kind: 'value'; value: unknown };

function resolveTarget(subject: SubjectType, key: string, target: Record<string, unknown> | undefined): TargetRef {
  if (subject === 'Global') return { kind: 'value', value: target?.[key] };
  if (key === 'project_id' || key === 'owner') return { kind: 'field', field: 'owner' };
  if (key === 'id' || (subject === 'Image' && key === 'image_id')) return { kind: 'field', field: '_id' };
  if (subject === 'Image' && (key === 'member_id' || key === 'member')) return { kind: 'member' };
  return { kind: 'field', field: key };
}

/** "The caller's project is a member of this shared image it does not own." */
export function membership(projectId: string): Formula {
  return and(atom('visibility', 'eq', 'shared'), atom('member_projects', 'eq', projectId), atom('owner', 'ne', projectId));
}

// ---------------------------------------------------------------- partial evaluation

export interface CompileEnv {
  policies: PolicySet;
  creds: Creds;
  subject: SubjectType;
  /** Global subject only: the target dictionary. */
  target?: Record<string, unknown>;
}

function operandValue(o: Operand, creds: Creds): unknown {
  if (o.kind === 'literal') return o.value;
  if (o.kind === 'cred') {
    let v: unknown = creds;
    for (const part of o.name.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v;
  }
  return undefined;
}

function compileGeneric(c: Extract<Check, { t: 'generic' }>, env: CompileEnv): Formula {
  const left = operandValue(c.left, env.creds);
  if (left === undefined || left === null) return false; // no such credential (or none: anonymous)
  const wanted: string[] = Array.isArray(left) ? left.map(pyStr) : [pyStr(left)];
  if (c.right.kind === 'literal') return wanted.includes(c.right.value);
  if (c.right.kind !== 'target') return false;
  const ref = resolveTarget(env.subject, c.right.key, env.target);
  if (ref.kind === 'value') return ref.value !== undefined && wanted.includes(pyStr(ref.value));
  if (ref.kind === 'member') {
    const p = env.creds.project_id;
    return p && wanted.includes(p) ? membership(p) : false;
  }
  const values = wanted.flatMap(storedValuesFor);
  return values.length === 1 ? atom(ref.field, 'eq', values[0]) : atom(ref.field, 'in', values);
}

export function compileCheck(c: Check, env: CompileEnv): Formula {
  switch (c.t) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'role':
      return env.creds.roles.some((r) => r.toLowerCase() === c.role);
    case 'rule': {
      const ref = env.policies.checks.get(c.name);
      return ref ? compileCheck(ref, env) : false;
    }
    case 'generic':
      return compileGeneric(c, env);
    case 'and':
      return and(...c.items.map((i) => compileCheck(i, env)));
    case 'or':
      return or(...c.items.map((i) => compileCheck(i, env)));
    case 'not':
      return not(compileCheck(c.item, env));
  }
}

/** True when the context is not project-scoped (system or domain token): API rules refuse it. */
export function wrongScope(ctx: RequestContext): string | null {
  if (ctx.systemScope) return `the token is system-scoped (${ctx.systemScope}); every API rule is project-scoped`;
  if (ctx.domainId) return `the token is domain-scoped (${ctx.domainId}); every API rule is project-scoped`;
  return null;
}

export function isContextAdmin(policies: PolicySet, creds: Creds): boolean {
  const c = policies.checks.get('context_is_admin');
  return c ? compileCheck(c, { policies, creds, subject: 'Global', target: {} }) === true : false;
}

/**
 * The one definition of an administrator: the policy's `context_is_admin` for the caller's
 * credentials (as Glance's RequestContext, judged before `is_admin` is known, so false).
 * Anonymous callers never are.
 */
export function contextIsAdmin(policies: PolicySet, ctx: RequestContext): boolean {
  return ctx.authenticated && isContextAdmin(policies, { ...credsOf(ctx), is_admin: false });
}

/** Glance's DB visibility of a document to the caller. */
export function visibility(subject: SubjectType, admin: boolean, projectId: string | null): Formula {
  if (subject === 'Global' || admin) return true;
  const own = projectId ? atom('owner', 'eq', projectId) : false;
  if (subject === 'Image') {
    return or(atom('owner', 'eq', null), atom('visibility', 'in', ['public', 'community']), own, projectId ? and(atom('visibility', 'eq', 'shared'), atom('member_projects', 'eq', projectId)) : false);
  }
  return or(atom('owner', 'eq', null), atom('visibility', 'eq', 'public'), own);
}

export function foldsVisibility(rule: string, subject: SubjectType): boolean {
  return subject !== 'Global' && !CREATE_RULES.has(rule);
}

/** The full formula of a rule for a context: scope, DB visibility and the policy check. */
export function ruleFormula(policies: PolicySet, ctx: RequestContext, rule: string, subject: SubjectType, target?: Record<string, unknown>): Formula {
  const check = policies.checks.get(rule);
  if (!check) throw new Error(`Unknown policy rule "${rule}"`);
  if (policies.apiRules.has(rule) && wrongScope(ctx)) return false;
  const creds = credsOf(ctx);
  const f = compileCheck(check, { policies, creds, subject, target });
  if (!foldsVisibility(rule, subject)) return f;
  return and(visibility(subject, isContextAdmin(policies, creds), creds.project_id), f);
}

// ---------------------------------------------------------------- normal form

const negateAtom = (a: Atom): Atom => ({ ...a, op: a.op === 'eq' ? 'ne' : a.op === 'ne' ? 'eq' : a.op === 'in' ? 'nin' : 'in' });

/** Disjunctive normal form: a list of conjunctions of atoms ([] = false, [[]] = true). */
export function toDnf(f: Formula, negate = false): Atom[][] {
  if (typeof f === 'boolean') return f !== negate ? [[]] : [];
  if ('atom' in f) return [[negate ? negateAtom(f.atom) : f.atom]];
  if ('not' in f) return toDnf(f.not, !negate);
  const isAnd = 'and' in f ? !negate : negate;
  const items = 'and' in f ? f.and : f.or;
  const parts = items.map((i) => toDnf(i, negate));
  if (!isAnd) return parts.flat();
  return parts.reduce<Atom[][]>((acc, p) => acc.flatMap((a) => p.map((b) => [...a, ...b])), [[]]);
}

const key = (v: unknown) => JSON.stringify(v);

/** One conjunction as a MongoDB condition object, or null when it can never hold. */
export function conjunctToConditions(atoms: Atom[]): Conditions | null {
  const byField = new Map<string, Atom[]>();
  for (const a of atoms) byField.set(a.field, [...(byField.get(a.field) ?? []), a]);
  const out: Conditions = {};
  for (const [field, list] of byField) {
    const excluded = new Map<string, unknown>();
    for (const a of list) {
      if (a.op === 'ne') excluded.set(key(a.value), a.value);
      if (a.op === 'nin') for (const v of a.value as unknown[]) excluded.set(key(v), v);
    }
    if (ARRAY_FIELDS.has(field)) {
      const contains = new Map<string, unknown>();
      const anyOf: unknown[][] = [];
      for (const a of list) {
        if (a.op === 'eq') contains.set(key(a.value), a.value);
        if (a.op === 'in') anyOf.push(a.value as unknown[]);
      }
      if ([...contains.keys()].some((k) => excluded.has(k))) return null;
      const ops: Record<string, unknown> = {};
      if (contains.size === 1 && !excluded.size && !anyOf.length) {
        out[field] = [...contains.values()][0];
        continue;
      }
      if (contains.size) ops.$all = [...contains.values()];
      if (excluded.size === 1) ops.$ne = [...excluded.values()][0];
      else if (excluded.size) ops.$nin = [...excluded.values()];
      if (anyOf.length > 1) throw new Error(`policy condition too complex for field ${field}`);
      if (anyOf.length) ops.$in = anyOf[0].filter((v) => !excluded.has(key(v)));
      out[field] = ops;
      continue;
    }
    let allowed: Map<string, unknown> | null = null;
    for (const a of list) {
      if (a.op !== 'eq' && a.op !== 'in') continue;
      const vals: unknown[] = a.op === 'eq' ? [a.value] : (a.value as unknown[]);
      const next = new Map<string, unknown>(vals.map((v) => [key(v), v]));
      if (allowed) for (const k of [...next.keys()]) if (!allowed.has(k)) next.delete(k);
      allowed = next;
    }
    if (allowed) {
      for (const k of excluded.keys()) allowed.delete(k);
      if (!allowed.size) return null;
      const vals = [...allowed.values()];
      out[field] = vals.length === 1 ? (vals[0] === null ? null : vals[0]) : { $in: vals };
    } else if (excluded.size === 1) out[field] = { $ne: [...excluded.values()][0] };
    else out[field] = { $nin: [...excluded.values()] };
  }
  return out;
}

/** The distinct, satisfiable conjunctions of a formula, as MongoDB condition objects. */
export function formulaToConditions(f: Formula): Conditions[] {
  const seen = new Map<string, Conditions>();
  // Drop conjunctions implied by a more general one (a subset of its atoms): same meaning, fewer rules.
  const sets = toDnf(f)
    .map((conj) => new Map(conj.map((a) => [key(a), a])))
    .sort((a, b) => a.size - b.size);
  const kept: Map<string, Atom>[] = [];
  for (const s of sets) if (!kept.some((k) => [...k.keys()].every((x) => s.has(x)))) kept.push(s);
  for (const conj of kept.map((s) => [...s.values()])) {
    const c = conjunctToConditions(conj);
    if (!c) continue;
    if (!Object.keys(c).length) return [{}];
    const k = key(Object.entries(c).sort(([a], [b]) => a.localeCompare(b)));
    if (!seen.has(k)) seen.set(k, c);
  }
  return [...seen.values()];
}

/** Copy of a document as the matchers see it: a missing owner/visibility is null, as in MongoDB. */
export function normaliseDocument(doc: object): Record<string, unknown> {
  const d: Record<string, unknown> = { ...(doc as Record<string, unknown>) };
  for (const f of ['owner', 'visibility']) if (d[f] === undefined) d[f] = null;
  if (d.member_projects === undefined) d.member_projects = [];
  return d;
}

// ---------------------------------------------------------------- explain

function evalFormulaOn(f: Formula, doc: Record<string, unknown>): boolean {
  return formulaToConditions(f).some((c) => mongoQueryMatcher(c as never)(doc));
}

function describeFormula(f: Formula): string {
  if (typeof f === 'boolean') return String(f);
  return formulaToConditions(f)
    .map((c) => JSON.stringify(c))
    .join(' OR ');
}

/**
 * Evaluates a check on a concrete target (a document, or the Global target) and records why,
 * one line per check, indented by depth.
 */
export function traceCheck(c: Check, env: CompileEnv, doc: Record<string, unknown> | undefined, lines: string[], depth = 1): boolean {
  const pad = '  '.repeat(depth);
  const decide = (f: Formula) => (typeof f === 'boolean' ? f : doc ? evalFormulaOn(f, doc) : false);
  switch (c.t) {
    case 'true':
    case 'false': {
      const v = c.t === 'true';
      lines.push(`${pad}${formatCheck(c)} → ${v}`);
      return v;
    }
    case 'role': {
      const v = compileCheck(c, env) === true;
      lines.push(`${pad}role:${c.role} → ${v} (roles: ${env.creds.roles.join(', ') || 'none'})`);
      return v;
    }
    case 'rule': {
      const ref = env.policies.checks.get(c.name)!;
      const src = env.policies.sources.get(c.name);
      lines.push(`${pad}rule:${c.name} = ${JSON.stringify(src?.text ?? formatCheck(ref))}${src?.origin === 'POLICY_FILE' ? ' (from POLICY_FILE)' : ''}`);
      const v = traceCheck(ref, env, doc, lines, depth + 1);
      lines.push(`${pad}rule:${c.name} → ${v}`);
      return v;
    }
    case 'generic': {
      const f = compileGeneric(c, env);
      const v = decide(f);
      const left = c.left.kind === 'cred' ? `${c.left.name}=${JSON.stringify(operandValue(c.left, env.creds) ?? null)}` : `'${(c.left as { value: string }).value}'`;
      const how = typeof f === 'boolean' ? '' : `; condition ${describeFormula(f)}`;
      lines.push(`${pad}${formatCheck(c)} → ${v} (${left}${how})`);
      return v;
    }
    case 'not': {
      lines.push(`${pad}not:`);
      const v = !traceCheck(c.item, env, doc, lines, depth + 1);
      lines.push(`${pad}not → ${v}`);
      return v;
    }
    case 'and':
    case 'or': {
      lines.push(`${pad}${c.t}:`);
      const vals = c.items.map((i) => traceCheck(i, env, doc, lines, depth + 1));
      const v = c.t === 'and' ? vals.every(Boolean) : vals.some(Boolean);
      lines.push(`${pad}${c.t} → ${v}`);
      return v;
    }
  }
}

export { evalFormulaOn, describeFormula };

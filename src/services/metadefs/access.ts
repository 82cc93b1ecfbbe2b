/**
 * What every metadef operation shares: its dependencies, and the access checks that come
 * first in each of them (glance-authz.md §2.2, §3.4, §4.3): a namespace the caller cannot
 * see is 404; one it can see but may not change is 403; anonymous writes are 403 before any
 * lookup; deleting anything in a protected namespace is 403 even for admins (§5.9).
 */
import type { RequestContext } from '../../authn/context.js';
import type { PolicyRule } from '../../authz/index.js';
import type { Authorizer } from '../../authz/index.js';
import type { Config } from '../../config/config.js';
import { conflict, forbidden, invalid, notFound } from '../../domain/errors.js';
import type { Notifier } from '../../notifier/notifier.js';
import type { MetadefRepository, MetadefSnapshot, NamespaceDoc, NamespaceEntry } from '../../repositories/metadefs.js';

/** The part of the authorizer (src/authz) that metadefs use. */
export type MetadefAuthorizer = Pick<Authorizer, 'assertWritable' | 'can' | 'enforce'> & Partial<Pick<Authorizer, 'denied'>>;

export interface MetadefDeps {
  repo: MetadefRepository;
  authz: MetadefAuthorizer;
  notifier: Notifier;
  config: Pick<Config, 'LIMIT_PARAM_DEFAULT' | 'API_LIMIT_MAX'>;
}

/** System- and domain-scoped tokens get 404 from every metadef call (glance-authz.md §3.4). */
export const notProjectScoped = (ctx: RequestContext): boolean => !!ctx.systemScope || !ctx.projectId;

export const nsNotFound = (name: string) => `Metadata definition namespace=${name} was not found.`;

function check(d: MetadefDeps, ctx: RequestContext, ns: NamespaceDoc, rules: PolicyRule[]): void {
  for (const rule of rules) {
    d.authz.enforce(ctx, rule, 'MetadefNamespace', ns, {
      readRule: 'get_metadef_namespace',
      notFoundMessage: nsNotFound(ns.namespace),
      forbiddenMessage: `You are not authorized to perform ${rule} on namespace ${ns.namespace}.`,
    });
  }
}

/** A namespace for reading, from the per-process cache; 404 when absent or not visible. */
export async function readableNamespace(d: MetadefDeps, ctx: RequestContext, name: string, ...rules: PolicyRule[]): Promise<NamespaceEntry> {
  return readableIn(await d.repo.snapshot(), d, ctx, name, ...rules);
}

/** As readableNamespace, in a given snapshot. */
export function readableIn(snap: MetadefSnapshot, d: MetadefDeps, ctx: RequestContext, name: string, ...rules: PolicyRule[]): NamespaceEntry {
  const e = snap.namespaces.get(name);
  if (!e) throw notFound(nsNotFound(name));
  check(d, ctx, e.ns, ['get_metadef_namespace', ...rules]);
  return e;
}

/** A namespace for changing, fresh from MongoDB, after the read-only guard and the policy check. */
export async function writableNamespace(d: MetadefDeps, ctx: RequestContext, name: string, ...rules: PolicyRule[]): Promise<NamespaceDoc> {
  d.authz.assertWritable(ctx);
  const ns = await d.repo.namespaceByName(name);
  if (!ns) throw notFound(nsNotFound(name));
  check(d, ctx, ns, rules);
  return ns;
}

export function assertNotProtected(ns: NamespaceDoc, what = `Namespace ${ns.namespace}`): void {
  if (ns.protected) throw forbidden(`${what} is protected and cannot be deleted. Update the namespace with "protected": false first.`);
}

/** Refuses read-only attributes in a request body (403, as upstream). */
export function assertNoReadOnly(body: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) if (k in body) throw forbidden(`Attribute '${k}' is read-only.`);
}

const ASTRAL = /[\u{10000}-\u{10FFFF}]/u;

/** Upstream's database refuses 4-byte UTF-8 characters (glance-v2-api.md §1.5): 400 naming the field. */
export function assertNo4ByteUtf8(value: unknown, path = ''): void {
  if (typeof value === 'string') {
    if (ASTRAL.test(value)) throw invalid(`Invalid value for '${path || 'body'}': 4-byte UTF-8 characters are not supported.`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertNo4ByteUtf8(v, `${path}[${i}]`));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (ASTRAL.test(k)) throw invalid(`Invalid name '${p}': 4-byte UTF-8 characters are not supported.`);
      assertNo4ByteUtf8(v, p);
    }
  }
}

/** Runs `fn`, turning a duplicate-key error into a 409 with `message`. */
export async function unique<T>(message: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if ((e as { code?: number }).code === 11000) throw conflict(message);
    throw e;
  }
}

/** `sort_key`/`sort_dir`/`limit`/`marker` of the metadef lists (glance-v2-api.md §1.6, §1.7). */
export function listParams(d: MetadefDeps, q: { limit?: number; sort_key?: string; sort_dir?: string }, keys: string[], defaultLimit: number | null) {
  const sortKey = q.sort_key ?? 'created_at';
  if (!keys.includes(sortKey)) throw invalid(`Invalid sort key: ${sortKey}. It must be one of: ${keys.join(', ')}.`);
  const sortDir = q.sort_dir ?? 'desc';
  if (sortDir !== 'asc' && sortDir !== 'desc') throw invalid(`Invalid sort direction: ${sortDir}. It must be one of: asc, desc.`);
  const limit = q.limit === undefined ? defaultLimit : Math.min(q.limit, d.config.API_LIMIT_MAX);
  return { sortKey, sortDir, limit };
}

/** Sorts by `key` then name, in `dir`; names break ties in ascending order. */
export function sortBy<T>(items: T[], value: (t: T) => string | number, name: (t: T) => string, dir: string): T[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...items].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va < vb) return -sign;
    if (va > vb) return sign;
    const na = name(a);
    const nb = name(b);
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

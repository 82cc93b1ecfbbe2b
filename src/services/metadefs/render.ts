/**
 * Metadef documents → API bodies (glance-v2-api.md §2.8, §6). Null fields are omitted
 * (§7.14); timestamps are `YYYY-MM-DDThh:mm:ssZ`; links are relative, with each name
 * percent-encoded (upstream leaves them raw, so a name holding `/` linked to a 404).
 */
import { isoSeconds } from '../../domain/time.js';
import type { AssociationDoc, NamespaceDoc, NamespaceEntry, ObjectDoc, PropertyDoc, ResourceTypeDoc, TagDoc } from '../../repositories/metadefs.js';
import { link } from '../../domain/links.js';
import type { components } from '../../generated/openapi.js';

export type Json = Record<string, unknown>;

type Schemas = components['schemas'];
export type NamespaceView = Schemas['MetadefNamespace'];
export type ObjectView = Schemas['MetadefObject'];
export type PropertyDefinition = Schemas['MetadefPropertyDefinition'];
export type PropertyView = Schemas['MetadefProperty'];
export type TagView = Schemas['MetadefTag'];
export type AssociationView = Schemas['MetadefResourceTypeAssociation'];
export type ResourceTypeView = { name: string; created_at: string; updated_at?: string };

export function ts(d: Date): string;
export function ts(d: Date | null): string | undefined;
/** Undefined (so the field is left out) for a resource never updated. */
export function ts(d: Date | null): string | undefined {
  return d ? isoSeconds(d) : undefined;
}

type Nullish<T, K extends keyof T> = null extends T[K] ? true : undefined extends T[K] ? true : false;
/** `T` with its nullable fields made optional and non-null: what `compact` leaves. */
export type Compact<T> = { [K in keyof T as Nullish<T, K> extends true ? never : K]: T[K] } & { [K in keyof T as Nullish<T, K> extends true ? K : never]?: Exclude<T[K], null | undefined> };

/** Copies `o` without its null/undefined fields. */
export function compact<T extends object>(o: T): Compact<T> {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as Compact<T>;
}

export const nsSelf = (name: string) => link('v2', 'metadefs', 'namespaces', name);

export function renderNamespaceBase(ns: NamespaceDoc): NamespaceView {
  return compact({
    namespace: ns.namespace,
    display_name: ns.display_name,
    description: ns.description,
    visibility: ns.visibility,
    protected: ns.protected,
    owner: ns.owner,
    created_at: ts(ns.created_at),
    updated_at: ts(ns.updated_at),
    self: nsSelf(ns.namespace),
    schema: '/v2/schemas/metadefs/namespace' as const,
  });
}

export function renderAssociation(a: AssociationDoc, withUpdated = false): AssociationView {
  return compact({
    name: a.resource_type,
    prefix: a.prefix,
    properties_target: a.properties_target,
    created_at: ts(a.created_at),
    updated_at: a.updated_at ? ts(a.updated_at) : withUpdated ? ts(a.created_at) : null,
  });
}

// Snapshots are immutable (a reload builds new documents), so parsed and rendered forms are
// memoised per document: the hot read paths do no parsing and little allocation.
const parsedDefs = new WeakMap<PropertyDoc, PropertyDefinition>();
const fullRenders = new WeakMap<NamespaceEntry, Map<string, NamespaceView>>();
const summaryRenders = new WeakMap<NamespaceEntry, NamespaceView>();

/** A property's definition; callers must not modify the result. */
export function propertyDef(p: PropertyDoc): PropertyDefinition {
  let d = parsedDefs.get(p);
  if (!d) parsedDefs.set(p, (d = JSON.parse(p.def_json) as PropertyDefinition)); // validated when written
  return d;
}

export function renderProperty(p: PropertyDoc, name = p.name): PropertyView {
  return { name, ...propertyDef(p) };
}

/** A property as lists show it: created through the property API, it carries its name (upstream's storage). */
export function listedProperty(p: PropertyDoc): PropertyDefinition {
  return p.named ? { name: p.name, ...propertyDef(p) } : propertyDef(p);
}

/** `written`: the answer to a create or update, which upstream gives without an empty `required`. */
export function renderObject(nsName: string, o: ObjectDoc, prefix = '', written = false): ObjectView {
  let properties = o.properties_json ? (JSON.parse(o.properties_json) as Record<string, PropertyDefinition>) : null;
  let required = o.required;
  if (prefix) {
    if (properties) properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [prefix + k, v]));
    if (required) required = required.map((r) => prefix + r);
  }
  return compact({
    name: o.name,
    description: o.description,
    required: required ?? (written ? null : []), // upstream shows an empty list when reading
    properties,
    created_at: ts(o.created_at),
    updated_at: ts(o.updated_at),
    self: link('v2', 'metadefs', 'namespaces', nsName, 'objects', o.name),
    schema: '/v2/schemas/metadefs/object' as const,
  });
}

export const renderTag = (t: TagDoc): TagView => compact({ name: t.name, created_at: ts(t.created_at), updated_at: ts(t.updated_at) });

export const renderResourceType = (r: ResourceTypeDoc): ResourceTypeView => compact({ name: r.name, created_at: ts(r.created_at), updated_at: ts(r.updated_at) });

/** A namespace with its non-empty child collections; `prefix` renames property keys (§6 `?resource_type=`). */
export function renderNamespaceFull(e: NamespaceEntry, prefix = ''): NamespaceView {
  let byPrefix = fullRenders.get(e);
  if (!byPrefix) fullRenders.set(e, (byPrefix = new Map()));
  let out = byPrefix.get(prefix);
  if (!out) byPrefix.set(prefix, (out = buildFull(e, prefix)));
  return out;
}

function buildFull(e: NamespaceEntry, prefix: string): NamespaceView {
  const out = renderNamespaceBase(e.ns);
  if (e.associations.length) out.resource_type_associations = e.associations.map((a) => renderAssociation(a));
  if (e.properties.length) out.properties = Object.fromEntries(e.properties.map((p) => [prefix + p.name, listedProperty(p)]));
  if (e.objects.length) out.objects = e.objects.map((o) => renderObject(e.ns.namespace, o, prefix));
  if (e.tags.length) out.tags = e.tags.map((t) => ({ name: t.name })); // upstream shows names only here
  return out;
}

/** The list form: attributes plus resource type associations. */
export function renderNamespaceSummary(e: NamespaceEntry): NamespaceView {
  let out = summaryRenders.get(e);
  if (!out) {
    out = renderNamespaceBase(e.ns);
    if (e.associations.length) out.resource_type_associations = e.associations.map((a) => renderAssociation(a));
    summaryRenders.set(e, out);
  }
  return out;
}

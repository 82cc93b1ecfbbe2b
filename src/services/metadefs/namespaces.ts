/**
 * Metadef namespaces: list, create (with inline children), show, full-replace update,
 * delete (glance-v2-api.md §2.8, §6, §7.15).
 */
import type { RequestContext } from '../../authn/context.js';
import type { PolicyRule } from '../../authz/index.js';
import type { operations } from '../../generated/openapi.js';
import { conflict, forbidden, invalid, notFound } from '../../domain/errors.js';
import { newId, now, type AssociationDoc, type MetadefSnapshot, type NamespaceDoc, type ObjectDoc, type PropertyDoc, type TagDoc } from '../../repositories/metadefs.js';
import { assertNo4ByteUtf8, assertNoReadOnly, assertNotProtected, listParams, notProjectScoped, readableIn, sortBy, unique, writableNamespace, type MetadefDeps } from './access.js';
import { assertValidPropertyMap } from './property-definition.js';
import { deletedPayload, namespacePayload, objectPayload, propertyPayload, resourceTypePayload, tagPayload } from '../../notifier/payloads.js';
import { cachedRead } from './read-cache.js';
import { nsSelf, renderNamespaceBase, renderNamespaceFull, renderNamespaceSummary, ts, type Json, type NamespaceView } from './render.js';

export interface NamespaceInput {
  namespace: string;
  display_name?: string;
  description?: string;
  visibility?: 'public' | 'private';
  protected?: boolean;
  owner?: string;
  resource_type_associations?: { name: string; prefix?: string; properties_target?: string }[];
  properties?: Record<string, Json>;
  objects?: { name: string; description?: string; required?: string[]; properties?: Record<string, Json> }[];
  tags?: { name: string }[];
  [k: string]: unknown;
}

export type ListQuery = NonNullable<operations['listMetadefNamespaces']['parameters']['query']>;

const READ_ONLY = ['self', 'schema', 'created_at', 'updated_at'];
const LIST_PATH = '/v2/metadefs/namespaces';

/** As Glance: the namespace, then each definition created with it. */
function notifyCreated(d: MetadefDeps, ctx: RequestContext, docs: ReturnType<typeof buildNamespaceDocs>): void {
  const name = docs.ns.namespace;
  d.notifier.emit('metadef_namespace.create', namespacePayload(docs.ns), ctx);
  for (const o of docs.objects) d.notifier.emit('metadef_object.create', objectPayload(name, o), ctx);
  for (const p of docs.properties) d.notifier.emit('metadef_property.create', propertyPayload(name, p), ctx);
  for (const t of docs.tags) d.notifier.emit('metadef_tag.create', tagPayload(name, t), ctx);
  for (const a of docs.associations) d.notifier.emit('metadef_resource_type.create', resourceTypePayload(name, a), ctx);
}

/** `first`/`next` links: the request's query (last value of repeated keys) with the marker removed or replaced. */
function link(raw: URLSearchParams, marker?: string): string {
  const params = new Map<string, string>();
  for (const [k, v] of raw) params.set(k, v);
  params.delete('marker');
  if (marker !== undefined) params.set('marker', marker);
  const q = new URLSearchParams([...params]).toString();
  return q ? `${LIST_PATH}?${q}` : LIST_PATH;
}

/** The list body as UTF-8 JSON (cached per snapshot: read-cache.ts). */
export async function listNamespaces(d: MetadefDeps, ctx: RequestContext, q: ListQuery, raw: URLSearchParams): Promise<Buffer> {
  // a failed list policy is reported as not-found (glance-authz.md §4.3)
  for (const rule of ['get_metadef_namespaces', 'list_metadef_resource_types'] as const) {
    if (!d.authz.can(ctx, rule, 'Global')) {
      d.authz.denied?.(rule);
      throw notFound('No metadata definition namespaces are visible.');
    }
  }
  const { sortKey, sortDir, limit } = listParams(d, q, ['namespace', 'created_at', 'updated_at'], d.config.LIMIT_PARAM_DEFAULT);
  if (q.visibility !== undefined && q.visibility !== 'public' && q.visibility !== 'private') {
    throw invalid(`Invalid visibility value: ${q.visibility}. It must be public or private.`);
  }
  return cachedRead(d, ctx, ['list', q, raw.toString()], (snap) => buildList(d, ctx, snap, q, raw, sortKey, sortDir, limit));
}

function buildList(d: MetadefDeps, ctx: RequestContext, snap: MetadefSnapshot, q: ListQuery, raw: URLSearchParams, sortKey: string, sortDir: string, limit: number | null): Json {
  const wanted = q.resource_types === undefined ? null : new Set(q.resource_types.split(',').map((s) => s.trim()).filter(Boolean));
  let items = [...snap.namespaces.values()].filter((e) => d.authz.can(ctx, 'get_metadef_namespace', 'MetadefNamespace', e.ns));
  if (q.visibility) items = items.filter((e) => e.ns.visibility === q.visibility);
  if (wanted) items = items.filter((e) => e.associations.some((a) => wanted.has(a.resource_type)));
  const value = sortKey === 'namespace' ? (e: (typeof items)[number]) => e.ns.namespace : (e: (typeof items)[number]) => (sortKey === 'created_at' ? e.ns.created_at : (e.ns.updated_at ?? e.ns.created_at)).getTime();
  items = sortBy(items, value, (e) => e.ns.namespace, sortDir);
  let start = 0;
  if (q.marker !== undefined) {
    const at = items.findIndex((e) => e.ns.namespace === q.marker);
    if (at < 0) throw notFound(`Metadata definition namespace=${q.marker} was not found.`);
    start = at + 1;
  }
  const page = items.slice(start, limit === null ? undefined : start + limit);
  const body: Json = { namespaces: page.map(renderNamespaceSummary), first: link(raw), schema: '/v2/schemas/metadefs/namespaces' };
  if (limit !== null && page.length > 0 && page.length === limit) body.next = link(raw, page[page.length - 1].ns.namespace);
  return body;
}

/** The namespace body as JSON text (cached per snapshot: read-cache.ts). */
export async function getNamespace(d: MetadefDeps, ctx: RequestContext, name: string, resourceType?: string): Promise<Buffer> {
  return cachedRead(d, ctx, ['show', name, resourceType ?? null], (snap) => {
    const e = readableIn(snap, d, ctx, name, 'list_metadef_resource_types', 'get_metadef_objects', 'get_metadef_properties', 'get_metadef_tags');
    const prefix = resourceType ? (e.associations.find((a) => a.resource_type === resourceType)?.prefix ?? '') : '';
    return renderNamespaceFull(e, prefix);
  });
}

/** Checks the inline children of a namespace create before anything is written. */
function validateChildren(b: NamespaceInput): void {
  assertValidPropertyMap(b.properties);
  const seen = (items: { name: string }[] | undefined, what: string) => {
    const names = new Set<string>();
    for (const i of items ?? []) {
      if (names.has(i.name)) throw conflict(`Duplicate ${what} '${i.name}' in the request.`);
      names.add(i.name);
    }
  };
  seen(b.objects, 'object');
  seen(b.tags, 'tag');
  seen(b.resource_type_associations, 'resource type association');
  for (const o of b.objects ?? []) {
    assertNoReadOnly(o, READ_ONLY);
    assertValidPropertyMap(o.properties, `property of object '${o.name}'`);
  }
  for (const a of b.resource_type_associations ?? []) assertNoReadOnly(a, ['created_at', 'updated_at']);
}

/** Documents for a namespace and its inline children; `stamp` gives their timestamps. */
export function buildNamespaceDocs(b: NamespaceInput, owner: string | null, stamp: (x: Json) => { created_at: Date; updated_at: Date | null }) {
  const nsTimes = stamp(b);
  const ns: NamespaceDoc = {
    _id: newId(),
    namespace: b.namespace,
    display_name: b.display_name ?? null,
    description: b.description ?? null,
    visibility: b.visibility ?? 'private',
    protected: b.protected ?? false,
    owner,
    ...nsTimes,
    version: 1,
  };
  const properties: PropertyDoc[] = Object.entries(b.properties ?? {}).map(([name, def]) => {
    const { created_at: _c, updated_at: _u, ...rest } = def as Json;
    return { _id: newId(), ns_id: ns._id, name, def_json: JSON.stringify(rest), ...stamp(def as Json), version: 1 };
  });
  const objects: ObjectDoc[] = (b.objects ?? []).map((o) => ({
    _id: newId(),
    ns_id: ns._id,
    name: o.name,
    description: o.description ?? null,
    required: o.required ?? null,
    properties_json: o.properties ? JSON.stringify(o.properties) : null,
    ...stamp(o as Json),
    version: 1,
  }));
  const tags: TagDoc[] = (b.tags ?? []).map((t) => ({ _id: newId(), ns_id: ns._id, name: t.name, ...stamp(t as Json), version: 1 }));
  const associations: AssociationDoc[] = (b.resource_type_associations ?? []).map((a, seq) => {
    const times = stamp(a as Json);
    return { _id: newId(), ns_id: ns._id, resource_type: a.name, prefix: a.prefix ?? null, properties_target: a.properties_target ?? null, created_at: times.created_at, updated_at: times.updated_at, seq };
  });
  return { ns, properties, objects, tags, associations };
}

/** Writes a namespace and its children (the caller wraps this in `repo.write`). */
export async function insertNamespaceDocs(d: MetadefDeps, docs: ReturnType<typeof buildNamespaceDocs>): Promise<void> {
  const { repo } = d;
  await unique(`A namespace named ${docs.ns.namespace} already exists.`, () => repo.namespaces.insertOne(docs.ns));
  try {
    for (const a of docs.associations) await repo.ensureResourceType(a.resource_type);
    if (docs.properties.length) await repo.properties.insertMany(docs.properties);
    if (docs.objects.length) await repo.objects.insertMany(docs.objects);
    if (docs.tags.length) await repo.tags.insertMany(docs.tags);
    if (docs.associations.length) await repo.associations.insertMany(docs.associations);
  } catch (e) {
    await repo.deleteNamespace(docs.ns._id);
    throw e;
  }
}

export async function createNamespace(d: MetadefDeps, ctx: RequestContext, b: NamespaceInput): Promise<{ body: NamespaceView; location: string }> {
  d.authz.assertWritable(ctx);
  const owner = b.owner ?? ctx.projectId;
  const target = { namespace: b.namespace, owner, visibility: b.visibility ?? 'private', protected: b.protected ?? false };
  const rules: PolicyRule[] = ['add_metadef_namespace'];
  if (b.objects?.length) rules.push('add_metadef_object');
  if (b.properties && Object.keys(b.properties).length) rules.push('add_metadef_property');
  if (b.tags?.length) rules.push('add_metadef_tags');
  if (b.resource_type_associations?.length) rules.push('add_metadef_resource_type_association');
  for (const rule of rules) {
    if (!d.authz.can(ctx, rule, 'MetadefNamespace', target)) {
      d.authz.denied?.(rule);
      if (notProjectScoped(ctx)) throw notFound('Metadata definitions need a project-scoped token.');
      throw forbidden(`You are not authorized to perform ${rule}.`);
    }
  }
  assertNoReadOnly(b, READ_ONLY);
  assertNo4ByteUtf8(b);
  validateChildren(b);
  const t = now();
  const docs = buildNamespaceDocs(b, owner, () => ({ created_at: t, updated_at: t }));
  await d.repo.write(() => insertNamespaceDocs(d, docs));
  notifyCreated(d, ctx, docs);
  const e = (await d.repo.snapshot()).namespaces.get(b.namespace);
  const body = e ? renderNamespaceFull(e) : renderNamespaceBase(docs.ns);
  return { body, location: nsSelf(b.namespace) };
}

/** PUT: a full replace of the attributes; omitted ones return to their defaults; children stay. */
export async function updateNamespace(d: MetadefDeps, ctx: RequestContext, name: string, b: NamespaceInput): Promise<NamespaceView> {
  let ns = await writableNamespace(d, ctx, name, 'modify_metadef_namespace');
  assertNoReadOnly(b, READ_ONLY);
  assertNo4ByteUtf8(b);
  for (let attempt = 0; ; attempt++) {
    const next = {
      namespace: b.namespace,
      display_name: b.display_name ?? null,
      description: b.description ?? null,
      visibility: b.visibility ?? 'private',
      protected: b.protected ?? false,
      owner: b.owner ?? ctx.projectId,
      updated_at: now(),
      version: ns.version + 1,
    } as const;
    const r = await d.repo.write(() => unique(`A namespace named ${b.namespace} already exists.`, () => d.repo.namespaces.updateOne({ _id: ns._id, version: ns.version }, { $set: next })));
    if (r.matchedCount === 1) {
      const updated = { ...ns, ...next };
      d.notifier.emit('metadef_namespace.update', namespacePayload(updated, name), ctx);
      return renderNamespaceBase(updated);
    }
    if (attempt >= 3) throw conflict(`Namespace ${name} was changed by another request; try again.`);
    const fresh = await d.repo.namespaceByName(name);
    if (!fresh) throw notFound(`Metadata definition namespace=${name} was not found.`);
    ns = fresh;
  }
}

export async function deleteNamespace(d: MetadefDeps, ctx: RequestContext, name: string): Promise<void> {
  const ns = await writableNamespace(d, ctx, name, 'delete_metadef_namespace');
  assertNotProtected(ns);
  await d.repo.write(() => d.repo.deleteNamespace(ns._id));
  d.notifier.emit('metadef_namespace.delete', deletedPayload(namespacePayload(ns)), ctx);
}

/**
 * Tags and resource type associations of a namespace, and the resource type list
 * (glance-v2-api.md §2.8, §6, §7.12).
 */
import type { RequestContext } from '../../authn/context.js';
import { conflict, forbidden, invalid, notFound } from '../../domain/errors.js';
import { newId, now, type AssociationDoc, type TagDoc } from '../../repositories/metadefs.js';
import { assertNo4ByteUtf8, assertNoReadOnly, assertNotProtected, listParams, notProjectScoped, readableIn, sortBy, unique, writableNamespace, type MetadefDeps, readableNamespace } from './access.js';
import { renderAssociation, renderResourceType, renderTag, type Json, type AssociationView, type ResourceTypeView, type TagView } from './render.js';
import { deletedPayload, namespacePayload, resourceTypePayload, tagPayload } from '../../notifier/payloads.js';
import { replaceChild, deleteChild, deleteChildren } from './child-update.js';
import { cachedRead } from './read-cache.js';

const TAG_MAX = 80;
const tagNotFound = (ns: string, name: string) => `Metadata tag not found for namespace=${ns} and tag=${name}.`;

/** `X-Openstack-Append` is read leniently, like oslo's bool_from_string. */
export const isTrue = (v: string | string[] | undefined): boolean => ['true', 'yes', '1', 'on', 'y', 't'].includes(String(Array.isArray(v) ? v[0] : (v ?? '')).trim().toLowerCase());

// ---- tags ------------------------------------------------------------------------------

export function listTags(d: MetadefDeps, ctx: RequestContext, nsName: string, q: { limit?: number; marker?: string; sort_key?: string; sort_dir?: string }): Promise<Buffer> {
  return cachedRead(d, ctx, ['tags', nsName, q.limit ?? null, q.marker ?? null, q.sort_key ?? null, q.sort_dir ?? null], (snap) => {
    const e = readableIn(snap, d, ctx, nsName, 'get_metadef_tags');
    const { sortKey, sortDir, limit } = listParams(d, q, ['name', 'created_at', 'updated_at'], null);
    const value = sortKey === 'name' ? (t: TagDoc) => t.name : (t: TagDoc) => (sortKey === 'created_at' ? t.created_at : (t.updated_at ?? t.created_at)).getTime();
    const tags = sortBy(e.tags, value, (t) => t.name, sortDir);
    let start = 0;
    if (q.marker !== undefined) {
      const at = tags.findIndex((t) => t.name === q.marker);
      if (at < 0) throw notFound(tagNotFound(nsName, q.marker));
      start = at + 1;
    }
    return { tags: tags.slice(start, limit === null ? undefined : start + limit).map((t) => ({ name: t.name })) };
  });
}

export function getTag(d: MetadefDeps, ctx: RequestContext, nsName: string, name: string): Promise<Buffer> {
  return cachedRead(d, ctx, ['tag', nsName, name], (snap) => {
    const e = readableIn(snap, d, ctx, nsName, 'get_metadef_tag');
    const t = e.tags.find((x) => x.name === name);
    if (!t) throw notFound(tagNotFound(nsName, name));
    return renderTag(t);
  });
}

export async function createTag(d: MetadefDeps, ctx: RequestContext, nsName: string, name: string): Promise<TagView> {
  const ns = await writableNamespace(d, ctx, nsName, 'add_metadef_tag');
  if (!name || name.length > TAG_MAX) throw invalid(`Invalid tag name: it must have 1 to ${TAG_MAX} characters.`);
  assertNo4ByteUtf8(name, 'name');
  const t = now();
  const doc: TagDoc = { _id: newId(), ns_id: ns._id, name, created_at: t, updated_at: t, version: 1 };
  await d.repo.write(() => unique(`A tag named ${name} already exists in namespace ${nsName}.`, () => d.repo.tags.insertOne(doc)));
  d.notifier.emit('metadef_tag.create', tagPayload(nsName, doc), ctx);
  return renderTag(doc);
}

/** Bulk create: without append every existing tag is replaced (§7.12). */
export async function createTags(d: MetadefDeps, ctx: RequestContext, nsName: string, names: string[], append: boolean): Promise<{ tags: TagView[] }> {
  const ns = await writableNamespace(d, ctx, nsName, 'add_metadef_tags');
  assertNo4ByteUtf8(names, 'tags');
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw conflict(`Duplicate tag '${n}' in the request.`);
    seen.add(n);
  }
  const t = now();
  const docs: TagDoc[] = names.map((name) => ({ _id: newId(), ns_id: ns._id, name, created_at: t, updated_at: t, version: 1 }));
  await d.repo.write(async () => {
    // An empty list leaves the existing tags alone, as upstream does.
    if (!append && docs.length) await d.repo.tags.deleteMany({ ns_id: ns._id });
    if (docs.length) {
      await unique(`A tag in the request already exists in namespace ${nsName}.`, async () => {
        try {
          await d.repo.tags.insertMany(docs, { ordered: true });
        } catch (e) {
          // all or nothing: remove the ones that made it in before the duplicate
          await d.repo.tags.deleteMany({ _id: { $in: docs.map((x) => x._id) } });
          throw e;
        }
      });
    }
  });
  for (const doc of docs) d.notifier.emit('metadef_tag.create', tagPayload(nsName, doc), ctx);
  return { tags: names.map((name) => ({ name })) };
}

export async function updateTag(d: MetadefDeps, ctx: RequestContext, nsName: string, oldName: string, b: { name: string; [k: string]: unknown }): Promise<TagView> {
  const ns = await writableNamespace(d, ctx, nsName, 'modify_metadef_tag');
  assertNoReadOnly(b, ['created_at', 'updated_at']);
  assertNo4ByteUtf8(b);
  const { after } = await replaceChild(d, d.repo.tags, ns._id, oldName, { kind: 'Tag', notFound: tagNotFound(nsName, oldName), duplicate: `A tag named ${b.name} already exists in namespace ${nsName}.` }, () => ({ name: b.name }));
  d.notifier.emit('metadef_tag.update', tagPayload(nsName, after, oldName), ctx);
  return renderTag(after);
}

export async function deleteTag(d: MetadefDeps, ctx: RequestContext, nsName: string, name: string): Promise<void> {
  const ns = await writableNamespace(d, ctx, nsName, 'delete_metadef_tag');
  const cur = await deleteChild(d, ns, d.repo.tags, { ns_id: ns._id, name }, tagNotFound(nsName, name), true); // 403 before the lookup, as upstream
  d.notifier.emit('metadef_tag.delete', deletedPayload(tagPayload(nsName, cur)), ctx);
}

export async function deleteTags(d: MetadefDeps, ctx: RequestContext, nsName: string): Promise<void> {
  const ns = await writableNamespace(d, ctx, nsName, 'delete_metadef_namespace', 'delete_metadef_tags');
  await deleteChildren(d, ns, d.repo.tags);
  d.notifier.emit('metadef_namespace.delete_tags', namespacePayload(ns), ctx);
}

// ---- resource types --------------------------------------------------------------------

export async function listResourceTypes(d: MetadefDeps, ctx: RequestContext): Promise<Buffer> {
  if (!d.authz.can(ctx, 'list_metadef_resource_types', 'Global')) {
    d.authz.denied?.('list_metadef_resource_types');
    if (!ctx.authenticated || notProjectScoped(ctx)) throw notFound('No resource types are visible.');
    throw forbidden('You are not authorized to perform list_metadef_resource_types.');
  }
  return cachedRead(d, ctx, ['resource_types'], (snap) => ({ resource_types: snap.resourceTypes.map(renderResourceType) }));
}

export function listAssociations(d: MetadefDeps, ctx: RequestContext, nsName: string): Promise<Buffer> {
  return cachedRead(d, ctx, ['associations', nsName], (snap) => {
    const e = readableIn(snap, d, ctx, nsName, 'get_metadef_resource_type');
    return { resource_type_associations: e.associations.map((a) => renderAssociation(a)) };
  });
}

export async function createAssociation(d: MetadefDeps, ctx: RequestContext, nsName: string, b: { name: string; prefix?: string; properties_target?: string; [k: string]: unknown }): Promise<AssociationView> {
  const ns = await writableNamespace(d, ctx, nsName, 'add_metadef_resource_type_association');
  assertNoReadOnly(b, ['created_at', 'updated_at']);
  assertNo4ByteUtf8(b);
  const t = now();
  const doc: AssociationDoc = { _id: newId(), ns_id: ns._id, resource_type: b.name, prefix: b.prefix ?? null, properties_target: b.properties_target ?? null, created_at: t, updated_at: t, seq: Date.now() };
  await d.repo.write(async () => {
    await d.repo.ensureResourceType(b.name);
    await unique(`Namespace ${nsName} is already associated with resource type ${b.name}.`, () => d.repo.associations.insertOne(doc));
  });
  d.notifier.emit('metadef_resource_type.create', resourceTypePayload(nsName, doc), ctx);
  return renderAssociation(doc);
}

export async function deleteAssociation(d: MetadefDeps, ctx: RequestContext, nsName: string, rt: string): Promise<void> {
  const ns = await writableNamespace(d, ctx, nsName, 'remove_metadef_resource_type_association');
  const cur = await deleteChild(d, ns, d.repo.associations, { ns_id: ns._id, resource_type: rt }, `Resource type ${rt} is not associated with namespace ${nsName}.`);
  d.notifier.emit('metadef_resource_type.delete', deletedPayload(resourceTypePayload(nsName, cur)), ctx);
}

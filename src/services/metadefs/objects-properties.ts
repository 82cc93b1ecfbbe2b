/**
 * Objects and property definitions of a namespace (glance-v2-api.md §2.8, §6). Each lives in
 * its own document; PUT replaces one with a version-checked update and may rename it.
 */
import type { RequestContext } from '../../authn/context.js';
import { notFound } from '../../domain/errors.js';
import { deleteChild, deleteChildren, replaceChild } from './child-update.js';
import { newId, now, type NamespaceDoc, type ObjectDoc, type PropertyDoc } from '../../repositories/metadefs.js';
import { assertNo4ByteUtf8, assertNoReadOnly, assertNotProtected, readableIn, unique, writableNamespace, type MetadefDeps, readableNamespace } from './access.js';
import { cachedRead } from './read-cache.js';
import { assertValidPropertyDefinition, assertValidPropertyMap } from './property-definition.js';
import { listedProperty, renderObject, renderProperty, type Json, type ObjectView, type PropertyDefinition, type PropertyView } from './render.js';
import { deletedPayload, namespacePayload, objectPayload, propertyPayload } from '../../notifier/payloads.js';

export interface ObjectInput {
  name: string;
  description?: string;
  required?: string[];
  properties?: Record<string, Json>;
  [k: string]: unknown;
}

const OBJECT_READ_ONLY = ['self', 'schema', 'created_at', 'updated_at'];

const objectNotFound = (ns: string, name: string) => `Metadata definition object not found for namespace=${ns} and object=${name}.`;
const propertyNotFound = (ns: string, name: string) => `Metadata definition property not found for namespace=${ns} and property=${name}.`;


// ---- objects ---------------------------------------------------------------------------

export function listObjects(d: MetadefDeps, ctx: RequestContext, nsName: string): Promise<Buffer> {
  return cachedRead(d, ctx, ['objects', nsName], (snap) => {
    const e = readableIn(snap, d, ctx, nsName, 'get_metadef_objects');
    return { objects: e.objects.map((o) => renderObject(nsName, o)), schema: 'v2/schemas/metadefs/objects' };
  });
}

export function getObject(d: MetadefDeps, ctx: RequestContext, nsName: string, name: string): Promise<Buffer> {
  return cachedRead(d, ctx, ['object', nsName, name], (snap) => {
    const e = readableIn(snap, d, ctx, nsName, 'get_metadef_object');
    const o = e.objects.find((x) => x.name === name);
    if (!o) throw notFound(objectNotFound(nsName, name));
    return renderObject(nsName, o);
  });
}

function checkObject(b: ObjectInput): void {
  assertNoReadOnly(b, OBJECT_READ_ONLY);
  assertNo4ByteUtf8(b);
  assertValidPropertyMap(b.properties, `property of object '${b.name}'`);
}

export async function createObject(d: MetadefDeps, ctx: RequestContext, nsName: string, b: ObjectInput): Promise<ObjectView> {
  const ns = await writableNamespace(d, ctx, nsName, 'add_metadef_object');
  checkObject(b);
  const t = now();
  const doc: ObjectDoc = { _id: newId(), ns_id: ns._id, name: b.name, description: b.description ?? null, required: b.required ?? null, properties_json: b.properties ? JSON.stringify(b.properties) : null, created_at: t, updated_at: t, version: 1 };
  await d.repo.write(() => unique(`An object named ${b.name} already exists in namespace ${nsName}.`, () => d.repo.objects.insertOne(doc)));
  d.notifier.emit('metadef_object.create', objectPayload(nsName, doc), ctx);
  return renderObject(nsName, doc, '', true);
}

export async function updateObject(d: MetadefDeps, ctx: RequestContext, nsName: string, name: string, b: ObjectInput): Promise<ObjectView> {
  const ns = await writableNamespace(d, ctx, nsName, 'modify_metadef_object');
  checkObject(b);
  const { after } = await replaceChild(d, d.repo.objects, ns._id, name, { kind: 'Object', notFound: objectNotFound(nsName, name), duplicate: `An object named ${b.name} already exists in namespace ${nsName}.` }, () => ({
    name: b.name,
    description: b.description ?? null,
    required: b.required ?? null,
    properties_json: b.properties ? JSON.stringify(b.properties) : null,
  }));
  d.notifier.emit('metadef_object.update', objectPayload(nsName, after, name), ctx);
  return renderObject(nsName, after, '', true);
}

export async function deleteObject(d: MetadefDeps, ctx: RequestContext, nsName: string, name: string): Promise<void> {
  const ns = await writableNamespace(d, ctx, nsName, 'delete_metadef_object');
  const cur = await deleteChild(d, ns, d.repo.objects, { ns_id: ns._id, name }, objectNotFound(nsName, name));
  d.notifier.emit('metadef_object.delete', deletedPayload(objectPayload(nsName, cur)), ctx);
}

export async function deleteObjects(d: MetadefDeps, ctx: RequestContext, nsName: string): Promise<void> {
  const ns = await writableNamespace(d, ctx, nsName, 'delete_metadef_namespace');
  await deleteChildren(d, ns, d.repo.objects);
  d.notifier.emit('metadef_namespace.delete_objects', namespacePayload(ns), ctx);
}

// ---- properties ------------------------------------------------------------------------

export function listProperties(d: MetadefDeps, ctx: RequestContext, nsName: string): Promise<Buffer> {
  return cachedRead(d, ctx, ['properties', nsName], (snap) => {
    const e = readableIn(snap, d, ctx, nsName, 'get_metadef_properties');
    return { properties: Object.fromEntries(e.properties.map((p) => [p.name, listedProperty(p)])) };
  });
}

/** `?resource_type=RT`: `name` carries RT's prefix, which must match and is removed (§6). */
export function getProperty(d: MetadefDeps, ctx: RequestContext, nsName: string, name: string, resourceType?: string): Promise<Buffer> {
  return cachedRead(d, ctx, ['property', nsName, name, resourceType ?? null], (snap) => {
    const e = readableIn(snap, d, ctx, nsName, 'get_metadef_property');
    let lookup = name;
    if (resourceType) {
      const prefix = e.associations.find((a) => a.resource_type === resourceType)?.prefix;
      if (prefix) {
        if (!name.startsWith(prefix)) throw notFound(propertyNotFound(nsName, name));
        lookup = name.slice(prefix.length);
      }
    }
    const p = e.properties.find((x) => x.name === lookup);
    if (!p) throw notFound(propertyNotFound(nsName, name));
    return renderProperty(p); // its own name, without the prefix, as upstream
  });
}

function splitProperty(b: Json): { name: string; def: Json } {
  assertNo4ByteUtf8(b);
  const { name, ...def } = b;
  assertValidPropertyDefinition(name as string, def);
  return { name: name as string, def };
}

export async function createProperty(d: MetadefDeps, ctx: RequestContext, nsName: string, b: Json): Promise<PropertyView> {
  const ns = await writableNamespace(d, ctx, nsName, 'add_metadef_property');
  const { name, def } = splitProperty(b);
  const t = now();
  const doc: PropertyDoc = { _id: newId(), ns_id: ns._id, name, def_json: JSON.stringify(def), named: true, created_at: t, updated_at: t, version: 1 };
  await d.repo.write(() => unique(`A property named ${name} already exists in namespace ${nsName}.`, () => d.repo.properties.insertOne(doc)));
  d.notifier.emit('metadef_property.create', propertyPayload(nsName, doc), ctx);
  return renderProperty(doc);
}

export async function updateProperty(d: MetadefDeps, ctx: RequestContext, nsName: string, oldName: string, b: Json): Promise<PropertyView> {
  const ns = await writableNamespace(d, ctx, nsName, 'modify_metadef_property');
  const { name, def } = splitProperty(b);
  const { after } = await replaceChild(d, d.repo.properties, ns._id, oldName, { kind: 'Property', notFound: propertyNotFound(nsName, oldName), duplicate: `A property named ${name} already exists in namespace ${nsName}.` }, () => ({
    name,
    def_json: JSON.stringify(def),
    named: true,
  }));
  d.notifier.emit('metadef_property.update', propertyPayload(nsName, after, oldName), ctx);
  return renderProperty(after);
}

export async function deleteProperty(d: MetadefDeps, ctx: RequestContext, nsName: string, name: string): Promise<void> {
  const ns = await writableNamespace(d, ctx, nsName, 'remove_metadef_property');
  const cur = await deleteChild(d, ns, d.repo.properties, { ns_id: ns._id, name }, propertyNotFound(nsName, name));
  d.notifier.emit('metadef_property.delete', deletedPayload(propertyPayload(nsName, cur)), ctx);
}

export async function deleteProperties(d: MetadefDeps, ctx: RequestContext, nsName: string): Promise<void> {
  const ns = await writableNamespace(d, ctx, nsName, 'delete_metadef_namespace');
  await deleteChildren(d, ns, d.repo.properties);
  d.notifier.emit('metadef_namespace.delete_properties', namespacePayload(ns), ctx);
}

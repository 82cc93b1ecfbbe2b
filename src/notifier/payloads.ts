import { isoSeconds, isoSecondsOrNull } from '../domain/time.js';
import type { ImageMember, ImageRecord } from '../repositories/images.js';
import type { TaskRecord } from '../repositories/tasks.js';
import type { AssociationDoc, NamespaceDoc, ObjectDoc, TagDoc } from '../repositories/metadefs.js';

/**
 * Notification payloads as Glance formats them (glance/notifier.py), key for key.
 * Image payloads never carry the locations: a location URL may hold credentials.
 */
type Payload = Record<string, unknown>;

/** Kept on the record for the service's own use and never shown (as the image view). */
const INTERNAL = (k: string) => k.startsWith('os_glance_stage_host') || k === 'os_glance_hash_op_host';

export function imagePayload(img: ImageRecord): Payload {
  const properties: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(img.properties)) if (!INTERNAL(k)) properties[k] = v;
  return {
    id: img._id,
    name: img.name,
    status: img.status,
    created_at: isoSeconds(img.created_at),
    updated_at: isoSeconds(img.updated_at),
    min_disk: img.min_disk,
    min_ram: img.min_ram,
    protected: img.protected,
    checksum: img.checksum,
    os_hash_algo: img.os_hash_algo,
    os_hash_value: img.os_hash_value,
    owner: img.owner,
    disk_format: img.disk_format,
    container_format: img.container_format,
    size: img.size,
    virtual_size: img.virtual_size,
    is_public: img.visibility === 'public',
    visibility: img.visibility,
    properties,
    tags: [...img.tags],
    deleted: img.deleted,
    deleted_at: isoSecondsOrNull(img.deleted_at),
  };
}

const storeList = (v: string | null | undefined): string[] => (v ? v.split(',').filter(Boolean) : []);

/** `image.prepare` and `image.upload` add where an import is going and where it failed. */
export function imageDataPayload(img: ImageRecord, backend?: string | null): Payload {
  const p: Payload = {
    ...imagePayload(img),
    os_glance_importing_to_stores: storeList(img.properties.os_glance_importing_to_stores),
    os_glance_failed_import: storeList(img.properties.os_glance_failed_import),
  };
  if (backend) p.backend = backend;
  return p;
}

export interface SendInfo {
  bytesSent: number;
  image: Pick<ImageRecord, '_id' | 'owner'>;
  receiver: { projectId: string | null; userId: string | null };
  destinationIp: string | null;
}

export function imageSendPayload(s: SendInfo): Payload {
  return {
    bytes_sent: s.bytesSent,
    image_id: s.image._id,
    owner_id: s.image.owner,
    receiver_tenant_id: s.receiver.projectId,
    receiver_user_id: s.receiver.userId,
    destination_ip: s.destinationIp,
  };
}

export function memberPayload(imageId: string, m: ImageMember): Payload {
  return { image_id: imageId, member_id: m.member_id, status: m.status, created_at: isoSeconds(m.created_at), updated_at: isoSeconds(m.updated_at), deleted: false, deleted_at: null };
}

/** The task's input is left out (it may hold credentials or private URLs); result and message too, as upstream. */
export function taskPayload(t: TaskRecord): Payload {
  return {
    id: t._id,
    type: t.type,
    status: t.status,
    result: null,
    owner: t.owner,
    message: null,
    expires_at: isoSecondsOrNull(t.expires_at),
    created_at: isoSeconds(t.created_at),
    updated_at: isoSecondsOrNull(t.updated_at ?? t.created_at),
    deleted: t.deleted,
    deleted_at: isoSecondsOrNull(t.deleted_at),
  };
}

/** Marks a payload as the record's deletion, at `at` (default now). */
export function deletedPayload(p: Payload, at: Date = new Date()): Payload {
  return { ...p, deleted: true, deleted_at: isoSeconds(at) };
}

const stamps = (d: { created_at: Date; updated_at: Date | null }) => ({ created_at: isoSeconds(d.created_at), updated_at: isoSecondsOrNull(d.updated_at), deleted: false, deleted_at: null });

/** `namespace_old` is the name before a rename (the same name otherwise). */
export function namespacePayload(ns: NamespaceDoc, oldName?: string): Payload {
  return {
    namespace: ns.namespace,
    namespace_old: oldName ?? ns.namespace,
    display_name: ns.display_name,
    protected: ns.protected,
    visibility: ns.visibility,
    owner: ns.owner,
    description: ns.description,
    ...stamps(ns),
  };
}

const SCHEMA_KEYS = ['type', 'title', 'description', 'default', 'minimum', 'maximum', 'enum', 'pattern', 'minLength', 'maxLength', 'confidential', 'items', 'uniqueItems', 'minItems', 'maxItems', 'additionalItems'] as const;

function schemaFields(def: Record<string, unknown>): Payload {
  return Object.fromEntries(SCHEMA_KEYS.map((k) => [k, def[k] ?? null]));
}

function parseJson(text: string | null): Record<string, unknown> {
  if (!text) return {};
  const v: unknown = JSON.parse(text);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function objectPayload(namespace: string, o: ObjectDoc, oldName?: string): Payload {
  const props = parseJson(o.properties_json);
  return {
    namespace,
    name: o.name,
    name_old: oldName ?? o.name,
    properties: Object.entries(props).map(([name, def]) => ({ name, ...schemaFields((def ?? {}) as Record<string, unknown>) })),
    required: o.required,
    description: o.description,
    ...stamps(o),
  };
}

/** Property payloads have no timestamps upstream. */
export function propertyPayload(namespace: string, p: { name: string; def_json: string }, oldName?: string): Payload {
  return { namespace, name: p.name, name_old: oldName ?? p.name, ...schemaFields(parseJson(p.def_json)), deleted: false, deleted_at: null };
}

export function tagPayload(namespace: string, t: TagDoc, oldName?: string): Payload {
  return { namespace, name: t.name, name_old: oldName ?? t.name, ...stamps(t) };
}

export function resourceTypePayload(namespace: string, a: AssociationDoc): Payload {
  return { namespace, name: a.resource_type, name_old: a.resource_type, prefix: a.prefix, properties_target: a.properties_target, ...stamps(a) };
}

/** The payload keys Glance's notifications carry (glance/notifier.py), per event group. */
import type { Decoded } from './consumer.js';

const IMAGE = ['id', 'name', 'status', 'created_at', 'updated_at', 'min_disk', 'min_ram', 'protected', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'is_public', 'visibility', 'properties', 'tags', 'deleted', 'deleted_at'];
const IMAGE_DATA = [...IMAGE, 'os_glance_importing_to_stores', 'os_glance_failed_import'];
const SEND = ['bytes_sent', 'image_id', 'owner_id', 'receiver_tenant_id', 'receiver_user_id', 'destination_ip'];
const MEMBER = ['image_id', 'member_id', 'status', 'created_at', 'updated_at', 'deleted', 'deleted_at'];
const TASK = ['id', 'type', 'status', 'result', 'owner', 'message', 'expires_at', 'created_at', 'updated_at', 'deleted', 'deleted_at'];
const NAMESPACE = ['namespace', 'namespace_old', 'display_name', 'protected', 'visibility', 'owner', 'description', 'created_at', 'updated_at', 'deleted', 'deleted_at'];
const SCHEMA = ['type', 'title', 'description', 'default', 'minimum', 'maximum', 'enum', 'pattern', 'minLength', 'maxLength', 'confidential', 'items', 'uniqueItems', 'minItems', 'maxItems', 'additionalItems'];
const OBJECT = ['namespace', 'name', 'name_old', 'properties', 'required', 'description', 'created_at', 'updated_at', 'deleted', 'deleted_at'];
const PROPERTY = ['namespace', 'name', 'name_old', ...SCHEMA, 'deleted', 'deleted_at'];
const TAG = ['namespace', 'name', 'name_old', 'created_at', 'updated_at', 'deleted', 'deleted_at'];
const RESOURCE_TYPE = ['namespace', 'name', 'name_old', 'prefix', 'properties_target', 'created_at', 'updated_at', 'deleted', 'deleted_at'];

/** The keys an INFO payload of `event` must have (exactly), or null for a free-form payload. */
export function expectedKeys(event: string): string[] | null {
  if (event === 'image.send') return SEND;
  if (event === 'image.prepare' || event === 'image.upload') return IMAGE_DATA;
  if (event.startsWith('image.member.')) return MEMBER;
  if (event.startsWith('image.')) return IMAGE;
  if (event.startsWith('task.')) return TASK;
  if (event.startsWith('metadef_namespace.')) return NAMESPACE;
  if (event.startsWith('metadef_object.')) return OBJECT;
  if (event.startsWith('metadef_property.')) return PROPERTY;
  if (event.startsWith('metadef_tag.')) return TAG;
  if (event.startsWith('metadef_resource_type.')) return RESOURCE_TYPE;
  return null;
}

/** What is wrong with a decoded notification's envelope and payload keys (empty: nothing). */
export function problems(e: Decoded): string[] {
  const out: string[] = [];
  if (!/^image\.\S+$/.test(e.publisher_id)) out.push(`publisher_id ${e.publisher_id}`);
  if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/.test(e.metadata.timestamp)) out.push(`timestamp ${e.metadata.timestamp}`);
  if (!/^[0-9a-f-]{36}$/.test(e.metadata.message_id)) out.push(`message_id ${e.metadata.message_id}`);
  if (JSON.stringify(e.payload).includes('"locations"')) out.push('payload carries locations');
  if (e.priority === 'INFO') {
    const want = expectedKeys(e.event_type);
    const have = e.payload && typeof e.payload === 'object' ? Object.keys(e.payload).filter((k) => k !== 'backend').sort() : [];
    if (want && JSON.stringify(have) !== JSON.stringify([...want].sort())) out.push(`payload keys ${have.join(',')}`);
  }
  return out;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { imageRecord } from '../helpers/images.js';
import { deletedPayload, imageDataPayload, imagePayload, imageSendPayload, memberPayload, namespacePayload, objectPayload, propertyPayload, resourceTypePayload, tagPayload, taskPayload } from '../../src/notifier/payloads.js';
import { osloEnvelope, osloMessage, osloTimestamp, routingKey } from '../../src/notifier/oslo.js';
import { createNotifier, isEnabled, type Notification, type Sink } from '../../src/notifier/notifier.js';
import { amqpUrl } from '../../src/notifier/amqp.js';
import type { TaskRecord } from '../../src/repositories/tasks.js';

const IMAGE_KEYS = ['id', 'name', 'status', 'created_at', 'updated_at', 'min_disk', 'min_ram', 'protected', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'is_public', 'visibility', 'properties', 'tags', 'deleted', 'deleted_at'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

test('image payload: upstream keys, is_public from visibility, never the locations', () => {
  const secret = 'https://admin:s3cret@store.example/v1/img';
  const img = imageRecord({
    name: 'n',
    visibility: 'public',
    properties: { os_distro: 'debian', os_glance_stage_host: 'http://10.0.0.1:9292' },
    tags: ['a'],
    locations: [{ url: secret, metadata: { store: 'web' } }],
  });
  const p = imagePayload(img);
  assert.deepEqual(Object.keys(p).sort(), [...IMAGE_KEYS].sort());
  assert.equal(p.is_public, true);
  assert.equal(p.visibility, 'public');
  assert.deepEqual(p.properties, { os_distro: 'debian' });
  assert.match(String(p.created_at), ISO);
  assert.equal(p.deleted_at, null);
  assert.ok(!JSON.stringify(p).includes('s3cret'));
  for (const v of ['private', 'shared', 'community'] as const) assert.equal(imagePayload(imageRecord({ visibility: v })).is_public, false);

  const data = imageDataPayload(imageRecord({ properties: { os_glance_importing_to_stores: 'a,b', os_glance_failed_import: '' } }), 'fast');
  assert.deepEqual(data.os_glance_importing_to_stores, ['a', 'b']);
  assert.deepEqual(data.os_glance_failed_import, []);
  assert.equal(data.backend, 'fast');
  assert.equal('backend' in imageDataPayload(imageRecord()), false);

  const gone = deletedPayload(p, new Date('2026-01-02T03:04:05.678Z'));
  assert.equal(gone.deleted, true);
  assert.equal(gone.deleted_at, '2026-01-02T03:04:05Z');
});

test('image.send, member and task payloads', () => {
  const send = imageSendPayload({ bytesSent: 42, image: { _id: 'i', owner: 'o' }, receiver: { projectId: 'p', userId: 'u' }, destinationIp: '127.0.0.1' });
  assert.deepEqual(send, { bytes_sent: 42, image_id: 'i', owner_id: 'o', receiver_tenant_id: 'p', receiver_user_id: 'u', destination_ip: '127.0.0.1' });
  const t = new Date('2026-01-02T03:04:05Z');
  const m = memberPayload('i', { member_id: 'p2', status: 'accepted', created_at: t, updated_at: t });
  assert.deepEqual(m, { image_id: 'i', member_id: 'p2', status: 'accepted', created_at: '2026-01-02T03:04:05Z', updated_at: '2026-01-02T03:04:05Z', deleted: false, deleted_at: null });
  const task: TaskRecord = { _id: 't', type: 'import', status: 'success', owner: 'o', image_id: 'i', request_id: 'r', user_id: 'u', input: { import_from: 'https://user:pw@example/x' }, result: { image_id: 'i' }, message: 'm', expires_at: t, created_at: t, updated_at: t, deleted_at: null, deleted: false };
  const tp = taskPayload(task);
  assert.deepEqual(Object.keys(tp).sort(), ['created_at', 'deleted', 'deleted_at', 'expires_at', 'id', 'message', 'owner', 'result', 'status', 'type', 'updated_at']);
  assert.ok(!JSON.stringify(tp).includes('pw@'), 'the task input is never sent');
});

test('metadef payloads carry the old name on renames', () => {
  const t = new Date('2026-01-02T03:04:05Z');
  const ns = { _id: 'x', namespace: 'New', display_name: 'D', description: null, visibility: 'public' as const, protected: false, owner: 'o', created_at: t, updated_at: t, version: 2 };
  assert.equal(namespacePayload(ns, 'Old').namespace_old, 'Old');
  assert.equal(namespacePayload(ns).namespace_old, 'New');
  const obj = objectPayload('N', { _id: 'o', ns_id: 'x', name: 'Obj', description: 'd', required: ['a'], properties_json: JSON.stringify({ a: { type: 'string', maxLength: 5 } }), created_at: t, updated_at: t, version: 1 }, 'OldObj');
  assert.equal(obj.name_old, 'OldObj');
  assert.deepEqual((obj.properties as Record<string, unknown>[])[0].name, 'a');
  assert.equal((obj.properties as Record<string, unknown>[])[0].maxLength, 5);
  assert.equal((obj.properties as Record<string, unknown>[])[0].minimum, null);
  const prop = propertyPayload('N', { name: 'p', def_json: JSON.stringify({ type: 'integer', title: 'P', minimum: 0 }) }, 'q');
  assert.equal(prop.name_old, 'q');
  assert.equal(prop.minimum, 0, 'a falsy value is kept');
  assert.equal(prop.enum, null);
  assert.equal('created_at' in prop, false, 'no timestamps, as upstream');
  assert.equal(tagPayload('N', { _id: 't', ns_id: 'x', name: 'b', created_at: t, updated_at: t, version: 1 }, 'a').name_old, 'a');
  const rt = resourceTypePayload('N', { _id: 'a', ns_id: 'x', resource_type: 'OS::Glance::Image', prefix: 'p_', properties_target: null, created_at: t, updated_at: null });
  assert.deepEqual(rt, { namespace: 'N', name: 'OS::Glance::Image', name_old: 'OS::Glance::Image', prefix: 'p_', properties_target: null, created_at: '2026-01-02T03:04:05Z', updated_at: null, deleted: false, deleted_at: null });
});

test("oslo's timestamp format is Python's str(datetime) with microseconds, in UTC", () => {
  assert.equal(osloTimestamp(new Date('2026-12-06T04:03:02.001Z')), '2026-12-06 04:03:02.001000');
  fc.assert(
    fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
      const s = osloTimestamp(d);
      assert.match(s, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
      assert.equal(new Date(`${s.replace(' ', 'T').slice(0, 23)}Z`).getTime(), d.getTime());
    }),
    { seed: 16, numRuns: 500 },
  );
});

test('the messagingv2 envelope holds the message as JSON text', () => {
  const n: Notification = { message_id: '6b1f6a2e-1c9d-4a0e-9a51-0b3c7c9d2e11', event_type: 'image.create', priority: 'INFO', payload: { id: 'x' }, timestamp: new Date('2026-01-02T03:04:05.006Z'), context: { request_id: 'req-1', user_id: 'u', project_id: null } };
  const env = JSON.parse(osloEnvelope(n, 'image.host1'));
  assert.deepEqual(Object.keys(env).sort(), ['oslo.message', 'oslo.version']);
  assert.equal(env['oslo.version'], '2.0');
  assert.equal(typeof env['oslo.message'], 'string');
  const msg = JSON.parse(env['oslo.message']);
  assert.deepEqual(msg, osloMessage(n, 'image.host1'));
  assert.deepEqual(msg, {
    message_id: n.message_id,
    publisher_id: 'image.host1',
    event_type: 'image.create',
    priority: 'INFO',
    payload: { id: 'x' },
    timestamp: '2026-01-02 03:04:05.006000',
    _unique_id: '6b1f6a2e1c9d4a0e9a510b3c7c9d2e11',
    _context_request_id: 'req-1',
    _context_user_id: 'u',
  });
  assert.equal(routingKey('notifications', { priority: 'ERROR' }), 'notifications.error');
  assert.equal(routingKey('monitor', { priority: 'INFO' }), 'monitor.info');
});

test('disabled notifications: single types and groups, on dot boundaries', () => {
  assert.equal(isEnabled('image.send', ['image.send']), false);
  assert.equal(isEnabled('image.upload', ['image.send']), true);
  assert.equal(isEnabled('image.member.create', ['image']), false, 'the image group holds image.member.*, as upstream');
  assert.equal(isEnabled('image.member.create', ['image.member']), false);
  assert.equal(isEnabled('image.create', ['image.member']), true);
  assert.equal(isEnabled('metadef_tag.update', ['metadef_tag']), false);
  assert.equal(isEnabled('metadef_tag.update', ['metadef']), true);
  assert.equal(isEnabled('image.upload', ['image.up']), true);
  assert.equal(isEnabled('task.success', []), true);
});

test('the notifier filters, stamps and never throws', () => {
  const got: Notification[] = [];
  let broken = false;
  const sink: Sink = {
    send(n) {
      if (broken) throw new Error('sink down');
      got.push(n);
    },
    counters: () => ({ queued: 0, sent: got.length, dropped: 0, failed: 0 }),
    close: async () => undefined,
  };
  const n = createNotifier(sink, ['image.send', 'metadef_tag']);
  n.emit('image.send', {});
  n.emit('metadef_tag.create', {});
  n.emit('image.create', { id: 'a' });
  n.error('image.upload', 'failed');
  assert.deepEqual(got.map((x) => [x.event_type, x.priority]), [['image.create', 'INFO'], ['image.upload', 'ERROR']]);
  assert.notEqual(got[0].message_id, got[1].message_id);
  broken = true;
  assert.doesNotThrow(() => n.emit('image.update', {}));
});

test("oslo's rabbit:// transport URL is AMQP 0-9-1", () => {
  assert.equal(amqpUrl('rabbit://u:p@host:5673/vh'), 'amqp://u:p@host:5673/vh');
  assert.equal(amqpUrl('rabbit://u:p@host/'), 'amqp://u:p@host:5672/');
  assert.equal(amqpUrl('amqps://u:p@host/'), 'amqps://u:p@host:5671/');
  assert.throws(() => amqpUrl('http://host/'), /unsupported/);
});

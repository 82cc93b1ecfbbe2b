/**
 * Notifications lane: the service publishes to a private RabbitMQ (Debian's rabbitmq-server)
 * and a real oslo.messaging notification listener (Debian's python3-oslo.messaging, as
 * Ceilometer runs it: exchange `glance`, topic `notifications`) decodes what arrives.
 *
 *   embedded MongoDB → broker (test/notifications/rabbit.ts) → listener.py → the service
 *   (NOTIFICATION_TRANSPORT_URL) → an image's life, an import, a failed upload and a
 *   namespace's life over HTTP → every expected event decoded, with Glance's payload keys →
 *   fault run: the broker stops in the middle of a run of writes and comes back; every write
 *   is answered and every event arrives.
 *
 * Run with `npm run test:notifications` (installs what is missing first). The last line is
 * `notifications: N events decoded by oslo.messaging, N event types, N missing`; the exit
 * code is non-zero when anything is missing or wrong. NOTIFY_KEEP=1 keeps the temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inLane } from '../helpers/lane.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { freePort } from '../helpers/keystone.js';
import { brokerUnavailableReason, createBroker, type Broker } from './rabbit.js';
import { startConsumer, type Consumer, type Decoded } from './consumer.js';
import { problems } from './expect.js';

const KEEP = process.env.NOTIFY_KEEP === '1';
const t0 = Date.now();
const say = (msg: string) => console.log(`notifications-lane: [${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}`);

interface Expected {
  what: string;
  event: string;
  priority?: 'INFO' | 'ERROR';
  match: (p: any) => boolean;
}

const DATA = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7) % 251));

async function main(): Promise<number> {
  const reason = brokerUnavailableReason();
  if (reason) {
    console.error(`notifications-lane: ${reason}`);
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'glance-notify-'));
  let broker: Broker | undefined;
  let consumer: Consumer | undefined;
  let s: TestServer | undefined;
  const stop = async () => {
    await consumer?.stop().catch(() => undefined);
    await s?.close().catch(() => undefined);
    await broker?.destroy().catch(() => undefined);
  };
  try {
    return await inLane(stop, async () => {
      broker = await createBroker(join(dir, 'broker'));
      say(`starting RabbitMQ on 127.0.0.1:${broker.port} and the service`);
      const started = broker.start();
      // web-download may reach loopback: the lane's failing import points at a closed port there.
      s = await startServer({ NOTIFICATION_TRANSPORT_URL: broker.url, NOTIFICATION_TOPICS: 'notifications', HTTP_ALLOWED_HOSTS: '127.0.0.1' });
      await started;
      consumer = await startConsumer(broker.url, join(dir, 'listener.log'));
      say('broker, service and oslo.messaging listener ready');
      return await scenario(s, broker, consumer);
    });
  } finally {
    if (KEEP) say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function scenario(s: TestServer, broker: Broker, consumer: Consumer): Promise<number> {
  const closedPort = await freePort();
  const owner = await s.token({ project: 'project-a', roles: ['member'], user: 'user-a' });
  const reader = await s.token({ project: 'project-a', roles: ['reader'] });
  const other = await s.token({ project: 'project-b', roles: ['member'] });
  const admin = await s.token({ project: 'project-a', roles: ['admin'] });
  const failures: string[] = [];
  const api = async (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) => {
    const raw = Buffer.isBuffer(body);
    const r = await fetch(`${s.url}${path}`, {
      method,
      headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': raw ? 'application/octet-stream' : method === 'PATCH' ? 'application/openstack-images-v2.1-json-patch' : 'application/json' }), ...headers },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
    const buf = Buffer.from(await r.arrayBuffer());
    const text = buf.toString('utf8');
    return { status: r.status, bytes: buf.length, json: text.startsWith('{') ? JSON.parse(text) : null };
  };
  const must = async (want: number, what: string, p: ReturnType<typeof api>) => {
    const r = await p;
    if (r.status !== want) failures.push(`${what}: HTTP ${r.status}, expected ${want}`);
    return r;
  };
  const expected: Expected[] = [];
  const expect = (what: string, event: string, match: (p: any) => boolean, priority: 'INFO' | 'ERROR' = 'INFO') => expected.push({ what, event, priority, match });

  // ---- an image's life -----------------------------------------------------------------
  const img = (await must(201, 'create image', api('POST', '/v2/images', owner, { name: 'lane-image', disk_format: 'raw', container_format: 'bare', visibility: 'shared' }))).json;
  const id = img.id as string;
  const mine = (p: any) => p?.id === id;
  expect('create', 'image.create', (p) => mine(p) && p.status === 'queued' && p.is_public === false);
  await must(200, 'update image', api('PATCH', `/v2/images/${id}`, owner, [{ op: 'add', path: '/lane_prop', value: 'v' }]));
  expect('update', 'image.update', (p) => mine(p) && p.properties.lane_prop === 'v');
  await must(403, 'refused update', api('PATCH', `/v2/images/${id}`, reader, [{ op: 'add', path: '/refused', value: 'v' }]));
  await must(204, 'upload', api('PUT', `/v2/images/${id}/file`, owner, DATA));
  expect('upload: prepare', 'image.prepare', (p) => mine(p) && p.status === 'saving');
  expect('upload', 'image.upload', (p) => mine(p) && p.status === 'active' && p.size === DATA.length && typeof p.checksum === 'string');
  expect('upload: activate', 'image.activate', (p) => mine(p) && p.status === 'active');
  const got = await must(200, 'download', api('GET', `/v2/images/${id}/file`, owner));
  if (got.bytes !== DATA.length) failures.push(`download: ${got.bytes} bytes`);
  expect('download', 'image.send', (p) => p.image_id === id && p.bytes_sent === DATA.length && p.owner_id === 'project-a' && p.receiver_tenant_id === 'project-a' && p.receiver_user_id === 'user-a');
  await must(200, 'share', api('POST', `/v2/images/${id}/members`, owner, { member: 'project-b' }));
  expect('share', 'image.member.create', (p) => p.image_id === id && p.member_id === 'project-b' && p.status === 'pending');
  await must(200, 'accept', api('PUT', `/v2/images/${id}/members/project-b`, other, { status: 'accepted' }));
  expect('accept', 'image.member.update', (p) => p.image_id === id && p.status === 'accepted');
  await must(204, 'deactivate', api('POST', `/v2/images/${id}/actions/deactivate`, owner));
  expect('deactivate', 'image.update', (p) => mine(p) && p.status === 'deactivated');
  await must(204, 'reactivate', api('POST', `/v2/images/${id}/actions/reactivate`, owner));
  expect('reactivate', 'image.update', (p) => mine(p) && p.status === 'active');
  await must(204, 'unshare', api('DELETE', `/v2/images/${id}/members/project-b`, owner));
  expect('unshare', 'image.member.delete', (p) => p.image_id === id && p.deleted === true);
  await must(204, 'delete', api('DELETE', `/v2/images/${id}`, owner));
  expect('delete', 'image.delete', (p) => mine(p) && p.deleted === true && typeof p.deleted_at === 'string');

  // ---- a failed upload: ERROR image.upload ---------------------------------------------
  const bad = (await must(201, 'create image 2', api('POST', '/v2/images', owner, { name: 'lane-bad-upload', disk_format: 'raw', container_format: 'bare' }))).json;
  expect('create 2', 'image.create', (p) => p.id === bad.id);
  const badUp = await api('PUT', `/v2/images/${bad.id}/file`, owner, DATA, { 'x-openstack-image-size': '10' });
  if (badUp.status < 400 || badUp.status >= 500) failures.push(`bad upload: HTTP ${badUp.status}`);
  expect('bad upload: prepare', 'image.prepare', (p) => p.id === bad.id);
  expect('bad upload', 'image.upload', (p) => typeof p === 'string' && p.includes(bad.id), 'ERROR');

  // ---- an import: task.* ---------------------------------------------------------------
  const imp = (await must(201, 'create image 3', api('POST', '/v2/images', owner, { name: 'lane-import', disk_format: 'raw', container_format: 'bare' }))).json;
  expect('create 3', 'image.create', (p) => p.id === imp.id);
  await must(204, 'stage', api('PUT', `/v2/images/${imp.id}/stage`, owner, DATA));
  await must(202, 'import', api('POST', `/v2/images/${imp.id}/import`, owner, { method: { name: 'glance-direct' } }));
  const isTask = (p: any) => p.type === 'api_image_import' && p.owner === 'project-a' && !('input' in p);
  expect('import: task created', 'task.create', (p) => isTask(p) && p.status === 'pending');
  expect('import: task run', 'task.run', isTask);
  expect('import: task processing', 'task.processing', (p) => isTask(p) && p.status === 'processing');
  expect('import: prepare', 'image.prepare', (p) => p.id === imp.id && p.status === 'importing');
  expect('import: upload', 'image.upload', (p) => p.id === imp.id && p.backend !== undefined);
  expect('import: activate', 'image.activate', (p) => p.id === imp.id && p.status === 'active');
  expect('import: task success', 'task.success', (p) => isTask(p) && p.status === 'success');

  // ---- an import that fails: task.failure ----------------------------------------------
  const lost = (await must(201, 'create image 4', api('POST', '/v2/images', owner, { name: 'lane-lost', disk_format: 'raw', container_format: 'bare' }))).json;
  expect('create 4', 'image.create', (p) => p.id === lost.id);
  await must(202, 'web-download from nowhere', api('POST', `/v2/images/${lost.id}/import`, owner, { method: { name: 'web-download', uri: `http://127.0.0.1:${closedPort}/nothing` } }));
  const isWeb = (p: any) => p.type === 'api_image_import' && p.owner === 'project-a';
  expect('failed import: task created', 'task.create', (p) => isWeb(p) && p.status === 'pending');
  expect('failed import: task run', 'task.run', isWeb);
  expect('failed import: task processing', 'task.processing', (p) => isWeb(p) && p.status === 'processing');
  expect('failed import: prepare', 'image.prepare', (p) => p.id === lost.id);
  expect('failed import: store', 'image.upload', (p) => typeof p === 'string' && p.includes(lost.id), 'ERROR');
  expect('failed import: task failure', 'task.failure', (p) => isWeb(p) && p.status === 'failure');

  // ---- a namespace's life --------------------------------------------------------------
  const ns = 'OS::Lane::Notify';
  await must(201, 'create namespace', api('POST', '/v2/metadefs/namespaces', admin, {
    namespace: ns,
    display_name: 'Lane',
    description: 'notifications lane',
    visibility: 'public',
    properties: { lane_speed: { type: 'integer', title: 'Speed', minimum: 1 } },
    objects: [{ name: 'LaneObject', required: ['lane_flag'], properties: { lane_flag: { type: 'boolean', title: 'Flag' } } }],
    tags: [{ name: 'lane-tag-1' }, { name: 'lane-tag-2' }],
    resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'lane_' }],
  }));
  expect('namespace', 'metadef_namespace.create', (p) => p.namespace === ns && p.visibility === 'public' && p.display_name === 'Lane');
  expect('namespace: property', 'metadef_property.create', (p) => p.namespace === ns && p.name === 'lane_speed' && p.type === 'integer' && p.minimum === 1);
  expect('namespace: object', 'metadef_object.create', (p) => p.namespace === ns && p.name === 'LaneObject' && p.properties?.[0]?.name === 'lane_flag');
  expect('namespace: tag 1', 'metadef_tag.create', (p) => p.namespace === ns && p.name === 'lane-tag-1');
  expect('namespace: tag 2', 'metadef_tag.create', (p) => p.namespace === ns && p.name === 'lane-tag-2');
  expect('namespace: resource type', 'metadef_resource_type.create', (p) => p.namespace === ns && p.name === 'OS::Glance::Image' && p.prefix === 'lane_');
  const nsPath = `/v2/metadefs/namespaces/${ns}`;
  await must(200, 'rename tag', api('PUT', `${nsPath}/tags/lane-tag-1`, admin, { name: 'lane-tag-renamed' }));
  expect('rename tag', 'metadef_tag.update', (p) => p.name === 'lane-tag-renamed' && p.name_old === 'lane-tag-1');
  await must(200, 'rename object', api('PUT', `${nsPath}/objects/LaneObject`, admin, { name: 'LaneObject2', properties: { lane_flag: { type: 'boolean', title: 'Flag' } } }));
  expect('rename object', 'metadef_object.update', (p) => p.name === 'LaneObject2' && p.name_old === 'LaneObject');
  await must(200, 'rename property', api('PUT', `${nsPath}/properties/lane_speed`, admin, { name: 'lane_pace', type: 'integer', title: 'Pace', maximum: 9 }));
  expect('rename property', 'metadef_property.update', (p) => p.name === 'lane_pace' && p.name_old === 'lane_speed' && p.maximum === 9);
  await must(204, 'delete tag', api('DELETE', `${nsPath}/tags/lane-tag-2`, admin));
  expect('delete tag', 'metadef_tag.delete', (p) => p.namespace === ns && p.name === 'lane-tag-2' && p.deleted === true);
  await must(204, 'delete object', api('DELETE', `${nsPath}/objects/LaneObject2`, admin));
  expect('delete object', 'metadef_object.delete', (p) => p.name === 'LaneObject2' && p.deleted === true);
  await must(204, 'delete property', api('DELETE', `${nsPath}/properties/lane_pace`, admin));
  expect('delete property', 'metadef_property.delete', (p) => p.name === 'lane_pace' && p.deleted === true);
  await must(204, 'dissociate resource type', api('DELETE', `${nsPath}/resource_types/OS::Glance::Image`, admin));
  expect('dissociate resource type', 'metadef_resource_type.delete', (p) => p.namespace === ns && p.name === 'OS::Glance::Image' && p.deleted === true);
  for (const what of ['objects', 'properties', 'tags'] as const) {
    await must(204, `delete all ${what}`, api('DELETE', `${nsPath}/${what}`, admin));
    expect(`delete all ${what}`, `metadef_namespace.delete_${what}`, (p) => p.namespace === ns);
  }
  const ns2 = 'OS::Lane::Notified';
  await must(200, 'rename namespace', api('PUT', `/v2/metadefs/namespaces/${ns}`, admin, { namespace: ns2, display_name: 'Lane', visibility: 'public' }));
  expect('rename namespace', 'metadef_namespace.update', (p) => p.namespace === ns2 && p.namespace_old === ns);
  await must(204, 'delete namespace', api('DELETE', `/v2/metadefs/namespaces/${ns2}`, admin));
  expect('delete namespace', 'metadef_namespace.delete', (p) => p.namespace === ns2 && p.deleted === true);

  // The import runs in the background.
  for (let i = 0; i < 100; i++) {
    const r = await api('GET', `/v2/images/${imp.id}`, owner);
    if (r.json?.status === 'active') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const matched = (evs: Decoded[]) => match(expected, evs);
  await consumer.waitFor((evs) => matched(evs).missing.length === 0, 20_000);
  const life = matched(consumer.events);
  for (const m of life.missing) failures.push(`not decoded: ${m.event} (${m.what})`);
  // Once per change: exactly one event of each kind for the first image, none for the refused PATCH.
  const firstImage = distinct(consumer.events).filter((e) => e.payload?.id === id || e.payload?.image_id === id);
  const count = (t: string) => firstImage.filter((e) => e.event_type === t).length;
  for (const [t, n] of Object.entries({ 'image.create': 1, 'image.update': 3, 'image.prepare': 1, 'image.upload': 1, 'image.activate': 1, 'image.send': 1, 'image.member.create': 1, 'image.member.update': 1, 'image.member.delete': 1, 'image.delete': 1 })) {
    if (count(t) !== n) failures.push(`${t} for the first image: ${count(t)} events, expected ${n}`);
  }
  if (firstImage.some((e) => e.payload?.properties?.refused !== undefined)) failures.push('an event for the refused PATCH');
  say(`life cycle: ${expected.length - life.missing.length}/${expected.length} expected events decoded`);

  // ---- fault run: the broker stops in the middle of a run of writes ----------------------
  const fimg = (await must(201, 'create image 5', api('POST', '/v2/images', owner, { name: 'lane-fault' }))).json;
  await consumer.waitFor((evs) => evs.some((e) => e.event_type === 'image.create' && e.payload?.id === fimg.id), 10_000);
  let stopped = false;
  let stopping: Promise<void> | null = null;
  let writes = 0;
  let afterStop = 0;
  const slow: number[] = [];
  while (afterStop < 15) {
    if (writes === 10) {
      say('stopping the broker');
      stopping = broker.stop().then(() => {
        stopped = true;
        say('broker stopped');
      });
    }
    const t = Date.now();
    const r = await api('PATCH', `/v2/images/${fimg.id}`, owner, [{ op: 'add', path: '/fault_seq', value: String(writes) }]);
    slow.push(Date.now() - t);
    if (r.status !== 200) failures.push(`fault write ${writes}: HTTP ${r.status}`);
    writes++;
    if (stopped) afterStop++;
    await new Promise((res) => setTimeout(res, 50));
  }
  await stopping;
  const held = s.app.services.notifier.counters();
  say(`${writes} writes answered (slowest ${Math.max(...slow)} ms) while the broker went down; service holds ${held.queued} queued, ${held.failed} failed attempts`);
  if (held.queued === 0) failures.push('nothing was queued while the broker was down');
  say('starting the broker again (same node directory, same port)');
  await broker.start();
  const faultOf = (e: Decoded) => (e.event_type === 'image.update' && e.payload?.id === fimg.id ? (e.payload.properties?.fault_seq as string | undefined) : undefined);
  const arrived = (evs: Decoded[]) => new Set(evs.map(faultOf).filter((x) => x !== undefined));
  await consumer.waitFor((evs) => arrived(evs).size === writes, 90_000);
  const got2 = arrived(consumer.events);
  const faultMissing = Array.from({ length: writes }, (_, i) => String(i)).filter((i) => !got2.has(i));
  for (const i of faultMissing) failures.push(`fault write ${i}: its image.update never arrived`);
  const copies = consumer.events.filter((e) => faultOf(e) !== undefined).length - got2.size;
  const after = s.app.services.notifier.counters();
  say(`fault run: ${got2.size}/${writes} events arrived after the restart (${copies} redelivered copies); counters ${JSON.stringify(after)}`);
  if (after.dropped !== 0) failures.push(`${after.dropped} notifications dropped`);

  // ---- every decoded notification has oslo's envelope and Glance's payload keys ---------
  for (const e of consumer.events) for (const p of problems(e)) failures.push(`${e.event_type}: ${p}`);
  const types = new Set(consumer.events.map((e) => e.event_type));
  for (const f of [...new Set(failures)]) console.log(`notifications-lane: FAIL ${f}`);
  const missing = life.missing.length + faultMissing.length;
  console.log(`notifications: ${consumer.events.length} events decoded by oslo.messaging, ${types.size} event types, ${missing} missing`);
  return failures.length ? 1 : 0;
}

/** One copy per message id (at-least-once delivery may bring more). */
function distinct(evs: Decoded[]): Decoded[] {
  const seen = new Set<string>();
  return evs.filter((e) => !seen.has(e.metadata.message_id) && !!seen.add(e.metadata.message_id));
}

/** Pairs each expectation with a distinct decoded event. */
function match(expected: Expected[], evs: Decoded[]): { missing: Expected[] } {
  const used = new Set<Decoded>();
  const missing: Expected[] = [];
  const pool = distinct(evs);
  for (const x of expected) {
    const hit = pool.find((e) => !used.has(e) && e.event_type === x.event && e.priority === (x.priority ?? 'INFO') && safe(() => x.match(e.payload)));
    if (hit) used.add(hit);
    else missing.push(x);
  }
  return { missing };
}

function safe(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

const guard = setTimeout(() => {
  console.error('notifications-lane: timed out after 5 minutes');
  process.exit(1);
}, 300_000);
guard.unref();
main().then(
  (code) => {
    say(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    process.exit(code);
  },
  (err) => {
    console.error('notifications-lane:', err);
    process.exit(1);
  },
);

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { createHttpServer } from '../../src/http/server.js';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { createApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { buildContext } from '../../src/authn/context.js';

// The standard corpus is loaded once for this file by the metadefs loader (METADEFS_AUTOLOAD_DIR).
let s: TestServer;
let admin: string;
let member: string;
const V = (rt: string) => `/v2/metadefs/resource_types/${encodeURIComponent(rt)}/validate`;

before(async () => {
  s = await startServer({ METADEFS_AUTOLOAD_DIR: join(PROJECT_ROOT, 'etc', 'metadefs'), VALIDATION_MAX_PROPERTIES: '20', VALIDATION_MAX_BATCH: '3' });
  admin = await s.token({ project: 'p-admin', roles: ['admin'] });
  member = await s.token({ project: 'p-member', roles: ['member'] });
});
after(() => s.close());

async function verdicts(rt: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}, token = admin) {
  const r = await call(s.url, 'POST', V(rt), { token, body: { properties, ...extra } });
  assert.equal(r.status, 200, r.text);
  return r.body as { valid: boolean; properties: Record<string, { status: string; namespace?: string; message?: string; object?: string }> };
}

test('flavor extra specs: hw:cpu_policy=dedicated is valid, =bogus invalid with a readable message', async () => {
  const ok = await verdicts('OS::Nova::Flavor', { 'hw:cpu_policy': 'dedicated' });
  assert.deepEqual(ok, { valid: true, properties: { 'hw:cpu_policy': { status: 'valid', namespace: 'OS::Compute::CPUPinning' } } });
  const bad = await verdicts('OS::Nova::Flavor', { 'hw:cpu_policy': 'bogus', 'hw:cpu_thread_policy': 'prefer' });
  assert.equal(bad.valid, false);
  assert.deepEqual(bad.properties['hw:cpu_policy'], {
    status: 'invalid',
    namespace: 'OS::Compute::CPUPinning',
    message: 'hw:cpu_policy: "bogus" is not one of the allowed values (shared, dedicated) defined by OS::Compute::CPUPinning',
  });
  assert.equal(bad.properties['hw:cpu_thread_policy'].status, 'valid');
});

test('image properties use the hw_ prefix; enums of watchdog, os_type, hypervisor_type', async () => {
  const r = await verdicts('OS::Glance::Image', {
    hw_cpu_policy: 'dedicated',
    'hw:cpu_policy': 'dedicated',
    hw_watchdog_action: 'explode',
    os_type: 'windows',
    hypervisor_type: 'commodore',
  });
  assert.equal(r.valid, false);
  assert.equal(r.properties.hw_cpu_policy.status, 'valid');
  assert.equal(r.properties['hw:cpu_policy'].status, 'unknown');
  assert.equal(r.properties.hw_watchdog_action.status, 'invalid');
  assert.match(r.properties.hw_watchdog_action.message!, /^hw_watchdog_action: "explode" is not one of the allowed values \(disabled, reset, poweroff, pause, none\) defined by OS::Compute::Watchdog$/);
  assert.deepEqual(r.properties.os_type, { status: 'valid', namespace: 'OS::Compute::LibvirtImage' });
  assert.equal(r.properties.hypervisor_type.status, 'invalid');
  assert.equal(r.properties.hypervisor_type.namespace, 'OS::Compute::Hypervisor');
  assert.match(r.properties.hypervisor_type.message!, /kvm/);
});

test('integer and boolean values given as strings, unknown keys, object properties', async () => {
  const r = await verdicts('OS::Nova::Flavor', {
    'hw:cpu_sockets': '2',
    'hw:cpu_cores': '2.5',
    'hw_rng:allowed': 'True',
    'hw_rng:rate_bytes': 'lots',
    'quota:disk_read_iops_sec': '500',
    'my:own': 'anything',
  });
  assert.equal(r.valid, false);
  assert.equal(r.properties['hw:cpu_sockets'].status, 'valid');
  assert.equal(r.properties['hw:cpu_cores'].status, 'invalid');
  assert.match(r.properties['hw:cpu_cores'].message!, /"2\.5" is not an integer/);
  assert.equal(r.properties['hw_rng:allowed'].status, 'valid');
  assert.equal(r.properties['hw_rng:rate_bytes'].status, 'invalid');
  assert.deepEqual(r.properties['quota:disk_read_iops_sec'], { status: 'valid', namespace: 'OS::Compute::Quota', object: 'Disk QoS' });
  assert.deepEqual(r.properties['my:own'], { status: 'unknown' });
});

test('properties_target selects the association (Cinder volume image metadata)', async () => {
  assert.equal((await verdicts('OS::Cinder::Volume', { hw_watchdog_action: 'reset' })).properties.hw_watchdog_action.status, 'unknown');
  const r = await verdicts('OS::Cinder::Volume', { hw_watchdog_action: 'reset', hw_cpu_policy: 'bogus', os_type: 'linux' }, { properties_target: 'image' });
  assert.equal(r.properties.hw_watchdog_action.status, 'valid');
  assert.equal(r.properties.hw_cpu_policy.status, 'invalid');
  // OS::Compute::LibvirtImage is associated with images only.
  assert.equal(r.properties.os_type.status, 'unknown');
});

test('namespaces restricts the definitions used; unknown or invisible namespaces are 400', async () => {
  const r = await verdicts('OS::Glance::Image', { hw_cpu_policy: 'bogus', os_type: 'beos' }, { namespaces: ['OS::Compute::LibvirtImage'] });
  assert.equal(r.properties.hw_cpu_policy.status, 'unknown');
  assert.equal(r.properties.os_type.status, 'invalid');
  const bad = await call(s.url, 'POST', V('OS::Glance::Image'), { token: admin, body: { properties: {}, namespaces: ['No::Such'] } });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /No::Such/);
});

test('batch form: one verdict per map, in order', async () => {
  const r = await call(s.url, 'POST', `${V('OS::Nova::Flavor')}/batch`, {
    token: admin,
    body: { items: [{ properties: { 'hw:cpu_policy': 'shared' } }, { properties: { 'hw:cpu_policy': 'none' } }, { properties: {} }] },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.valid, false);
  assert.deepEqual(r.body.items.map((i: { valid: boolean }) => i.valid), [true, false, true]);
  assert.equal(r.body.items[1].properties['hw:cpu_policy'].status, 'invalid');
  const tooMany = await call(s.url, 'POST', `${V('OS::Nova::Flavor')}/batch`, { token: admin, body: { items: Array.from({ length: 4 }, () => ({ properties: {} })) } });
  assert.equal(tooMany.status, 413);
});

test('inputs are bounded: 413 for too many properties, 400 for nesting and long keys', async () => {
  const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
  const r1 = await call(s.url, 'POST', V('OS::Nova::Flavor'), { token: admin, body: { properties: many } });
  assert.equal(r1.status, 413);
  assert.match(r1.body.message, /at most 20 properties/);
  const r2 = await call(s.url, 'POST', V('OS::Nova::Flavor'), { token: admin, body: { properties: { a: { b: { c: 1 } } } } });
  assert.equal(r2.status, 400);
  const r3 = await call(s.url, 'POST', V('OS::Nova::Flavor'), { token: admin, body: { properties: { ['k'.repeat(300)]: 'v' } } });
  assert.equal(r3.status, 400);
  const r4 = await call(s.url, 'POST', V('OS::Nova::Flavor'), { token: admin, body: { props: {} } });
  assert.equal(r4.status, 400);
});

test('only namespaces the caller may see are used', async () => {
  const owner = await s.token({ project: 'p-owner', roles: ['member'] });
  const ns = { namespace: 'Test::Private', visibility: 'private', owner: 'p-owner', resource_type_associations: [{ name: 'OS::Nova::Flavor', prefix: 'tp:' }], properties: { color: { title: 'Color', type: 'string', enum: ['red', 'blue'] } } };
  assert.equal((await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, body: ns })).status, 201);
  assert.equal((await verdicts('OS::Nova::Flavor', { 'tp:color': 'green' }, {}, owner)).properties['tp:color'].status, 'invalid');
  assert.equal((await verdicts('OS::Nova::Flavor', { 'tp:color': 'green' }, {}, member)).properties['tp:color'].status, 'unknown');
  const hidden = await call(s.url, 'POST', V('OS::Nova::Flavor'), { token: member, body: { properties: {}, namespaces: ['Test::Private'] } });
  assert.equal(hidden.status, 400);
});

test('a namespace edit changes the next verdict (property, association, deletion)', async () => {
  const ns = {
    namespace: 'Test::Edits',
    visibility: 'public',
    resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'te_' }],
    properties: { mode: { title: 'Mode', type: 'string', enum: ['a', 'b'] } },
  };
  assert.equal((await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, body: ns })).status, 201);
  assert.equal((await verdicts('OS::Glance::Image', { te_mode: 'c' })).properties.te_mode.status, 'invalid');
  const put = await call(s.url, 'PUT', '/v2/metadefs/namespaces/Test::Edits/properties/mode', { token: admin, body: { name: 'mode', title: 'Mode', type: 'string', enum: ['a', 'b', 'c'] } });
  assert.equal(put.status, 200, put.text);
  assert.equal((await verdicts('OS::Glance::Image', { te_mode: 'c' })).properties.te_mode.status, 'valid');
  // An object property counts too.
  const obj = await call(s.url, 'POST', '/v2/metadefs/namespaces/Test::Edits/objects', { token: admin, body: { name: 'Obj', properties: { size: { title: 'Size', type: 'integer', maximum: 4 } } } });
  assert.equal(obj.status, 201, obj.text);
  assert.equal((await verdicts('OS::Glance::Image', { te_size: '5' })).properties.te_size.status, 'invalid');
  // A new association with another prefix, then removing it.
  const assoc = await call(s.url, 'POST', '/v2/metadefs/namespaces/Test::Edits/resource_types', { token: admin, body: { name: 'OS::Nova::Flavor', prefix: 'te:' } });
  assert.equal(assoc.status, 201, assoc.text);
  assert.equal((await verdicts('OS::Nova::Flavor', { 'te:mode': 'z' })).properties['te:mode'].status, 'invalid');
  assert.equal((await call(s.url, 'DELETE', '/v2/metadefs/namespaces/Test::Edits/resource_types/OS::Nova::Flavor', { token: admin })).status, 204);
  assert.equal((await verdicts('OS::Nova::Flavor', { 'te:mode': 'z' })).properties['te:mode'].status, 'unknown');
  assert.equal((await call(s.url, 'DELETE', '/v2/metadefs/namespaces/Test::Edits', { token: admin })).status, 204);
  assert.equal((await verdicts('OS::Glance::Image', { te_mode: 'zz' })).properties.te_mode.status, 'unknown');
});

/** A second service instance on the same database, with its own metadef cache. */
async function otherInstance(checkMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const other: App = await createApp({ config: { ...s.config, METADEFS_AUTOLOAD_DIR: null, METADEF_CACHE_CHECK_MS: checkMs }, log: createLogger('silent'), mongo: s.mongo });
  const server: Server = createHttpServer(other.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await other.close();
    },
  };
}

const setCpuPolicyEnum = async (values: string[]) => {
  const put = await call(s.url, 'PUT', '/v2/metadefs/namespaces/OS::Compute::CPUPinning/properties/cpu_policy', {
    token: admin,
    body: { name: 'cpu_policy', title: 'CPU Pinning policy', description: 'Type of CPU pinning policy.', type: 'string', enum: values },
  });
  assert.equal(put.status, 200, put.text);
};

test('another instance sees a metadef write within its METADEF_CACHE_CHECK_MS, and at once with 0', async () => {
  const body = { properties: { 'hw:cpu_policy': 'mixed' } };
  const status = async (url: string) => (await call(url, 'POST', V('OS::Nova::Flavor'), { token: admin, body })).body.properties['hw:cpu_policy'].status;
  const strict = await otherInstance(0);
  const cached = await otherInstance(60_000);
  try {
    assert.equal(await status(strict.url), 'invalid');
    assert.equal(await status(cached.url), 'invalid');
    await setCpuPolicyEnum(['shared', 'dedicated', 'mixed']);
    assert.equal(await status(s.url), 'valid', 'the writing instance sees its write at once');
    assert.equal(await status(strict.url), 'valid', 'an instance checking the stamp on every call sees it at once');
    assert.equal(await status(cached.url), 'invalid', 'an instance serves its in-memory copy until its next check');
  } finally {
    await setCpuPolicyEnum(['shared', 'dedicated']);
    await strict.close();
    await cached.close();
  }
  const soon = await otherInstance(200);
  try {
    assert.equal(await status(soon.url), 'invalid');
    await setCpuPolicyEnum(['shared', 'dedicated', 'mixed']);
    const deadline = Date.now() + 5000;
    let seen = await status(soon.url);
    while (seen !== 'valid' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await status(soon.url);
    }
    assert.equal(seen, 'valid', 'seen after the check interval');
  } finally {
    await setCpuPolicyEnum(['shared', 'dedicated']);
    await soon.close();
  }
});

test('hostile patterns and long values do not hang the service', async () => {
  const ns = { namespace: 'Test::Patterns', visibility: 'public', resource_type_associations: [{ name: 'OS::Glance::Image' }], properties: { tp_evil: { title: 'Evil', type: 'string', pattern: '^(a+)+$' } } };
  const created = await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, body: ns });
  assert.equal(created.status, 201, created.text);
  const started = Date.now();
  const r = await verdicts('OS::Glance::Image', { tp_evil: 'a'.repeat(20000) + '!' });
  assert.ok(Date.now() - started < 2000);
  assert.equal(r.properties.tp_evil.status, 'invalid');
  assert.match(r.properties.tp_evil.message!, /does not match the pattern \^\(a\+\)\+\$ defined by Test::Patterns/);
  const refused = await call(s.url, 'POST', '/v2/metadefs/namespaces/Test::Patterns/properties', { token: admin, body: { name: 'back', title: 'B', type: 'string', pattern: '(a)\\1' } });
  assert.equal(refused.status, 400);
});

test('in-process: prepare() binds one catalogue version and validates synchronously', async () => {
  const ctx = buildContext('req-bench', { projectId: 'p-admin', roles: ['admin'], userId: 'u' });
  const v = await s.app.services.validation.prepare(ctx, 'OS::Nova::Flavor');
  assert.equal(v.validate({ 'hw:cpu_policy': 'dedicated' }).valid, true);
  assert.equal(v.validate({ 'hw:cpu_policy': 'nope' }).valid, false);
  const before = s.app.services.validation.stats().compiles;
  await s.app.services.validation.prepare(ctx, 'OS::Glance::Image');
  assert.equal(s.app.services.validation.stats().compiles, before, 'no recompilation without a change');
});

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { defaultCorpusDirs } from '../../src/services/metadefs/index.js';

// The catalogue of the zero-config start: the standard namespaces and the Nova-derived ones.
let s: TestServer;
let admin: string;
const V = (rt: string) => `/v2/metadefs/resource_types/${encodeURIComponent(rt)}/validate`;

before(async () => {
  s = await startServer({ METADEFS_AUTOLOAD_DIR: defaultCorpusDirs().join(':') });
  admin = await s.token({ project: 'p-admin', roles: ['admin'] });
});
after(() => s.close());

async function verdicts(properties: Record<string, unknown>, rt = 'OS::Nova::Flavor') {
  const r = await call(s.url, 'POST', V(rt), { token: admin, body: { properties } });
  assert.equal(r.status, 200, r.text);
  return r.body as { valid: boolean; properties: Record<string, { status: string; namespace?: string; message?: string }> };
}

test('Nova\'s rule decides keys a standard namespace defines otherwise (the issue\'s examples)', async () => {
  const r = await verdicts({ 'hw:cpu_policy': 'mixed', 'hw:boot_menu': 'False', 'hw:cpu_sockets': '0', 'hw:mem_page_size': 'x' });
  assert.deepEqual(
    Object.fromEntries(Object.entries(r.properties).map(([k, v]) => [k, [v.status, v.namespace]])),
    {
      'hw:cpu_policy': ['valid', 'OS::Nova::ExtraSpecs::hw'],
      'hw:boot_menu': ['valid', 'OS::Nova::ExtraSpecs::hw'],
      'hw:cpu_sockets': ['invalid', 'OS::Nova::ExtraSpecs::hw'],
      'hw:mem_page_size': ['invalid', 'OS::Nova::ExtraSpecs::hw'],
    },
  );
  assert.equal(r.properties['hw:cpu_sockets'].message, 'hw:cpu_sockets: "0" is less than the minimum 1 defined by OS::Nova::ExtraSpecs::hw');
  assert.match(r.properties['hw:mem_page_size'].message!, /does not match the pattern/);
  // A key only the standard namespaces know keeps their rule.
  assert.equal((await verdicts({ 'hw:cpu_max_sockets': 'many' })).properties['hw:cpu_max_sockets'].namespace, 'OS::Compute::VirtCPUTopology');
});

test('parameterised families: NUMA maps, resources and traits with and without a group', async () => {
  const r = await verdicts({
    'hw:numa_cpus.0': '0-3,^2',
    'hw:numa_mem.1': '0',
    'resources:VCPU': '2',
    'resources_gpu1:CUSTOM_FPGA_X': 'two',
    'trait:HW_CPU_X86_AVX2': 'required',
    'trait1:STORAGE_DISK_SSD': 'maybe',
    'aggregate_instance_extra_specs:rack': 'r1',
  });
  assert.deepEqual(Object.fromEntries(Object.entries(r.properties).map(([k, v]) => [k, v.status])), {
    'hw:numa_cpus.0': 'valid',
    'hw:numa_mem.1': 'invalid',
    'resources:VCPU': 'valid',
    'resources_gpu1:CUSTOM_FPGA_X': 'invalid',
    'trait:HW_CPU_X86_AVX2': 'valid',
    'trait1:STORAGE_DISK_SSD': 'invalid',
    'aggregate_instance_extra_specs:rack': 'valid',
  });
});

test('the listing shows the standard and the Nova-derived namespaces; definitions carry the extensions', async () => {
  const list = await call(s.url, 'GET', '/v2/metadefs/namespaces?limit=100&resource_types=OS::Nova::Flavor', { token: admin });
  assert.equal(list.status, 200, list.text);
  const names = (list.body.namespaces as { namespace: string }[]).map((n) => n.namespace);
  for (const n of ['OS::Compute::CPUPinning', 'OS::Nova::ExtraSpecs::hw', 'OS::Nova::ExtraSpecs::trait']) assert.ok(names.includes(n), n);
  const p = await call(s.url, 'GET', '/v2/metadefs/namespaces/OS::Nova::ExtraSpecs::hw/properties/numa_cpus.{num}', { token: admin });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual([p.body.type, p.body['x-name-pattern'], p.body['x-authority']], ['string', { num: '\\d+' }, 'nova']);
});

test('a namespace created through the API can use x-name-pattern; a bad one is refused with a 400', async () => {
  const ns = 'T::Nova::Templates';
  const body = {
    namespace: ns,
    resource_type_associations: [{ name: 'OS::Nova::Flavor', prefix: 'acme:' }],
    properties: { 'slot.{n}': { title: 'Slot', type: 'integer', minimum: 0, 'x-name-pattern': { n: '[0-9]{1,2}' } } },
  };
  const c = await call(s.url, 'POST', '/v2/metadefs/namespaces', { token: admin, body });
  assert.equal(c.status, 201, c.text);
  const r = await verdicts({ 'acme:slot.7': '3', 'acme:slot.99': '-1', 'acme:slot.100': '1' });
  assert.deepEqual(Object.fromEntries(Object.entries(r.properties).map(([k, v]) => [k, v.status])), { 'acme:slot.7': 'valid', 'acme:slot.99': 'invalid', 'acme:slot.100': 'unknown' });
  const bad = await call(s.url, 'POST', `/v2/metadefs/namespaces/${ns}/properties`, { token: admin, body: { name: 'x.{n}', title: 'x', type: 'string', 'x-name-pattern': { n: '(a)\\1' } } });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.text, /x-name-pattern/);
});

test('glanceclient accepts Nova-derived properties: the served property schema admits x- keys', async () => {
  const schema = await call(s.url, 'GET', '/v2/schemas/metadefs/property', { token: admin });
  assert.equal(schema.status, 200);
  assert.equal(schema.body.additionalProperties, false);
  assert.deepEqual(schema.body.patternProperties, { '^x-': {} });
  const p = await call(s.url, 'GET', '/v2/metadefs/namespaces/OS::Nova::ExtraSpecs::unprefixed/properties/hide_hypervisor_id', { token: admin });
  assert.equal(p.status, 200, p.text);
  const extra = Object.keys(p.body).filter((k) => !(k in schema.body.properties));
  assert.deepEqual(extra.sort(), ['x-authority', 'x-deprecated']);
  for (const k of extra) assert.match(k, new RegExp(Object.keys(schema.body.patternProperties)[0]));
});

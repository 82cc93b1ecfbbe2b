import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompileCache, compileNamespace, keyIndex, patternProblem } from '../../src/services/validation/compile.js';
import { checkInput, DEFAULT_LIMITS, evaluate } from '../../src/services/validation/evaluate.js';
import { coerceScalar, splitOperators } from '../../src/services/validation/coerce.js';
import type { NamespaceDef } from '../../src/services/validation/definitions.js';
import { DomainError } from '../../src/domain/errors.js';
import { PROJECT_ROOT } from '../../src/openapi.js';

const DIR = join(PROJECT_ROOT, 'etc', 'metadefs'); // the 33 standard namespaces shipped with the service
const corpus: NamespaceDef[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as NamespaceDef);
const cache = new CompileCache();
const compiled = corpus.map((d) => cache.get(d));
const verdicts = (rt: string, props: Record<string, unknown>, target: string | null = null) => evaluate(keyIndex(compiled, rt, target), props);

test('the 33 standard namespaces compile without warnings', () => {
  assert.equal(compiled.length, 33);
  const warned = compiled.flatMap((c) => c.properties.filter((p) => p.warning).map((p) => `${c.name}.${p.name}: ${p.warning}`));
  assert.deepEqual(warned, []);
});

const cases: [string, string, Record<string, unknown>, string, string | undefined, string?][] = [
  // [name, resource type, properties, key, want status + namespace, message fragment]
  ['flavor cpu_policy dedicated', 'OS::Nova::Flavor', { 'hw:cpu_policy': 'dedicated' }, 'hw:cpu_policy', 'valid OS::Compute::CPUPinning'],
  ['flavor cpu_policy bogus', 'OS::Nova::Flavor', { 'hw:cpu_policy': 'bogus' }, 'hw:cpu_policy', 'invalid OS::Compute::CPUPinning',
    'hw:cpu_policy: "bogus" is not one of the allowed values (shared, dedicated) defined by OS::Compute::CPUPinning'],
  ['image prefix is hw_', 'OS::Glance::Image', { hw_cpu_policy: 'shared' }, 'hw_cpu_policy', 'valid OS::Compute::CPUPinning'],
  ['image hw_cpu_policy bogus', 'OS::Glance::Image', { hw_cpu_policy: 'nope' }, 'hw_cpu_policy', 'invalid OS::Compute::CPUPinning', '"nope" is not one of the allowed values'],
  ['flavor key form is unknown for images', 'OS::Glance::Image', { 'hw:cpu_policy': 'dedicated' }, 'hw:cpu_policy', 'unknown'],
  ['watchdog reset', 'OS::Glance::Image', { hw_watchdog_action: 'reset' }, 'hw_watchdog_action', 'valid OS::Compute::Watchdog'],
  ['watchdog explode', 'OS::Glance::Image', { hw_watchdog_action: 'explode' }, 'hw_watchdog_action', 'invalid OS::Compute::Watchdog', '(disabled, reset, poweroff, pause, none)'],
  ['os_type linux', 'OS::Glance::Image', { os_type: 'linux' }, 'os_type', 'valid OS::Compute::LibvirtImage'],
  ['os_type beos', 'OS::Glance::Image', { os_type: 'beos' }, 'os_type', 'invalid OS::Compute::LibvirtImage', '(linux, windows)'],
  ['hypervisor_type kvm', 'OS::Glance::Image', { hypervisor_type: 'kvm' }, 'hypervisor_type', 'valid OS::Compute::Hypervisor'],
  ['hypervisor_type bogus', 'OS::Glance::Image', { hypervisor_type: 'virtualbox' }, 'hypervisor_type', 'invalid OS::Compute::Hypervisor'],
  ['integer string', 'OS::Nova::Flavor', { 'hw:cpu_sockets': '4' }, 'hw:cpu_sockets', 'valid OS::Compute::VirtCPUTopology'],
  ['integer with fraction', 'OS::Nova::Flavor', { 'hw:cpu_sockets': '4.5' }, 'hw:cpu_sockets', 'invalid OS::Compute::VirtCPUTopology', '"4.5" is not an integer'],
  ['integer word', 'OS::Glance::Image', { hw_cpu_cores: 'four' }, 'hw_cpu_cores', 'invalid OS::Compute::VirtCPUTopology'],
  ['boolean True', 'OS::Glance::Image', { auto_disk_config: 'True' }, 'auto_disk_config', 'valid OS::Compute::XenAPI'],
  ['boolean yes', 'OS::Glance::Image', { img_linked_clone: 'yes' }, 'img_linked_clone', 'valid OS::Compute::VMware'],
  ['boolean maybe', 'OS::Glance::Image', { hw_firmware_stateless: 'maybe' }, 'hw_firmware_stateless', 'invalid OS::Compute::LibvirtImage', 'is not a boolean'],
  ['boolean flavor extra spec', 'OS::Nova::Flavor', { 'hw_rng:allowed': 'false' }, 'hw_rng:allowed', 'valid OS::Compute::RandomNumberGenerator'],
  ['JSON boolean', 'OS::Glance::Image', { auto_disk_config: false }, 'auto_disk_config', 'valid OS::Compute::XenAPI'],
  ['string enum yes/no is not a boolean', 'OS::Glance::Image', { hw_qemu_guest_agent: 'True' }, 'hw_qemu_guest_agent', 'invalid OS::Compute::LibvirtImage', '(yes, no)'],
  ['unknown key', 'OS::Nova::Flavor', { 'my:thing': 'x' }, 'my:thing', 'unknown'],
  ['object property', 'OS::Nova::Flavor', { 'quota:cpu_shares': '1024' }, 'quota:cpu_shares', 'valid OS::Compute::Quota'],
  ['object property bad', 'OS::Nova::Flavor', { 'quota:cpu_shares': 'lots' }, 'quota:cpu_shares', 'invalid OS::Compute::Quota', '(object "CPU Limits")'],
  ['<or> on an enum', 'OS::Nova::Flavor', { 'capabilities:cpu_info:vendor': '<or> Intel <or> AMD' }, 'capabilities:cpu_info:vendor', 'valid OS::Compute::HostCapabilities'],
  ['<or> with a bad operand', 'OS::Nova::Flavor', { 'capabilities:cpu_info:vendor': '<or> Intel <or> VIA' }, 'capabilities:cpu_info:vendor', 'invalid OS::Compute::HostCapabilities', '"VIA" is not one of'],
  ['<or> operand with a blank', 'OS::Nova::Flavor', { 'capabilities:cpu_info:model': '<or> Abu Dhabi <or> Seoul' }, 'capabilities:cpu_info:model', 'valid OS::Compute::HostCapabilities'],
  ['<all-in> on an array', 'OS::Nova::Aggregate', { 'aggregate_instance_extra_specs:cpu_info:features': '<all-in> sse sse2 aes' }, 'aggregate_instance_extra_specs:cpu_info:features', 'valid OS::Compute::HostCapabilities'],
  ['<all-in> bad item', 'OS::Nova::Flavor', { 'capabilities:cpu_info:features': '<all-in> sse warp' }, 'capabilities:cpu_info:features', 'invalid OS::Compute::HostCapabilities', '"warp" is not one of'],
  ['operator not allowed', 'OS::Nova::Flavor', { 'capabilities:cpu_info:vendor': '<all-in> Intel' }, 'capabilities:cpu_info:vendor', 'invalid OS::Compute::HostCapabilities', 'not among the allowed operators (<or>)'],
  ['array as comma list', 'OS::Nova::Flavor', { 'capabilities:cpu_info:features': 'sse, aes' }, 'capabilities:cpu_info:features', 'valid OS::Compute::HostCapabilities'],
  ['pattern ok', 'OS::Glance::Image', { img_signature_hash_method: 'SHA-256' }, 'img_signature_hash_method', 'valid OS::Glance::Signatures'],
  ['cinder image target', 'OS::Cinder::Volume', { hw_cpu_policy: 'bogus' }, 'hw_cpu_policy', 'invalid OS::Compute::CPUPinning', undefined],
];

for (const [name, rt, props, key, want, fragment] of cases) {
  test(`verdict: ${name}`, () => {
    const target = name.startsWith('cinder') ? 'image' : null;
    const r = verdicts(rt, props, target).properties[key];
    const [status, ns] = want!.split(' ');
    assert.equal(r.status, status, JSON.stringify(r));
    assert.equal(r.namespace, ns);
    if (fragment) assert.ok(r.message?.includes(fragment), r.message);
    if (status === 'invalid') assert.ok(r.message?.startsWith(`${key}: `) && r.message.includes(ns!), r.message);
  });
}

test('properties_target is honoured: volume image metadata vs volume metadata', () => {
  assert.equal(verdicts('OS::Cinder::Volume', { hw_cpu_policy: 'dedicated' }).properties.hw_cpu_policy.status, 'unknown');
  assert.equal(verdicts('OS::Cinder::Volume', { hw_cpu_policy: 'dedicated' }, 'image').properties.hw_cpu_policy.status, 'valid');
  assert.equal(verdicts('OS::Cinder::Volume', { CIM_SASD_Access: 'Readable' }).properties.CIM_SASD_Access.status, 'valid');
});

test('top-level valid is false when any property is invalid, true with unknowns', () => {
  assert.equal(verdicts('OS::Nova::Flavor', { 'hw:cpu_policy': 'dedicated', 'x:y': '1' }).valid, true);
  assert.equal(verdicts('OS::Nova::Flavor', { 'hw:cpu_policy': 'dedicated', 'hw:cpu_thread_policy': 'bad' }).valid, false);
});

test('string interpretation follows the consumers', () => {
  for (const v of ['1', 't', 'TRUE', ' on ', 'Y', 'yes']) assert.equal(coerceScalar(v, 'boolean'), true, v);
  for (const v of ['0', 'f', 'False', 'off', 'n', 'NO']) assert.equal(coerceScalar(v, 'boolean'), false, v);
  for (const v of ['2', 'truthy', '', '\ufefftrue']) assert.equal(coerceScalar(v, 'boolean'), undefined, v);
  // oslo strips as Python's str.strip(): \x1c-\x1f are blanks there, U+FEFF is not.
  assert.equal(coerceScalar('yes\x1c', 'boolean'), true);
  assert.equal(coerceScalar('4', 'integer'), 4);
  assert.equal(coerceScalar('-3', 'integer'), -3);
  for (const v of ['4.5', '4e2', '0x10', '', '1__0', '_1', '4\x1c']) assert.equal(coerceScalar(v, 'integer'), undefined, v);
  // Python's int(), as Nova reads integers: underscores between digits, any script's digits, any size.
  assert.equal(coerceScalar('1_000', 'integer'), 1000);
  assert.equal(coerceScalar('\u0664\u0662', 'integer'), 42);
  assert.equal(coerceScalar('\u00a0+7\u3000', 'integer'), 7);
  assert.equal(coerceScalar('99999999999999999999', 'integer'), 2 ** 53);
  assert.equal(coerceScalar('-99999999999999999999', 'integer'), -(2 ** 53));
  assert.equal(coerceScalar('1.5', 'number'), 1.5);
  assert.equal(coerceScalar('1e3', 'number'), 1000);
  for (const v of ['inf', 'nan', '1.2.3', '']) assert.equal(coerceScalar(v, 'number'), undefined, v);
  assert.deepEqual(splitOperators('<or> a <or> b c'), { operator: '<or>', operands: ['a', 'b c'] });
  assert.deepEqual(splitOperators('<all-in> a  b'), { operator: '<all-in>', operands: ['a', 'b'] });
  assert.deepEqual(splitOperators('<orange>'), { operator: null, operands: ['<orange>'] });
});

test('hostile patterns cannot hang the service: they run on RE2 in linear time', () => {
  const ns = compileNamespace({
    namespace: 'T::Evil',
    resource_type_associations: [{ name: 'OS::Glance::Image' }],
    properties: { evil: { title: 'e', type: 'string', pattern: '^(a+)+$' }, look: { title: 'l', type: 'string', pattern: '^(?=a)a$' } },
  });
  const idx = keyIndex([ns], 'OS::Glance::Image');
  const started = Date.now();
  const r = evaluate(idx, { evil: 'a'.repeat(50000) + '!', look: 'b' });
  assert.ok(Date.now() - started < 1000);
  assert.equal(r.properties.evil.status, 'invalid');
  assert.match(r.properties.evil.message!, /does not match the pattern/);
  // A pattern RE2 cannot run is not checked, and says so.
  assert.equal(r.properties.look.status, 'valid');
  assert.match(r.properties.look.warning!, /not supported by the linear-time/);
  assert.equal(patternProblem('^(a+)+$'), null);
  assert.match(patternProblem('(a)\\1')!, /not supported/);
});

test('numeric bounds, lengths and list bounds give readable messages', () => {
  const ns = compileNamespace({
    namespace: 'T::Bounds',
    resource_type_associations: [{ name: 'OS::Nova::Flavor', prefix: 't:' }],
    properties: {
      n: { title: 'n', type: 'integer', minimum: 1, maximum: 8 },
      r: { title: 'r', type: 'number', maximum: 1.5 },
      s: { title: 's', type: 'string', maxLength: 3 },
      l: { title: 'l', type: 'array', items: { type: 'integer' }, maxItems: 2, uniqueItems: true },
    },
  });
  const r = evaluate(keyIndex([ns], 'OS::Nova::Flavor'), { 't:n': '9', 't:r': '1.25', 't:s': 'abcd', 't:l': '1,1', n: '9' });
  assert.equal(r.properties['t:n'].message, 't:n: "9" is greater than the maximum 8 defined by T::Bounds');
  assert.equal(r.properties['t:r'].status, 'valid');
  assert.match(r.properties['t:s'].message!, /longer than the maximum length 3/);
  assert.match(r.properties['t:l'].message!, /duplicate items/);
  assert.equal(r.properties.n.status, 'unknown');
  assert.equal(evaluate(keyIndex([ns], 'OS::Nova::Flavor'), { 't:l': ['1', 2] }).properties['t:l'].status, 'valid');
});

test('inputs are bounded: too many properties 413, long keys/values and nesting 400', () => {
  const kind = (fn: () => void) => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      return (e as DomainError).kind;
    }
  };
  const many = Object.fromEntries(Array.from({ length: DEFAULT_LIMITS.maxProperties + 1 }, (_, i) => [`k${i}`, 'v']));
  assert.equal(kind(() => checkInput(many, DEFAULT_LIMITS)), 'TooLarge');
  assert.equal(kind(() => checkInput({ ['k'.repeat(256)]: 'v' }, DEFAULT_LIMITS)), 'Invalid');
  assert.equal(kind(() => checkInput({ k: 'v'.repeat(65536) }, DEFAULT_LIMITS)), 'Invalid');
  assert.equal(kind(() => checkInput({ k: { deep: 1 } }, DEFAULT_LIMITS)), 'Invalid');
  assert.equal(kind(() => checkInput({ k: [['x']] }, DEFAULT_LIMITS)), 'Invalid');
  assert.equal(kind(() => checkInput([], DEFAULT_LIMITS)), 'Invalid');
  assert.equal(kind(() => checkInput({ a: 'x', b: 1, c: true, d: null, e: ['x', 2] }, DEFAULT_LIMITS)), 'ok');
});

test('compilation happens once per namespace version', () => {
  const c = new CompileCache();
  const def: NamespaceDef = { namespace: 'T::V', properties: { a: { title: 'a', type: 'string', enum: ['x'] } } };
  const first = c.get(def);
  assert.equal(c.get(JSON.parse(JSON.stringify(def))), first);
  const changed = c.get({ ...def, properties: { a: { title: 'a', type: 'string', enum: ['y'] } } });
  assert.notEqual(changed, first);
  assert.equal(c.compiles, 2);
});

test('a "__proto__" key is an ordinary (unknown) property', () => {
  const props = JSON.parse('{"__proto__": "x", "hw:cpu_policy": "shared"}');
  const r = verdicts('OS::Nova::Flavor', props);
  assert.deepEqual(Object.keys(r.properties).sort(), ['__proto__', 'hw:cpu_policy']);
  assert.equal(JSON.parse(JSON.stringify(r)).properties.__proto__.status, 'unknown');
});

test('the compiled fast readers agree with coerceScalar', async () => {
  const { coercerFor } = await import('../../src/services/validation/coerce.js');
  const samples = ['0', '1', '-1', '+7', ' 8 ', '007', '4.5', '', '-', '+', '1e3', 'x', '123456789012345', '1234567890123456', '99999999999999999999', 'true', 'True', 'TRUE', 'yes', 'off', 'nope', '1.5', 'inf'];
  for (const type of ['integer', 'boolean', 'number', 'string']) {
    const read = coercerFor(type);
    for (const v of samples) assert.deepEqual(read(v), coerceScalar(v, type), `${type} ${JSON.stringify(v)}`);
  }
});

test('type messages read naturally for every type', () => {
  const ns = compileNamespace({
    namespace: 'T::Types',
    resource_type_associations: [{ name: 'OS::Nova::Flavor' }],
    properties: { o: { title: 'o', type: 'object' }, s: { title: 's', type: 'string' }, n: { title: 'n', type: 'number' } },
  });
  const r = evaluate(keyIndex([ns], 'OS::Nova::Flavor'), { o: 'x', s: 4, n: 'many' });
  assert.equal(r.properties.o.message, 'o: "x" is not an object, the type defined by T::Types');
  assert.equal(r.properties.s.message, 's: 4 is not a string, the type defined by T::Types');
  assert.equal(r.properties.n.message, 'n: "many" is not a number such as "1.5", the type defined by T::Types');
});

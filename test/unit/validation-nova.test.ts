import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileNamespace, keyIndex } from '../../src/services/validation/compile.js';
import { evaluate } from '../../src/services/validation/evaluate.js';
import { templateRegex } from '../../src/services/validation/key-index.js';
import { assertValidPropertyDefinition } from '../../src/services/metadefs/property-definition.js';
import { anchored, propertyFor, splitName } from '../../scripts/nova/import.js';
import { driftReport, ruleDifferences } from '../../scripts/nova/drift.js';
import { imageReport } from '../../scripts/nova/image.js';
import { readDirs } from '../../scripts/nova/drift.js';
import { readSnapshot } from '../../scripts/nova/registry.js';
import { defaultCorpusDirs } from '../../src/services/metadefs/index.js';
import type { NamespaceDef } from '../../src/services/validation/definitions.js';

const FLAVOR = 'OS::Nova::Flavor';
const standard: NamespaceDef = {
  namespace: 'T::Standard',
  resource_type_associations: [{ name: FLAVOR, prefix: 'hw:' }],
  properties: {
    cpu_policy: { title: 'p', type: 'string', enum: ['shared', 'dedicated'] },
    boot_menu: { title: 'b', type: 'string', enum: ['true', 'false'] },
    'numa_cpus.0': { title: 'n', type: 'string', enum: ['0'] },
    only_here: { title: 'o', type: 'integer' },
  },
};
const nova: NamespaceDef = {
  namespace: 'T::Nova',
  resource_type_associations: [{ name: FLAVOR, prefix: 'hw:' }],
  properties: {
    cpu_policy: { title: 'p', type: 'string', enum: ['dedicated', 'shared', 'mixed'], 'x-authority': 'nova' },
    boot_menu: { title: 'b', type: 'boolean', 'x-authority': 'nova' },
    'numa_cpus.{num}': { title: 'n', type: 'string', pattern: anchored('\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*'), 'x-name-pattern': { num: '\\d+' }, 'x-authority': 'nova' },
  },
};
const families: NamespaceDef = {
  namespace: 'T::Traits',
  resource_type_associations: [{ name: FLAVOR, prefix: 'trait' }],
  properties: {
    '{group}:HW_CPU_X86_AVX2': { title: 't', type: 'string', enum: ['required', 'forbidden'], 'x-name-pattern': { group: '([a-zA-Z0-9_-]{1,64})?' }, 'x-authority': 'nova' },
  },
};
const index = () => keyIndex([standard, nova, families].map((d) => compileNamespace(d)), FLAVOR);
const status = (props: Record<string, string>) => Object.fromEntries(Object.entries(evaluate(index(), props).properties).map(([k, v]) => [k, `${v.status}${v.namespace ? ` ${v.namespace}` : ''}`]));

test('a definition with x-authority outranks plain definitions of the same key; others still apply', () => {
  assert.deepEqual(status({ 'hw:cpu_policy': 'mixed', 'hw:boot_menu': 'False', 'hw:only_here': 'x' }), {
    'hw:cpu_policy': 'valid T::Nova',
    'hw:boot_menu': 'valid T::Nova',
    'hw:only_here': 'invalid T::Standard',
  });
  assert.equal(status({ 'hw:boot_menu': 'maybe' })['hw:boot_menu'], 'invalid T::Nova');
});

test('x-name-pattern: templated names cover every key their parameters allow, and only those', () => {
  assert.deepEqual(status({ 'hw:numa_cpus.0': '0-3,^2', 'hw:numa_cpus.17': 'x', 'hw:numa_cpus.a': '1', 'hw:numa_cpus.{num}': '1' }), {
    'hw:numa_cpus.0': 'valid T::Nova', // the exact standard definition is outranked by the template
    'hw:numa_cpus.17': 'invalid T::Nova',
    'hw:numa_cpus.a': 'unknown',
    'hw:numa_cpus.{num}': 'unknown',
  });
  assert.deepEqual(status({ 'trait:HW_CPU_X86_AVX2': 'required', 'trait_g-1:HW_CPU_X86_AVX2': 'forbidden', 'traitx:HW_CPU_X86_AVX2': 'maybe', 'trait:HW_CPU_X86_AVX': 'required' }), {
    'trait:HW_CPU_X86_AVX2': 'valid T::Traits',
    'trait_g-1:HW_CPU_X86_AVX2': 'valid T::Traits',
    'traitx:HW_CPU_X86_AVX2': 'invalid T::Traits',
    'trait:HW_CPU_X86_AVX': 'unknown',
  });
  const idx = index();
  assert.equal(idx.get('trait:HW_CPU_X86_AVX2'), idx.get('trait:HW_CPU_X86_AVX2'), 'matches are remembered');
});

test('template regexes quote the literal text and anchor the whole key', () => {
  const t = templateRegex('hw:', 'numa_cpus.{num}', { num: '\\d+' });
  assert.equal(t.source, '^(?:hw:numa_cpus\\.(?:\\d+))$');
  assert.deepEqual([t.head, t.tail], ['hw:numa_cpus.', '']);
  // Keys that differ only in the literal dot are not covered.
  assert.equal(status({ 'hw:numa_cpusX0': '1' })['hw:numa_cpusX0'], 'unknown');
});

test('anchored patterns give Nova\'s full match on RE2 for every input (seeded)', () => {
  const ns = compileNamespace({ namespace: 'T::P', resource_type_associations: [{ name: FLAVOR }], properties: { p: { title: 'p', type: 'string', pattern: anchored('(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)') } } });
  const idx = keyIndex([ns], FLAVOR);
  const full = /^(?:(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?))$/;
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9a-zA-Z\n ]{0,8}$/), (s) => {
      assert.equal(evaluate(idx, { p: s }).properties.p.status, full.test(s) ? 'valid' : 'invalid', JSON.stringify(s));
    }),
    { seed: 22, numRuns: 500 },
  );
  for (const s of ['large', '2MB', '1GiB']) assert.equal(evaluate(idx, { p: s }).properties.p.status, 'valid', s);
  for (const s of ['larger', 'x', '', 'large\n', ' 2MB']) assert.equal(evaluate(idx, { p: s }).properties.p.status, 'invalid', s);
});

test('x-name-pattern is checked when a definition is accepted', () => {
  const ok = { title: 't', type: 'integer', 'x-name-pattern': { num: '\\d+' } };
  assert.doesNotThrow(() => assertValidPropertyDefinition('numa_mem.{num}', ok));
  assert.throws(() => assertValidPropertyDefinition('numa_mem', ok), /does not contain/);
  assert.throws(() => assertValidPropertyDefinition('m.{num}', { ...ok, 'x-name-pattern': { num: '(a)\\1' } }), /linear time/);
  assert.throws(() => assertValidPropertyDefinition('m.{num}', { ...ok, 'x-name-pattern': ['\\d+'] }), /must map/);
});

test('import-nova: names split at the prefix, Nova rules become definitions', () => {
  assert.deepEqual(splitName('hw:numa_cpus.{num}'), { prefix: 'hw:', property: 'numa_cpus.{num}' });
  assert.deepEqual(splitName('resources{group}:VCPU'), { prefix: 'resources', property: '{group}:VCPU' });
  assert.deepEqual(splitName('group_policy'), { prefix: '', property: 'group_policy' });
  assert.deepEqual(splitName('capabilities:cpu_info{filter}'), { prefix: 'capabilities:', property: 'cpu_info{filter}' });
  const v = { name: 'os:monitors', name_regex: 'os:monitors', parameters: [], deprecated: true, value: { type: 'int' as const, min: 1, max: 8 } };
  assert.deepEqual(propertyFor(v), { title: 'os:monitors', type: 'integer', minimum: 1, maximum: 8, 'x-authority': 'nova', 'x-deprecated': true });
  // Nova checks only the pattern when a rule has a pattern and an enum.
  const both = { ...v, deprecated: false, value: { type: 'str' as const, pattern: 'a|b', enum: ['c'] } };
  assert.deepEqual(propertyFor(both), { title: 'os:monitors', type: 'string', pattern: '^(?:a|b)$', 'x-authority': 'nova' });
  assert.deepEqual(ruleDifferences({ title: 'x', type: 'integer', minimum: 1, operators: ['<or>'] }, propertyFor(v)), ['maximum null where Nova has 8', "operators <or>, which Nova's validator does not read"]);
});

test('drift against the checked-in snapshot: the standard namespaces alone drift, with the Nova-derived ones they do not', () => {
  const snapshot = readSnapshot();
  assert.ok(snapshot, 'etc/nova/registry.json is checked in');
  const [std] = defaultCorpusDirs();
  const before = driftReport({ dirs: [std], nova: snapshot, novaSource: 'snapshot' });
  assert.equal(before.drift, true);
  assert.ok(before.missing.some((i) => i.key === 'hw:cpu_realtime'));
  assert.ok(before.missing.some((i) => i.key === 'trait{group}:HW_CPU_X86_AVX2'));
  assert.ok(before.different.some((i) => i.key === 'hw:cpu_policy' && i.namespace === 'OS::Compute::CPUPinning'));
  assert.ok(before.only_metadefs.some((i) => i.key === 'hw:cpu_max_sockets' && i.nova === 'refuses as unknown'));
  const after = driftReport({ dirs: defaultCorpusDirs(), nova: snapshot, novaSource: 'snapshot' });
  assert.deepEqual([after.drift, after.missing, after.different], [false, [], []]);
  assert.ok(after.outranked.some((i) => i.key === 'hw:cpu_policy' && i.namespace === 'OS::Compute::CPUPinning'));
  const fixedNames = snapshot.validators.filter((v) => !v.parameters.length).length;
  assert.equal(fixedNames, 108);

  const imgBefore = imageReport(readDirs([std]), snapshot);
  const imgAfter = imageReport(readDirs(defaultCorpusDirs()), snapshot);
  assert.equal(imgBefore.drift, true);
  assert.equal(imgBefore.items.find((i) => i.key === 'hw_cpu_policy')!.status, 'differs');
  assert.equal(imgAfter.drift, false);
  assert.equal(imgAfter.items.find((i) => i.key === 'hw_cpu_policy')!.status, 'agrees');
});

/**
 * Drift between the metadef catalogue and Nova's flavor extra-spec validators: which keys Nova
 * validates that no namespace defines (missing), which are defined with another rule than Nova's
 * (different: type, enum, bounds, pattern, operators), and which only the metadefs know (Nova
 * either refuses them as unknown, in a prefix it checks, or does not check them at all).
 * Definitions outranked by a Nova-derived one (`x-authority`) are listed for information: they
 * do not decide verdicts. Drift = missing or different.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RE2JS } from 're2js';
import { compileNamespace, type CompiledProperty } from '../../src/services/validation/compile.js';
import type { NamespaceDef, PropertyDef } from '../../src/services/validation/definitions.js';
import { keyIndex, nameParameters } from '../../src/services/validation/key-index.js';
import { propertyFor } from './import.js';
import type { NovaRegistry, NovaValidator } from './registry.js';

export interface DriftItem {
  key: string;
  namespace?: string;
  differences?: string[];
  /** For keys only the metadefs know: what Nova does with them. */
  nova?: 'refuses as unknown' | 'does not check';
}

export interface DriftReport {
  resource_type: string;
  nova_version: string;
  nova_source: string;
  validators: number;
  agreeing: number;
  missing: DriftItem[];
  different: DriftItem[];
  only_metadefs: DriftItem[];
  outranked: DriftItem[];
  drift: boolean;
}

export function readDirs(dirs: string[]): NamespaceDef[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as NamespaceDef),
  );
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const sortedSet = (xs: unknown[] | null | undefined) => (xs ? [...new Set(xs.map(String))].sort() : null);

/** How `def` states another rule than `expected` (Nova's, as import-nova writes it). */
export function ruleDifferences(def: PropertyDef, expected: PropertyDef): string[] {
  const out: string[] = [];
  if (def.type !== expected.type) out.push(`type ${def.type} where Nova has ${expected.type}`);
  if (!same(sortedSet(def.enum), sortedSet(expected.enum))) out.push(`enum ${JSON.stringify(def.enum ?? null)} where Nova has ${JSON.stringify(expected.enum ?? null)}`);
  for (const k of ['minimum', 'maximum', 'pattern'] as const) if (!same(def[k], expected[k])) out.push(`${k} ${JSON.stringify(def[k] ?? null)} where Nova has ${JSON.stringify(expected[k] ?? null)}`);
  for (const k of ['minLength', 'maxLength', 'items', 'minItems', 'maxItems'] as const) if (def[k] !== undefined && def[k] !== null) out.push(`${k} ${JSON.stringify(def[k])}, which Nova does not have`);
  if (def.operators?.length) out.push(`operators ${def.operators.join(' ')}, which Nova's validator does not read`);
  return out;
}

export function driftReport(o: { dirs?: string[]; namespaces?: NamespaceDef[]; nova: NovaRegistry; novaSource?: string; resourceType?: string }): DriftReport {
  const rt = o.resourceType ?? 'OS::Nova::Flavor';
  const compiled = (o.namespaces ?? readDirs(o.dirs ?? [])).map((d) => compileNamespace(d));
  const index = keyIndex(compiled, rt);
  // Every definition per key or template, before precedence (for the outranked list).
  const exact = new Map<string, CompiledProperty[]>();
  const templates = new Map<string, CompiledProperty[]>();
  for (const ns of compiled) {
    for (const a of ns.def.resource_type_associations ?? []) {
      if (a.name !== rt || a.properties_target) continue;
      for (const p of ns.properties) {
        const map = nameParameters(p) ? templates : exact;
        const key = (a.prefix ?? '') + p.name;
        map.set(key, [...(map.get(key) ?? []), p]);
      }
    }
  }
  const report: DriftReport = { resource_type: rt, nova_version: o.nova.nova_version, nova_source: o.novaSource ?? 'installed', validators: o.nova.validators.length, agreeing: 0, missing: [], different: [], only_metadefs: [], outranked: [], drift: false };
  const ruling = (list: CompiledProperty[]) => (list.some((p) => p.def['x-authority']) ? list.filter((p) => p.def['x-authority']) : list);
  const judge = (key: string, v: NovaValidator, list: CompiledProperty[], all: CompiledProperty[]) => {
    const expected = propertyFor(v);
    let ok = true;
    for (const p of list) {
      const differences = ruleDifferences(p.def, expected);
      if (v.parameters.length && !same(p.def['x-name-pattern'], expected['x-name-pattern'])) differences.push(`name parameters ${JSON.stringify(p.def['x-name-pattern'] ?? null)} where Nova has ${JSON.stringify(expected['x-name-pattern'])}`);
      if (differences.length) {
        ok = false;
        report.different.push({ key, namespace: p.namespace, differences });
      }
    }
    for (const p of all) {
      if (list.includes(p)) continue;
      const differences = ruleDifferences(p.def, expected);
      if (differences.length) report.outranked.push({ key, namespace: p.namespace, differences });
    }
    if (ok) report.agreeing++;
  };

  const novaRegexes = o.nova.validators.map((v) => ({ v, re: RE2JS.compile(`^(?:${v.name_regex})$`) }));
  const novaNames = new Set(o.nova.validators.map((v) => v.name));
  for (const v of o.nova.validators) {
    if (v.parameters.length) {
      const all = templates.get(v.name) ?? [];
      if (!all.length) report.missing.push({ key: v.name });
      else judge(v.name, v, ruling(all), all);
    } else {
      const entry = index.get(v.name);
      if (!entry) report.missing.push({ key: v.name });
      else judge(v.name, v, entry.defs, exact.get(v.name) ?? entry.defs);
    }
  }
  // Catalogue keys Nova has no validator of its own for.
  const prefixes = o.nova.namespaces.map((n) => RE2JS.compile(`^(?:${n})$`));
  const fate = (key: string): DriftItem['nova'] => (key.includes(':') && prefixes.some((re) => re.test(key.split(':')[0])) ? 'refuses as unknown' : 'does not check');
  for (const [key, list] of exact) {
    if (novaNames.has(key)) continue;
    const family = novaRegexes.find((x) => x.v.parameters.length && x.re.test(key));
    if (family) {
      // Nova validates it through a family: the definitions that decide it must state that rule.
      const entry = index.get(key)!;
      judge(key, family.v, entry.defs, list);
      continue;
    }
    for (const p of ruling(list)) report.only_metadefs.push({ key, namespace: p.namespace, nova: fate(key) });
  }
  for (const [key, list] of templates) if (!novaNames.has(key)) for (const p of list) report.only_metadefs.push({ key, namespace: p.namespace, nova: fate(key.replace(/\{[^}]*\}/g, '')) });
  report.drift = report.missing.length > 0 || report.different.length > 0;
  return report;
}

export function formatDrift(r: DriftReport): string {
  const lines = [`${r.resource_type} against Nova ${r.nova_version} (${r.nova_source}): ${r.agreeing} keys agree, ${r.missing.length} missing, ${r.different.length} defined differently, ${r.only_metadefs.length} only in the metadefs`];
  const section = (title: string, items: DriftItem[], show: (i: DriftItem) => string) => {
    if (!items.length) return;
    lines.push(`${title} (${items.length}):`);
    for (const i of items) lines.push(`  ${show(i)}`);
  };
  section('missing: Nova validates these keys, no namespace defines them', r.missing, (i) => i.key);
  section('different: defined with another rule than Nova\'s', r.different, (i) => `${i.key} [${i.namespace}]: ${i.differences!.join('; ')}`);
  section('only in the metadefs: Nova has no validator for these keys', r.only_metadefs, (i) => `${i.key} [${i.namespace}]: Nova ${i.nova}`);
  section('outranked (information): other definitions of keys a Nova-derived definition decides', r.outranked, (i) => `${i.key} [${i.namespace}]: ${i.differences!.join('; ')}`);
  lines.push(r.drift ? 'drift: yes' : 'drift: none');
  return lines.join('\n');
}

/**
 * `npm run metadefs -- import-nova`: metadef namespaces derived from Nova's flavor extra-spec
 * validator registry, one per key prefix (`hw:`, `hw_rng:`, `quota:`, `trait`, ...), each
 * associated with OS::Nova::Flavor under that prefix. What is carried over are facts about Nova's
 * interface: key names (templates with their parameters), value types, enums, bounds, patterns,
 * deprecation. Nova's descriptions are not copied; the few descriptions here are our own.
 *
 * Nova's rule → definition: bool → boolean (read as oslo's strict bool_from_string); int →
 * integer with minimum/maximum (read as Python's int()); str with a pattern → string with the
 * pattern anchored, `^(?:…)$`, so JSON Schema's search semantics give Nova's full match (Nova
 * checks only the pattern when a rule has both); str with an enum → string enum; any other str →
 * string. Every definition carries `x-authority: nova`.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamespaceDef, PropertyDef } from '../../src/services/validation/definitions.js';
import { imageNamespaceFor } from './image.js';
import type { NovaRegistry, NovaValidator } from './registry.js';

export const RESOURCE_TYPE = 'OS::Nova::Flavor';
export const AUTHORITY = 'nova';

/** `^(?:p)$`: Nova's full match as a JSON Schema (search) pattern. */
export const anchored = (pattern: string) => `^(?:${pattern})$`;

/** The association prefix and the property name of a validator's key. */
export function splitName(name: string): { prefix: string; property: string } {
  const colon = name.indexOf(':');
  const brace = name.indexOf('{');
  if (colon < 0) return { prefix: '', property: name };
  // `resources{group}:VCPU`: the prefix is the literal text before the first placeholder.
  if (brace >= 0 && brace < colon) return { prefix: name.slice(0, brace), property: name.slice(brace) };
  return { prefix: name.slice(0, colon + 1), property: name.slice(colon + 1) };
}

/** The metadef definition that states Nova's rule for one validator. */
export function propertyFor(v: NovaValidator): PropertyDef {
  const r = v.value;
  const def: PropertyDef = { title: v.name };
  if (r.type === 'bool') def.type = 'boolean';
  else if (r.type === 'int') {
    def.type = 'integer';
    if (r.min !== undefined) def.minimum = r.min;
    if (r.max !== undefined) def.maximum = r.max;
  } else {
    def.type = 'string';
    if (r.pattern !== undefined) def.pattern = anchored(r.pattern);
    else if (r.enum) def.enum = [...r.enum];
  }
  if (v.parameters.length) def['x-name-pattern'] = Object.fromEntries(v.parameters.map((p) => [p.name, p.pattern]));
  def['x-authority'] = AUTHORITY;
  if (v.deprecated) def['x-deprecated'] = true;
  return def;
}

const label = (prefix: string) => prefix.replace(/:$/, '') || 'unprefixed';
export const namespaceName = (prefix: string) => `OS::Nova::ExtraSpecs::${label(prefix)}`;
const fileName = (prefix: string) => `nova-extra-specs-${label(prefix).replace(/[^A-Za-z0-9_-]/g, '_')}.json`;

export interface ImportResult {
  files: { file: string; namespace: string; properties: number }[];
}

/** The namespaces of `registry`, grouped by prefix, in a stable order. */
export function namespacesFor(registry: NovaRegistry, date: string): { file: string; ns: NamespaceDef & Record<string, unknown> }[] {
  const groups = new Map<string, NovaValidator[]>();
  for (const v of registry.validators) {
    const { prefix } = splitName(v.name);
    groups.set(prefix, [...(groups.get(prefix) ?? []), v]);
  }
  return [...groups.keys()].sort().map((prefix) => {
    const validators = groups.get(prefix)!.sort((a, b) => (a.name < b.name ? -1 : 1));
    const families = validators.filter((v) => v.parameters.length).length;
    const properties: Record<string, PropertyDef> = {};
    for (const v of validators) {
      const { property } = splitName(v.name);
      if (property.length > 80) throw new Error(`${v.name}: the property name ${property} is longer than 80 characters`);
      properties[property] = propertyFor(v);
    }
    const where = prefix ? `with the prefix "${prefix}"` : 'without a prefix';
    return {
      file: fileName(prefix),
      ns: {
        namespace: namespaceName(prefix),
        display_name: `Nova flavor extra specs ${where}`,
        description:
          `Flavor extra specs ${where} as Nova ${registry.nova_version} checks them: ${validators.length} keys` +
          (families ? ` (${families} of them name templates such as ${validators.find((v) => v.parameters.length)!.name})` : '') +
          `. Generated on ${date} from Nova's validator registry by "npm run metadefs -- import-nova"; regenerate rather than edit.`,
        visibility: 'public',
        protected: true,
        resource_type_associations: [{ name: RESOURCE_TYPE, ...(prefix ? { prefix } : {}) }],
        properties,
      },
    };
  });
}

/** Replaces the namespace files of `dir` (its `*.json`) with those of `registry`. */
export function writeNovaCorpus(dir: string, registry: NovaRegistry, date: string): ImportResult {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.json')) rmSync(join(dir, f));
  const out: ImportResult = { files: [] };
  const image = registry.image_properties ? [{ file: 'nova-image-properties.json', ns: imageNamespaceFor(registry, date) }] : [];
  for (const { file, ns } of [...namespacesFor(registry, date), ...image]) {
    writeFileSync(join(dir, file), JSON.stringify(ns, null, 2) + '\n');
    out.files.push({ file, namespace: ns.namespace, properties: Object.keys(ns.properties ?? {}).length });
  }
  return out;
}

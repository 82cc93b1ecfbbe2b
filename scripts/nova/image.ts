/**
 * Image properties as Nova reads them (ImageMetaProps): its enum fields and integer fields, by
 * their names and the legacy names Nova maps onto them, against the OS::Glance::Image catalogue.
 *
 * - Enum fields that compare the value as it is: Nova refuses any other value when it loads the
 *   image, so the Nova-derived namespace states them with `x-authority: nova` (they outrank an
 *   older enum of a standard namespace).
 * - Enum fields that rewrite the value first (architecture, hypervisor type, VM mode, OS type,
 *   SCSI and VIF models accept other spellings): reported, not stated, since a plain enum would
 *   refuse spellings Nova accepts.
 * - Integer fields: Nova reads them with int() and sets no bounds; the namespace states the type
 *   without an authority, so a standard namespace's bounds (hw_cpu_cores >= 1) still apply.
 */
import { compileNamespace } from '../../src/services/validation/compile.js';
import type { NamespaceDef, PropertyDef } from '../../src/services/validation/definitions.js';
import { keyIndex } from '../../src/services/validation/key-index.js';
import { AUTHORITY } from './import.js';
import type { NovaImageField, NovaRegistry } from './registry.js';

export const IMAGE_RESOURCE_TYPE = 'OS::Glance::Image';
export const IMAGE_NAMESPACE = 'OS::Nova::ImageProperties';

/** Every key Nova reads for a field: its own name and its legacy names. */
function imageKeys(registry: NovaRegistry): { key: string; field: NovaImageField }[] {
  const img = registry.image_properties;
  if (!img) return [];
  const byName = new Map(img.fields.map((f) => [f.name, f]));
  const out = img.fields.map((field) => ({ key: field.name, field }));
  for (const [legacy, name] of Object.entries(img.legacy_names)) {
    const field = byName.get(name);
    if (field) out.push({ key: legacy, field });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

export function imagePropertyFor(key: string, f: NovaImageField): PropertyDef | null {
  if (f.type === 'enum') return f.canonicalizes ? null : { title: key, type: 'string', enum: [...f.enum!], 'x-authority': AUTHORITY };
  return { title: key, type: 'integer', ...(f.min !== undefined ? { minimum: f.min } : {}) };
}

export function imageNamespaceFor(registry: NovaRegistry, date: string): NamespaceDef & Record<string, unknown> {
  const properties: Record<string, PropertyDef> = {};
  for (const { key, field } of imageKeys(registry)) {
    const def = imagePropertyFor(key, field);
    if (def) properties[key] = def;
  }
  return {
    namespace: IMAGE_NAMESPACE,
    display_name: 'Image properties Nova reads as enums and integers',
    description:
      `Enum and integer image properties as Nova ${registry.nova_version} reads them, by field name and legacy name. ` +
      `Enums Nova compares as they are outrank older definitions; integers add the type only. ` +
      `Generated on ${date} by "npm run metadefs -- import-nova"; regenerate rather than edit.`,
    visibility: 'public',
    protected: true,
    resource_type_associations: [{ name: IMAGE_RESOURCE_TYPE }],
    properties,
  };
}

export interface ImageReportItem {
  key: string;
  field: string;
  kind: 'enum' | 'integer';
  status: 'agrees' | 'differs' | 'missing' | 'rewrites values';
  namespaces?: string[];
  detail?: string;
}

export interface ImageReport {
  keys: number;
  covered: number;
  agreeing: number;
  items: ImageReportItem[];
  /** A key Nova compares as it is has no definition, or its deciding definitions state another rule. */
  drift: boolean;
}

const sorted = (xs: unknown[] | null | undefined) => JSON.stringify([...new Set((xs ?? []).map(String))].sort());

/** Coverage and agreement of the catalogue's OS::Glance::Image definitions with Nova's fields (deciding definitions only). */
export function imageReport(namespaces: NamespaceDef[], registry: NovaRegistry): ImageReport {
  const index = keyIndex(namespaces.map((d) => compileNamespace(d)), IMAGE_RESOURCE_TYPE);
  const items: ImageReportItem[] = [];
  for (const { key, field } of imageKeys(registry)) {
    const kind = field.type === 'enum' ? 'enum' : 'integer';
    const entry = index.get(key);
    if (!entry) {
      items.push({ key, field: field.name, kind, status: field.canonicalizes ? 'rewrites values' : 'missing', ...(field.canonicalizes ? { detail: 'not defined' } : {}) });
      continue;
    }
    const namespaces = [...new Set(entry.defs.map((d) => d.namespace))];
    const problems: string[] = [];
    const notes: string[] = [];
    for (const d of entry.defs) {
      if (field.type === 'enum') {
        if (d.def.type !== 'string' || sorted(d.def.enum) !== sorted(field.enum)) problems.push(`${d.namespace}: ${d.def.type} ${JSON.stringify(d.def.enum ?? null)} where Nova has ${JSON.stringify(field.enum)}`);
      } else if (d.def.type !== 'integer') problems.push(`${d.namespace}: type ${d.def.type} where Nova reads an integer`);
      // Bounds Nova's field lacks are the catalogue's own, stricter rule (Nova checks such values later, when it uses them).
      else if (d.def.minimum !== undefined && d.def.minimum !== null && d.def.minimum !== field.min) notes.push(`${d.namespace}: minimum ${d.def.minimum}, which Nova's field does not set`);
    }
    const status = field.canonicalizes && problems.length ? 'rewrites values' : problems.length ? 'differs' : 'agrees';
    const detail = [...problems, ...notes].join('; ');
    items.push({ key, field: field.name, kind, status, namespaces, ...(detail ? { detail } : {}) });
  }
  const covered = items.filter((i) => i.namespaces).length;
  return { keys: items.length, covered, agreeing: items.filter((i) => i.status === 'agrees').length, items, drift: items.some((i) => i.status === 'missing' || i.status === 'differs') };
}

export function formatImageReport(r: ImageReport, label: string): string {
  const lines = [`${IMAGE_RESOURCE_TYPE} against Nova's ImageMetaProps (${label}): ${r.covered}/${r.keys} enum and integer keys defined, ${r.agreeing}/${r.keys} agree, ${r.items.filter((i) => i.status === 'rewrites values').length} rewritten by Nova before its check`];
  for (const status of ['missing', 'differs', 'rewrites values'] as const) {
    const items = r.items.filter((i) => i.status === status);
    if (!items.length) continue;
    lines.push(`${status} (${items.length}):`);
    for (const i of items) lines.push(`  ${i.key}${i.key !== i.field ? ` (${i.field})` : ''} ${i.kind}${i.detail ? `: ${i.detail}` : ''}`);
  }
  lines.push(r.drift ? 'drift: yes' : 'drift: none');
  return lines.join('\n');
}

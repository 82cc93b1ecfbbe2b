/**
 * The metadef corpus: load a directory of namespace JSON files (the format of Glance's
 * etc/metadefs, loaded unchanged), export the catalogue to such files, unload everything.
 * Same options as upstream `glance-manage db_load_metadefs`:
 * - default: a namespace that already exists is skipped;
 * - merge: into an existing namespace, add the children it lacks, keep the ones it has;
 * - merge + preferNew: also replace existing children (and the namespace attributes) with the file's;
 * - merge + overwrite: drop the namespace's children first, then load the file's.
 * Every file is read and validated before anything is written: one malformed file refuses
 * the whole load, naming the file and the reason.
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { DomainError } from '../../domain/errors.js';
import { loadOpenApiDocument } from '../../openapi.js';
import { now, type NamespaceEntry } from '../../repositories/metadefs.js';
import type { MetadefDeps } from './access.js';
import { buildNamespaceDocs, insertNamespaceDocs, type NamespaceInput } from './namespaces.js';
import { assertValidPropertyMap } from './property-definition.js';
import { propertyDef, ts, type Json } from './render.js';

export interface LoadOptions {
  merge?: boolean;
  preferNew?: boolean;
  overwrite?: boolean;
  /** Called with one line per namespace. */
  progress?: (line: string) => void;
}

export interface LoadSummary {
  files: number;
  created: number;
  merged: number;
  skipped: number;
}

export class CorpusError extends Error {}

const TIMES = ['created_at', 'updated_at'];

let fileValidator: ReturnType<Ajv['compile']> | undefined;
function validator() {
  if (fileValidator) return fileValidator;
  const schemas = loadOpenApiDocument().components.schemas as Record<string, unknown>;
  const text = JSON.stringify(schemas).replace(/#\/components\/schemas\//g, 'components#/definitions/');
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addSchema({ $id: 'components', definitions: JSON.parse(text) });
  fileValidator = ajv.compile({ $ref: 'components#/definitions/MetadefNamespaceInput' });
  return fileValidator;
}

/** A copy of a file's content without timestamps (exported files carry them; the schema does not). */
function withoutTimes(data: unknown): unknown {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return data;
  const strip = (x: unknown) => {
    if (!x || typeof x !== 'object' || Array.isArray(x)) return x;
    const { created_at: _c, updated_at: _u, ...rest } = x as Json;
    return rest;
  };
  const out = strip(data) as Json;
  for (const k of ['resource_type_associations', 'objects', 'tags']) if (Array.isArray(out[k])) out[k] = (out[k] as unknown[]).map(strip);
  return out;
}

/** Reads and checks every `*.json` of `dir`; throws CorpusError listing each bad file. */
export function readCorpus(dir: string): { file: string; ns: NamespaceInput }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (e) {
    throw new CorpusError(`cannot read directory ${dir}: ${(e as Error).message}`);
  }
  const problems: string[] = [];
  const out: { file: string; ns: NamespaceInput }[] = [];
  const seen = new Map<string, string>();
  for (const file of names) {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (e) {
      problems.push(`${file}: not valid JSON (${(e as Error).message})`);
      continue;
    }
    const v = validator();
    if (!v(withoutTimes(data))) {
      const err = v.errors![0];
      const extra = err.keyword === 'additionalProperties' ? ` ('${(err.params as { additionalProperty: string }).additionalProperty}')` : '';
      problems.push(`${file}: ${err.instancePath || '(top level)'} ${err.message}${extra}`);
      continue;
    }
    const ns = data as NamespaceInput;
    try {
      assertValidPropertyMap(ns.properties);
      for (const o of ns.objects ?? []) assertValidPropertyMap(o.properties, `property of object '${o.name}'`);
      const dup = (items: { name: string }[] | undefined, what: string) => {
        const names = (items ?? []).map((i) => i.name);
        const again = names.find((n, i) => names.indexOf(n) !== i);
        if (again !== undefined) throw new Error(`${what} '${again}' appears twice`);
      };
      dup(ns.objects, 'object');
      dup(ns.tags, 'tag');
      dup(ns.resource_type_associations, 'resource type association');
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    if (seen.has(ns.namespace)) {
      problems.push(`${file}: namespace ${ns.namespace} is also defined in ${seen.get(ns.namespace)}`);
      continue;
    }
    seen.set(ns.namespace, file);
    out.push({ file, ns });
  }
  if (problems.length) throw new CorpusError(`refused, nothing was loaded:\n  ${problems.join('\n  ')}`);
  return out;
}

/** Timestamps for a document: the file's own (exported files), else `fallback`. */
function stamper(fallback: Date) {
  return (x: Json) => {
    const c = typeof x.created_at === 'string' && !Number.isNaN(Date.parse(x.created_at)) ? new Date(x.created_at) : fallback;
    // Loaded resources have no updated_at until they are updated, as upstream's loader leaves them.
    const u = typeof x.updated_at === 'string' && !Number.isNaN(Date.parse(x.updated_at)) ? new Date(x.updated_at) : null;
    return { created_at: c, updated_at: u };
  };
}

export async function loadCorpus(d: MetadefDeps, dir: string, o: LoadOptions = {}): Promise<LoadSummary> {
  const files = readCorpus(dir);
  const say = o.progress ?? (() => undefined);
  const summary: LoadSummary = { files: files.length, created: 0, merged: 0, skipped: 0 };
  await d.repo.write(async () => {
    for (const [i, { file, ns }] of files.entries()) {
      const tag = `[${i + 1}/${files.length}] ${ns.namespace} (${file})`;
      // upstream loads files without an owner as owned by "admin"; without visibility as private
      const owner = typeof ns.owner === 'string' ? ns.owner : 'admin';
      const docs = buildNamespaceDocs(ns, owner, stamper(now()));
      const existing = await d.repo.namespaceByName(ns.namespace);
      if (!existing) {
        try {
          await insertNamespaceDocs(d, docs);
        } catch (e) {
          // another process (a second replica starting with the same autoload) got there first
          if (!(e instanceof DomainError && e.kind === 'Conflict')) throw e;
          summary.skipped++;
          say(`${tag}: skipped, it was created meanwhile`);
          continue;
        }
        summary.created++;
        say(`${tag}: created`);
        continue;
      }
      if (!o.merge) {
        summary.skipped++;
        say(`${tag}: skipped, it already exists (use --merge)`);
        continue;
      }
      const id = existing._id;
      if (o.overwrite) {
        await Promise.all([d.repo.properties.deleteMany({ ns_id: id }), d.repo.objects.deleteMany({ ns_id: id }), d.repo.tags.deleteMany({ ns_id: id }), d.repo.associations.deleteMany({ ns_id: id })]);
      }
      if (o.preferNew || o.overwrite) {
        const { _id, created_at, version, ...attrs } = docs.ns;
        await d.repo.namespaces.updateOne({ _id: id }, { $set: { ...attrs, version: existing.version + 1 } });
      }
      const groups = [
        { coll: d.repo.properties, items: docs.properties, key: 'name' },
        { coll: d.repo.objects, items: docs.objects, key: 'name' },
        { coll: d.repo.tags, items: docs.tags, key: 'name' },
        { coll: d.repo.associations, items: docs.associations, key: 'resource_type' },
      ] as const;
      for (const g of groups) {
        for (const item of g.items as unknown as Json[]) {
          const child: Json = { ...item, ns_id: id };
          const filter = { ns_id: id, [g.key]: item[g.key] };
          const coll = g.coll as unknown as import('mongodb').Collection<Json>;
          const cur = await coll.findOne(filter);
          if (!cur) await coll.insertOne(child);
          else if (o.preferNew) {
            const { _id, ...rest } = child;
            await coll.updateOne({ _id: cur._id }, { $set: { ...rest, version: ((cur.version as number) ?? 0) + 1 } });
          }
        }
      }
      for (const a of docs.associations) await d.repo.ensureResourceType(a.resource_type);
      summary.merged++;
      say(`${tag}: merged${o.overwrite ? ' (overwritten)' : o.preferNew ? ' (file preferred)' : ''}`);
    }
  });
  return summary;
}

/** One namespace in the file format, with timestamps so that a reload reproduces the API output. */
export function exportNamespace(e: NamespaceEntry): Json {
  const out: Json = { namespace: e.ns.namespace };
  if (e.ns.display_name !== null) out.display_name = e.ns.display_name;
  if (e.ns.description !== null) out.description = e.ns.description;
  Object.assign(out, { visibility: e.ns.visibility, protected: e.ns.protected });
  if (e.ns.owner !== null) out.owner = e.ns.owner;
  Object.assign(out, { created_at: ts(e.ns.created_at), updated_at: ts(e.ns.updated_at) });
  out.resource_type_associations = e.associations.map((a) => {
    const r: Json = { name: a.resource_type };
    if (a.prefix !== null) r.prefix = a.prefix;
    if (a.properties_target !== null) r.properties_target = a.properties_target;
    r.created_at = ts(a.created_at);
    if (a.updated_at) r.updated_at = ts(a.updated_at);
    return r;
  });
  out.properties = Object.fromEntries(e.properties.map((p) => [p.name, propertyDef(p)]));
  out.objects = e.objects.map((o) => {
    const r: Json = { name: o.name };
    if (o.description !== null) r.description = o.description;
    if (o.required !== null) r.required = o.required;
    if (o.properties_json !== null) r.properties = JSON.parse(o.properties_json);
    return { ...r, created_at: ts(o.created_at), updated_at: ts(o.updated_at) };
  });
  out.tags = e.tags.map((t) => ({ name: t.name, created_at: ts(t.created_at), updated_at: ts(t.updated_at) }));
  return out;
}

/** File name for a namespace: `OS::Compute::Libvirt` → `OS-Compute-Libvirt.json`. */
export const exportFileName = (ns: string) => `${ns.replace(/::/g, '-').replace(/[^A-Za-z0-9._-]/g, '_')}.json`;

export async function exportCorpus(d: MetadefDeps, dir: string, progress: (line: string) => void = () => undefined): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const snap = await d.repo.snapshot();
  const entries = [...snap.namespaces.values()].sort((a, b) => (a.ns.namespace < b.ns.namespace ? -1 : 1));
  for (const e of entries) {
    const file = exportFileName(e.ns.namespace);
    writeFileSync(join(dir, file), JSON.stringify(exportNamespace(e), null, 4) + '\n');
    progress(`${e.ns.namespace} → ${file}`);
  }
  return entries.length;
}

export async function unloadCorpus(d: MetadefDeps): Promise<number> {
  const n = await d.repo.namespaces.countDocuments();
  await d.repo.write(() => d.repo.deleteAll());
  return n;
}

/**
 * The Nova commands of `npm run metadefs` (no database needed):
 *
 * - `import-nova [--nova-python PATH] [--out DIR]`: reads the validator registry of the installed
 *   Nova (through scripts/nova-extra-specs.py), writes the namespaces to DIR (default
 *   etc/metadefs-nova) and the registry snapshot to etc/nova/registry.json.
 * - `drift [--resource-type RT] [--nova-python PATH] [--dir DIR ...] [--format json]`: compares
 *   the catalogue (the directories given, else METADEFS_AUTOLOAD_DIR, else what the zero-config
 *   start loads) with the installed Nova, or with the snapshot when Nova is absent. Exit 1 on drift.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { defaultCorpusDirs } from '../../src/services/metadefs/index.js';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { driftReport, formatDrift, readDirs } from './drift.js';
import { formatImageReport, imageReport, IMAGE_RESOURCE_TYPE } from './image.js';
import { writeNovaCorpus } from './import.js';
import { DEFAULT_PYTHON, NovaUnavailable, readInstalledRegistry, readSnapshot, SNAPSHOT, type NovaRegistry } from './registry.js';

function options(args: string[], allowed: Record<string, 'value' | 'values' | 'flag'>, usage: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const kind = allowed[args[i]];
    if (!kind) throw new Error(`unknown argument ${args[i]}\n${usage}`);
    if (kind === 'flag') out.set(args[i], []);
    else {
      const v = args[++i];
      if (v === undefined) throw new Error(`${args[i - 1]} needs a value\n${usage}`);
      out.set(args[i - 1], kind === 'values' ? [...(out.get(args[i - 1]) ?? []), v] : [v]);
    }
  }
  return out;
}

export async function runNovaCommand(command: 'import-nova' | 'drift', args: string[], usage: string): Promise<number> {
  let o: Map<string, string[]>;
  try {
    o = command === 'import-nova'
      ? options(args, { '--nova-python': 'value', '--out': 'value' }, usage)
      : options(args, { '--nova-python': 'value', '--resource-type': 'value', '--dir': 'values', '--format': 'value' }, usage);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const python = o.get('--nova-python')?.[0] ?? DEFAULT_PYTHON;
  if (command === 'import-nova') {
    let registry: NovaRegistry;
    try {
      registry = await readInstalledRegistry(python);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 1;
    }
    const out = o.get('--out')?.[0] ?? join(PROJECT_ROOT, 'etc', 'metadefs-nova');
    const date = new Date().toISOString().slice(0, 10);
    const r = writeNovaCorpus(out, registry, date);
    mkdirSync(dirname(SNAPSHOT), { recursive: true });
    writeFileSync(SNAPSHOT, JSON.stringify({ ...registry, generated: date }, null, 1) + '\n');
    for (const f of r.files) process.stdout.write(`${f.namespace} → ${relative(process.cwd(), join(out, f.file))}: ${f.properties} properties\n`);
    process.stdout.write(`Nova ${registry.nova_version}: ${registry.validators.length} validators in ${r.files.length} namespaces; snapshot ${relative(process.cwd(), SNAPSHOT)}\n`);
    return 0;
  }
  const format = o.get('--format')?.[0] ?? 'text';
  if (format !== 'text' && format !== 'json') {
    process.stderr.write(`--format is text or json\n`);
    return 2;
  }
  const rt = o.get('--resource-type')?.[0] ?? 'OS::Nova::Flavor';
  if (rt !== 'OS::Nova::Flavor' && rt !== IMAGE_RESOURCE_TYPE) {
    process.stderr.write(`drift compares Nova's flavor extra-spec validators (OS::Nova::Flavor) or the image properties it reads (${IMAGE_RESOURCE_TYPE}), not ${rt}\n`);
    return 2;
  }
  let nova: NovaRegistry | null = null;
  let source = `installed, ${python}`;
  try {
    nova = await readInstalledRegistry(python);
  } catch (e) {
    if (!(e instanceof NovaUnavailable)) throw e;
    nova = readSnapshot();
    source = `snapshot ${relative(process.cwd(), SNAPSHOT)}; Nova is not installed for ${python}`;
    if (!nova) {
      process.stderr.write(`Nova is not installed for ${python} and there is no snapshot at ${SNAPSHOT}\n`);
      return 2;
    }
  }
  const setting = process.env.METADEFS_AUTOLOAD_DIR;
  const dirs = o.get('--dir') ?? (setting ? setting.split(':').filter(Boolean) : defaultCorpusDirs());
  if (rt === IMAGE_RESOURCE_TYPE) {
    const r = imageReport(readDirs(dirs), nova);
    process.stdout.write(format === 'json' ? JSON.stringify({ resource_type: rt, nova_version: nova.nova_version, nova_source: source, ...r }, null, 2) + '\n' : formatImageReport(r, `Nova ${nova.nova_version}, ${source}`) + '\n');
    return r.drift ? 1 : 0;
  }
  const report = driftReport({ dirs, nova, novaSource: source, resourceType: rt });
  process.stdout.write(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatDrift(report) + '\n');
  return report.drift ? 1 : 0;
}

import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/**
 * The OpenAPI document lives in `openapi/`: `openapi.yaml` is the root (info, security,
 * shared components) and every `openapi/paths/*.yaml` contributes `paths` and
 * `components`. This merges them into one document; a key defined twice is an error.
 */

function projectRoot(): string {
  // src/openapi.ts runs from <root>/src (tsx) or <root>/dist/src (compiled)
  const here = dirname(fileURLToPath(import.meta.url));
  return here.endsWith(join('dist', 'src')) ? join(here, '..', '..') : join(here, '..');
}

export const PROJECT_ROOT = projectRoot();
export const OPENAPI_DIR = join(PROJECT_ROOT, 'openapi');

type Doc = Record<string, any>;

function mergeInto(target: Doc, source: Doc, where: string, file: string): void {
  for (const [key, value] of Object.entries(source)) {
    if (key in target) throw new Error(`openapi/${file}: ${where}${key} is already defined elsewhere`);
    target[key] = value;
  }
}

let cached: Doc | undefined;

export function loadOpenApiDocument(): Doc {
  if (cached) return structuredClone(cached);
  const root = parseYaml(readFileSync(join(OPENAPI_DIR, 'openapi.yaml'), 'utf8')) as Doc;
  root.paths ??= {};
  root.components ??= {};
  const files = readdirSync(join(OPENAPI_DIR, 'paths'))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  for (const f of files) {
    const part = parseYaml(readFileSync(join(OPENAPI_DIR, 'paths', f), 'utf8')) as Doc;
    for (const key of Object.keys(part)) {
      if (key !== 'paths' && key !== 'components') throw new Error(`openapi/paths/${f}: only "paths" and "components" may appear at the top level`);
    }
    mergeInto(root.paths, part.paths ?? {}, 'paths.', `paths/${f}`);
    for (const [section, entries] of Object.entries((part.components ?? {}) as Doc)) {
      root.components[section] ??= {};
      mergeInto(root.components[section], entries as Doc, `components.${section}.`, `paths/${f}`);
    }
  }
  cached = root;
  return structuredClone(root);
}

/** Every operationId in the document, with its method and path. */
export function listOperations(doc: Doc = loadOpenApiDocument()): { operationId: string; method: string; path: string }[] {
  const ops: { operationId: string; method: string; path: string }[] = [];
  for (const [path, item] of Object.entries(doc.paths as Doc)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
      const op = (item as Doc)[method];
      if (op) ops.push({ operationId: op.operationId, method, path });
    }
  }
  return ops;
}

/**
 * The matrix covers every policy rule: each API rule of policies/defaults.yaml has at least one
 * row where some persona is allowed (2xx) and one where some persona is refused (403/404),
 * unless no endpoint enforces it (then the service's code must not mention it either).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicies } from '../../src/authz/index.js';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { expectedStatuses, type Table } from './matrix.js';
import { imagesTable } from './tables/images.js';
import { metadefsTable } from './tables/metadefs.js';
import { imageDataTable } from './tables/image-data.js';
import { scopeTable } from './tables/scope.js';

const TABLES: Table<any, any>[] = [imagesTable, metadefsTable, imageDataTable, scopeTable];

/** Rules no endpoint of this service enforces, and why. */
const NOT_ENFORCED: Record<string, string> = {
  download_from_store: 'downloads take no store preference',
  set_image_location: 'PATCH of /locations is not offered (show_multiple_locations is off)',
  get_image_location: 'only upstream DELETE /v2/stores/{store}/{id} used it; this service checks delete_image_location there',
  manage_image_cache: 'the legacy /v2/cached_images and /v2/queued_images endpoints are not offered',
  list_cached_nodes: 'GET /v2/cache/nodes/{id} is not offered',
  get_task: 'internal rule of the /v2/tasks API',
  get_tasks: 'internal rule of the /v2/tasks API',
  add_task: 'internal rule of the /v2/tasks API',
  modify_task: 'deprecated upstream, never checked',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? (n === 'authz' || n === 'generated' ? [] : sourceFiles(p)) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every API rule has an allow row and a deny row in the persona matrix', () => {
  const policies = loadPolicies();
  const allowed = new Set<string>();
  const denied = new Set<string>();
  for (const t of TABLES) {
    for (const row of t.rows) {
      const want = Object.values(expectedStatuses(t, row));
      for (const rule of row.policies) {
        assert.ok(policies.checks.has(rule), `${t.name} / ${row.name}: unknown rule ${rule}`);
        if (want.some((s) => s >= 200 && s < 300)) allowed.add(rule);
        if (want.some((s) => s === 403 || s === 404)) denied.add(rule);
      }
    }
  }
  const missing: string[] = [];
  for (const rule of policies.apiRules) {
    if (rule in NOT_ENFORCED) continue;
    if (!allowed.has(rule)) missing.push(`${rule} (no allow row)`);
    if (!denied.has(rule)) missing.push(`${rule} (no deny row)`);
  }
  assert.deepEqual(missing, []);
});

test('rules listed as not enforced are really not used by the service (else they need rows)', () => {
  const src = sourceFiles(join(PROJECT_ROOT, 'src'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const used = Object.keys(NOT_ENFORCED).filter((r) => src.includes(`'${r}'`) || src.includes(`"${r}"`));
  assert.deepEqual(used, [], 'these rules are now enforced somewhere: add matrix rows and remove them from NOT_ENFORCED');
});

test('known deviations from the reference are listed', (t) => {
  const lines: string[] = [];
  for (const table of TABLES) {
    for (const row of table.rows) for (const [p, d] of Object.entries(row.deviations ?? {})) lines.push(`${table.name} / ${row.name} / ${p}: ${d.status} (${d.why})`);
  }
  for (const l of lines) t.diagnostic(l);
  // each deviation names its reason
  assert.ok(lines.every((l) => /\(.{10,}\)$/.test(l)));
});

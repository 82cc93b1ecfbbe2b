import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../config/config.js';
import { tooLarge } from '../domain/errors.js';

/**
 * Per-project image quotas: global defaults from the settings (IMAGE_COUNT_QUOTA,
 * IMAGE_PROPERTY_QUOTA, IMAGE_TAG_QUOTA, IMAGE_MEMBER_QUOTA, IMAGE_LOCATION_QUOTA) and
 * per-project overrides from PROJECT_QUOTAS_FILE (read once at start). -1 = unlimited.
 * Per-image quotas are those of the image's owner project.
 */
export type QuotaKind = 'image_count' | 'properties' | 'tags' | 'members' | 'locations';
const KINDS: QuotaKind[] = ['image_count', 'properties', 'tags', 'members', 'locations'];

export interface ImageQuotas {
  limit(project: string | null, kind: QuotaKind): number;
  /** Throws 413 when `count` exceeds the limit. */
  check(project: string | null, kind: QuotaKind, count: number): void;
}

export function loadImageQuotas(config: Config): ImageQuotas {
  const defaults: Record<QuotaKind, number> = {
    image_count: config.IMAGE_COUNT_QUOTA,
    properties: config.IMAGE_PROPERTY_QUOTA,
    tags: config.IMAGE_TAG_QUOTA,
    members: config.IMAGE_MEMBER_QUOTA,
    locations: config.IMAGE_LOCATION_QUOTA,
  };
  const overrides = new Map<string, Partial<Record<QuotaKind, number>>>();
  if (config.PROJECT_QUOTAS_FILE) {
    const doc = parseYaml(readFileSync(config.PROJECT_QUOTAS_FILE, 'utf8')) as unknown;
    if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) throw new Error('PROJECT_QUOTAS_FILE must map project ids to quota overrides');
    for (const [project, q] of Object.entries((doc ?? {}) as Record<string, unknown>)) {
      if (!q || typeof q !== 'object' || Array.isArray(q)) throw new Error(`PROJECT_QUOTAS_FILE: entry ${project} must be a mapping`);
      const o: Partial<Record<QuotaKind, number>> = {};
      for (const [k, v] of Object.entries(q)) {
        if (!KINDS.includes(k as QuotaKind)) throw new Error(`PROJECT_QUOTAS_FILE: ${project}.${k} is not a quota (${KINDS.join(', ')})`);
        if (!Number.isSafeInteger(v) || (v as number) < -1) throw new Error(`PROJECT_QUOTAS_FILE: ${project}.${k} must be an integer ≥ -1`);
        o[k as QuotaKind] = v as number;
      }
      overrides.set(String(project), o);
    }
  }
  const limit = (project: string | null, kind: QuotaKind) => (project !== null ? overrides.get(project)?.[kind] : undefined) ?? defaults[kind];
  const what: Record<QuotaKind, string> = {
    image_count: 'images',
    properties: 'image properties',
    tags: 'image tags',
    members: 'image members',
    locations: 'image locations',
  };
  return {
    limit,
    check(project, kind, count) {
      const max = limit(project, kind);
      if (max >= 0 && count > max) throw tooLarge(`Attempted: ${count}, Maximum: ${max}. The limit of ${what[kind]} has been exceeded.`);
    },
  };
}

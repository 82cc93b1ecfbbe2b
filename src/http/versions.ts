/**
 * The versions document (glance/api/versions.py): v2.0–v2.7, v2.9, v2.15, v2.17 always;
 * v2.8 and v2.10–v2.13 with multiple stores; v2.14, v2.16, v2.18 with the image cache.
 * Newest first; the newest is CURRENT.
 */
import type { components } from '../generated/openapi.js';

export interface VersionFeatures {
  multiStore: boolean;
  cache: boolean;
}

export function advertisedMinors(f: VersionFeatures): number[] {
  const minors = [0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 17];
  if (f.multiStore) minors.push(8, 10, 11, 12, 13);
  if (f.cache) minors.push(14, 16, 18);
  return minors.sort((a, b) => b - a);
}

export function versionsDocument(baseUrl: string, f: VersionFeatures): components['schemas']['VersionsDocument'] {
  const href = `${baseUrl.replace(/\/+$/, '')}/v2/`;
  return {
    versions: advertisedMinors(f).map((minor, i) => ({
      id: `v2.${minor}`,
      status: i === 0 ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href }],
    })),
  };
}

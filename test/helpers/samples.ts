import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Upstream api-ref samples kept in the repository (see test/fixtures/glance-samples/SOURCE.md). */
export const SAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'glance-samples');

/** One sample by its upstream file name, with or without `.json`. */
export function sample(name: string): any {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  return JSON.parse(readFileSync(join(SAMPLES_DIR, file), 'utf8'));
}

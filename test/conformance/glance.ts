import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { freePort, type Keystone } from '../helpers/keystone.js';
import { startLocalService } from '../helpers/local-service.js';


export interface Glance {
  url: string;
  dir: string;
  log: () => string;
  stop(): Promise<void>;
}

/** Why upstream Glance cannot be started here, or null when it can. */
export function glanceUnavailableReason(): string | null {
  try {
    execFileSync('sh', ['-c', 'command -v glance-api && command -v glance-manage'], { stdio: 'ignore', env: { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}` } });
    return null;
  } catch {
    return 'glance-api is not installed (Debian package glance-api): run `bash scripts/e2e-setup.sh glance-api glance-common python3-glance` as root';
  }
}

/**
 * Upstream Glance (Debian's glance-api) on a free loopback port, configured by
 * scripts/glance-local.sh: sqlite, this Keystone, two file stores `fast` and `slow`, and the
 * repository's copy of the standard metadefs loaded with `glance-manage db_load_metadefs`.
 */
export async function startGlance(ks: Keystone, descriptions: Record<string, string>): Promise<Glance> {
  const port = await freePort();
  const { dir, stop } = await startLocalService({
    name: 'glance-api',
    script: 'glance-local.sh',
    args: [String(port), ks.url, join(PROJECT_ROOT, 'etc', 'metadefs')],
    timeout: 300_000,
    env: { ...process.env, GLANCE_FAST_DESCRIPTION: descriptions.fast ?? '', GLANCE_SLOW_DESCRIPTION: descriptions.slow ?? '' },
  });
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    log: () => {
      try {
        return readFileSync(join(dir, 'glance-api.log'), 'utf8');
      } catch {
        return '';
      }
    },
    stop,
  };
}

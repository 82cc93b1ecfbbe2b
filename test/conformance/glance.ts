import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { freePort, type Keystone } from '../helpers/keystone.js';

const run = promisify(execFile);

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
  const dir = mkdtempSync(join(tmpdir(), 'glance-ts-upstream-'));
  const port = await freePort();
  const script = join(PROJECT_ROOT, 'scripts', 'glance-local.sh');
  const onExit = () => {
    try {
      execFileSync('bash', [script, 'down', dir], { stdio: 'ignore' });
    } catch {
      /* best effort */
    }
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    await run('bash', [script, 'down', dir]).catch(() => undefined);
  };
  try {
    await run('bash', [script, 'up', dir, String(port), ks.url, join(PROJECT_ROOT, 'etc', 'metadefs')], {
      timeout: 300_000,
      env: { ...process.env, GLANCE_FAST_DESCRIPTION: descriptions.fast ?? '', GLANCE_SLOW_DESCRIPTION: descriptions.slow ?? '' },
    });
  } catch (e) {
    await stop();
    throw new Error(`glance-api did not start: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
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

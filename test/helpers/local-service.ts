import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../src/openapi.js';

const run = promisify(execFile);

/**
 * A real component started by one of the project's scripts (`scripts/<script> up DIR …`) in a
 * private directory. Whatever happens to the tests, `down DIR` runs before this process exits,
 * so nothing they started outlives them; a failed start is cleaned up and reported.
 */
export async function startLocalService(o: { name: string; script: string; args: string[]; timeout: number; env?: NodeJS.ProcessEnv }): Promise<{ dir: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `glance-ts-${o.name}-`));
  const script = join(PROJECT_ROOT, 'scripts', o.script);
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
    await run('bash', [script, 'up', dir, ...o.args], { timeout: o.timeout, env: o.env });
  } catch (e) {
    await stop();
    throw new Error(`${o.name} did not start: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
  return { dir, stop };
}

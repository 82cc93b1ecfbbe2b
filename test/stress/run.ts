/**
 * `npm run test:stress`: the concurrency stress lane (test/stress/*.test.ts) through the
 * project's test runner, then one summary line over every scenario:
 *
 *   lost updates: <lost> over <rounds> rounds of <writers> concurrent writers
 *
 * Exits non-zero when a test failed or any update was lost. STRESS_ROUNDS runs more rounds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';

const dir = mkdtempSync(join(tmpdir(), 'glance-stress-'));
const reportFile = join(dir, 'report.jsonl');
const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'run.ts'), join('test', 'stress')], {
  cwd: PROJECT_ROOT,
  stdio: 'inherit',
  env: { ...process.env, STRESS_REPORT: reportFile },
});
const code = await new Promise<number>((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
const tallies = existsSync(reportFile)
  ? readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { rounds: number; writers: number; lost: number })
  : [];
rmSync(dir, { recursive: true, force: true });
const lost = tallies.reduce((n, t) => n + t.lost, 0);
const rounds = tallies.reduce((n, t) => n + t.rounds, 0);
const writers = tallies.length ? Math.min(...tallies.map((t) => t.writers)) : 0;
process.stdout.write(`lost updates: ${lost} over ${rounds} rounds of ${writers} concurrent writers\n`);
process.exit(code !== 0 ? code : lost > 0 || !tallies.length ? 1 : 0);

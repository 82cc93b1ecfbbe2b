/**
 * Test runner: starts one embedded MongoDB for the whole run, then runs every
 * `*.test.ts` under the given directories (default: test/ without its e2e, stress, conformance, stores and workers lanes,
 * which have scripts of their own) with node's test runner.
 * Each test file isolates itself by database name. TEST_NAME_PATTERN runs only the tests
 * whose names match it (node's --test-name-pattern).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startEmbeddedMongo } from '../src/db/embedded.js';
import { PROJECT_ROOT } from '../src/openapi.js';

/** Directories under test/ that only run when named (test/stores needs real storage services). */
const LANES = new Set(['e2e', 'stress', 'conformance', 'stores', 'workers']);

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (!LANES.has(name) || dir !== join(PROJECT_ROOT, 'test')) out.push(...findTests(p));
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const roots = args.length ? args.map((a) => join(process.cwd(), a)) : [join(PROJECT_ROOT, 'test')];
const files = roots.flatMap((r) => (statSync(r).isDirectory() ? findTests(r) : [r])).sort();
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}

const mongo = process.env.TEST_MONGODB_URI ? undefined : await startEmbeddedMongo();
const env = { ...process.env, TEST_MONGODB_URI: process.env.TEST_MONGODB_URI ?? mongo!.uri, NODE_ENV: 'test' };
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    ...(process.env.TEST_NAME_PATTERN ? [`--test-name-pattern=${process.env.TEST_NAME_PATTERN}`] : []),
    ...files.map((f) => relative(process.cwd(), f)),
  ],
  { stdio: 'inherit', env },
);
const code = await new Promise<number>((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
await mongo?.stop();
process.exit(code);

/**
 * Store lane: the store contract (test/contract/store-contract.ts) for every store type, one
 * after the other, each in its own node test run with one embedded MongoDB for all of them.
 * A store with a file of its own here (`test/stores/<type>.test.ts`) runs it: swift and s3 start
 * a real single-node Swift with s3api (scripts/swift-local.sh), swift also a Keystone when one
 * is installed; rbd a throw-away Ceph (scripts/ceph-local.sh). The others run their part of test/contract/stores.test.ts.
 *
 * Run with `npm run test:stores`. The last line is
 * `store contract: file ok, gridfs ok, http ok, swift ok, s3 ok, rbd ok` (`FAILED` for a store whose
 * tests failed); the exit code is non-zero when any failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startEmbeddedMongo } from '../../src/db/embedded.js';
import { PROJECT_ROOT } from '../../src/openapi.js';

/** The store types of the lane, in the order of the closing line. */
const STORES = ['file', 'gridfs', 'http', 'swift', 's3', 'rbd'];

/** A store's own files (`<type>.test.ts` and `<type>-*.test.ts`), else its part of the shared file. */
function testsOf(store: string): { files: string[]; pattern?: string } {
  const dir = join(PROJECT_ROOT, 'test', 'stores');
  const own = readdirSync(dir).filter((f) => f === `${store}.test.ts` || (f.startsWith(`${store}-`) && f.endsWith('.test.ts'))).sort();
  if (own.length) return { files: own.map((f) => join(dir, f)) };
  return { files: [join(PROJECT_ROOT, 'test', 'contract', 'stores.test.ts')], pattern: `store contract: ${store}\\b|^${store} store` };
}

async function run(store: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const { files, pattern } = testsOf(store);
  const rel = files.map((f) => relative(process.cwd(), f));
  console.log(`stores-lane: ${store}: ${rel.join(' ')}${pattern ? ` (tests matching /${pattern}/)` : ''}`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...(pattern ? [`--test-name-pattern=${pattern}`] : []), ...rel], { stdio: 'inherit', env });
  const code = await new Promise<number>((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
  return code === 0;
}

const mongo = process.env.TEST_MONGODB_URI ? undefined : await startEmbeddedMongo();
const env = { ...process.env, TEST_MONGODB_URI: process.env.TEST_MONGODB_URI ?? mongo!.uri, NODE_ENV: 'test', STORES_LANE: '1' };
const results: string[] = [];
let failed = false;
try {
  for (const store of STORES) {
    const good = await run(store, env);
    failed ||= !good;
    results.push(`${store} ${good ? 'ok' : 'FAILED'}`);
  }
} finally {
  await mongo?.stop();
}
console.log(`store contract: ${results.join(', ')}`);
process.exit(failed ? 1 : 0);

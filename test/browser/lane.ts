/**
 * Browser lane: Debian's headless Chromium, driven over the DevTools protocol
 * (test/browser/cdp.ts), loads the API reference page and the metadata catalogue explorer of a
 * real service (embedded MongoDB, the 33 standard namespaces, a minted admin token):
 *
 *   /docs      renders one operation block per operation of the served document;
 *   /explorer  lists the namespaces, filters, opens one, validates a property map, and shows
 *              markup in a namespace as text;
 *
 * with the pages' security headers checked over HTTP and no CSP violation, script error or
 * off-service request in the browser. Screenshots go to test-artifacts/browser/
 * (BROWSER_UPDATE_DOCS_IMG=1 also refreshes the README's docs/img/*.png).
 *
 * Run with `npm run test:browser`. The last line printed is
 * `browser: /docs ok, /explorer ok` (FAILED in place of ok for a page with a failed check);
 * the exit code is non-zero unless both are ok.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import { inLane } from '../helpers/lane.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { Browser, chromiumUnavailableReason } from './cdp.js';
import { checkDocs, type PageCheck } from './docs-page.js';
import { checkExplorer } from './explorer-page.js';
import { checkHeaders } from './headers.js';

const ARTIFACTS = join(PROJECT_ROOT, 'test-artifacts', 'browser');
/** The screenshots the README shows. */
const README_IMAGES: Record<string, string> = { 'docs.png': 'docs.png', 'explorer.png': 'explorer.png' };

const t0 = Date.now();
const log = (msg: string) => console.log(`browser-lane: [${Math.round((Date.now() - t0) / 1000)} s] ${msg}`);

async function run(name: string, fn: () => Promise<PageCheck>): Promise<boolean> {
  let result: PageCheck;
  try {
    result = await fn();
  } catch (e) {
    result = { failures: [(e as Error).stack ?? String(e)], screenshots: {}, notes: [] };
  }
  for (const [file, png] of Object.entries(result.screenshots)) writeFileSync(join(ARTIFACTS, file), png);
  for (const n of result.notes) log(`${name}: ${n}`);
  for (const f of result.failures) console.log(`browser-lane: ${name} FAILED: ${f}`);
  log(`${name}: ${result.failures.length ? 'FAILED' : 'ok'}${Object.keys(result.screenshots).length ? ` (screenshots: ${Object.keys(result.screenshots).join(', ')})` : ''}`);
  return result.failures.length === 0;
}

async function main(): Promise<{ docs: boolean; explorer: boolean }> {
  const unavailable = chromiumUnavailableReason();
  if (unavailable) throw new Error(unavailable);
  mkdirSync(ARTIFACTS, { recursive: true });
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  };
  return inLane(stop, async () => {
    server = await startServer({ METADEFS_AUTOLOAD_DIR: join(PROJECT_ROOT, 'etc', 'metadefs') });
    const token = await server.token({ roles: ['admin', 'member', 'reader'] });
    log(`service at ${server.url}; starting Chromium`);
    browser = await Browser.launch({ width: 1280, height: 900 });

    const headers = await checkHeaders(server.url);
    for (const f of headers.docs) console.log(`browser-lane: /docs headers FAILED: ${f}`);
    for (const f of headers.explorer) console.log(`browser-lane: /explorer headers FAILED: ${f}`);

    const docsPage = await browser.newPage();
    const docs = (await run('/docs', () => checkDocs(docsPage, server!.url, token))) && headers.docs.length === 0;
    const explorerPage = await browser.newPage();
    const explorer = (await run('/explorer', () => checkExplorer(explorerPage, server!.url, token))) && headers.explorer.length === 0;

    if (process.env.BROWSER_UPDATE_DOCS_IMG === '1') {
      mkdirSync(join(PROJECT_ROOT, 'docs', 'img'), { recursive: true });
      for (const [from, to] of Object.entries(README_IMAGES)) copyFileSync(join(ARTIFACTS, from), join(PROJECT_ROOT, 'docs', 'img', to));
      log(`refreshed docs/img/: ${Object.values(README_IMAGES).join(', ')}`);
    }
    return { docs, explorer };
  });
}

const verdict = (ok: boolean) => (ok ? 'ok' : 'FAILED');
main().then(
  (r) => {
    log(`artifacts in ${ARTIFACTS}`);
    console.log(`browser: /docs ${verdict(r.docs)}, /explorer ${verdict(r.explorer)}`);
    process.exit(r.docs && r.explorer ? 0 : 1);
  },
  (e) => {
    console.error(`browser-lane: ${(e as Error).stack ?? e}`);
    console.log('browser: /docs FAILED, /explorer FAILED');
    process.exit(1);
  },
);

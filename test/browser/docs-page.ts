import type { Page } from './cdp.js';

/**
 * /docs in a real browser: Swagger UI renders one operation block per operation of the
 * document the service serves (same operationIds), the note on authentication is there,
 * "Try it out" with a token calls the API with it in the X-Auth-Token header, and nothing was
 * blocked by the page's Content-Security-Policy or thrown.
 */
export interface PageCheck {
  failures: string[];
  screenshots: Record<string, Buffer>;
  notes: string[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

export async function checkDocs(page: Page, base: string, token: string): Promise<PageCheck> {
  const failures: string[] = [];
  const notes: string[] = [];
  const screenshots: Record<string, Buffer> = {};
  const fail = (m: string) => failures.push(m);

  // The document as served, which the page must render in full.
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
  const expected = Object.values(doc.paths).flatMap((item) => METHODS.filter((m) => item[m]).map((m) => item[m].operationId ?? ''));
  if (expected.length === 0) fail('/openapi.json has no operations');

  await page.goto(`${base}/docs`);
  // Rendering is asynchronous (fetch, parse, resolve): wait until the count stops changing.
  let last = -1;
  let count = 0;
  const deadline = Date.now() + 90_000;
  for (;;) {
    count = await page.eval<number>(`document.querySelectorAll('#swagger-ui .opblock').length`);
    if (count > 0 && count === last) break;
    if (Date.now() > deadline) break;
    last = count;
    await new Promise((r) => setTimeout(r, 700));
  }
  notes.push(`${count} operation blocks rendered, ${expected.length} operations in the document`);
  if (count !== expected.length) fail(`/docs renders ${count} operation blocks, the document has ${expected.length} operations`);

  const shown = await page.eval<string[]>(`[...document.querySelectorAll('#swagger-ui .opblock .opblock-summary-operation-id')].map((e) => e.textContent.trim())`);
  const missing = expected.filter((id) => !shown.includes(id));
  const extra = shown.filter((id) => !expected.includes(id));
  if (missing.length || extra.length) fail(`/docs operationIds differ from the document: missing [${missing.join(', ')}], extra [${extra.join(', ')}]`);

  const title = await page.eval<string>(`document.querySelector('#swagger-ui .info .title')?.textContent ?? ''`);
  const info = (doc as unknown as { info: { title: string } }).info.title;
  if (!title.includes(info)) fail(`/docs shows the title "${title}", the document's is "${info}"`);

  const note = await page.eval<string>(`document.querySelector('.page-note')?.textContent ?? ''`);
  for (const words of ['X-Auth-Token', 'npm run token', 'openstack token issue']) if (!note.includes(words)) fail(`/docs: the note on authentication does not mention ${words}`);

  screenshots['docs.png'] = await page.screenshot();

  // "Try it out" with the token given to Authorize: the call goes out with X-Auth-Token and its answer is shown.
  const op = '#operations-metadefs-listMetadefNamespaces';
  try {
    // As a user does: Authorize, type the token into keystoneToken's field, apply, close.
    await page.eval(`document.querySelector('#swagger-ui .auth-wrapper .authorize').click()`);
    await page.waitFor(`document.getElementById('api_key_value')`, 'the Authorize dialog', 30_000);
    await page.eval(`document.getElementById('api_key_value').focus()`);
    await page.send('Input.insertText', { text: token });
    await page.eval(`document.getElementById('api_key_value').closest('form').querySelector('button[type=submit]').click()`);
    await page.waitFor(`document.querySelector('.modal-ux .auth-container').textContent.includes('Logout')`, 'the token to be applied', 30_000);
    await page.eval(`document.querySelector('.modal-ux .close-modal').click()`);
    await page.eval(`document.querySelector('${op} .opblock-summary-control').click()`);
    await page.waitFor(`document.querySelector('${op} .try-out__btn')`, 'the Try it out button', 30_000);
    await page.eval(`document.querySelector('${op} .try-out__btn').click()`);
    await page.waitFor(`document.querySelector('${op} .execute')`, 'the Execute button', 30_000);
    await page.eval(`document.querySelector('${op} .execute').click()`);
    const answered = await page.waitFor<string>(`document.querySelector('${op} .live-responses-table tbody .response-col_status')?.textContent.trim()`, 'the live response', 30_000);
    if (answered !== '200') fail(`"Try it out" on listMetadefNamespaces answered ${answered}`);
    const tried = page.requests.filter((r) => new URL(r.url).pathname === '/v2/metadefs/namespaces');
    if (tried.length !== 1) fail(`"Try it out" made ${tried.length} calls to /v2/metadefs/namespaces`);
    else if (Object.entries(tried[0].headers).find(([k]) => k.toLowerCase() === 'x-auth-token')?.[1] !== token) fail('"Try it out" sent no X-Auth-Token');
    if (page.requests.some((r) => r.url.includes(token))) fail('the token appeared in a URL');
    const kept = await page.eval<string>(`JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })`);
    if (kept.includes(token)) fail('Swagger UI stored the token');
    notes.push(`Try it out on listMetadefNamespaces: ${answered}`);
  } catch (e) {
    fail(`"Try it out": ${(e as Error).message}`);
  }

  // Every request stayed on the service (nothing from a CDN) and nothing was blocked or thrown.
  const origin = new URL(base).origin;
  const away = page.requests.filter((r) => !r.url.startsWith(origin) && !r.url.startsWith('data:') && r.url !== 'about:blank');
  if (away.length) fail(`/docs fetched from elsewhere: ${away.map((r) => r.url).join(', ')}`);
  if (page.problems.length) fail(`/docs reported problems: ${page.problems.join(' | ')}`);

  screenshots['docs-try-it-out.png'] = await page.screenshot({ selector: op });
  screenshots['docs-full.png'] = await page.screenshot({ full: true });
  return { failures, screenshots, notes };
}

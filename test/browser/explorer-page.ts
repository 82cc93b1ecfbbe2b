import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/openapi.js';
import type { Page } from './cdp.js';
import type { PageCheck } from './docs-page.js';

/**
 * /explorer in a real browser, with a token pasted in: it lists the standard namespaces
 * (etc/metadefs), filters by resource type as the API does, opens OS::Compute::CPUPinning,
 * highlights `invalid` for hw:cpu_policy=bogus against OS::Nova::Flavor, and shows markup in
 * a namespace as text. The token appears in no URL and is not stored unless asked.
 */

/** A description and titles that would create elements (and run script) if rendered as markup. */
export const MARKUP = `<img src=x onerror="window.__injected = 1"><b id="injected">bold</b>`;
const MARKUP_NS = 'Test::Markup::Namespace';

function standardNamespaces(): string[] {
  const dir = join(PROJECT_ROOT, 'etc', 'metadefs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { namespace: string }).namespace)
    .sort();
}

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { 'X-Auth-Token': token, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

const rowNames = `[...document.querySelectorAll('#namespaces tbody tr')].map((r) => r.getAttribute('data-namespace'))`;
const listStatus = `document.getElementById('list-status').textContent`;

export async function checkExplorer(page: Page, base: string, token: string): Promise<PageCheck> {
  const failures: string[] = [];
  const notes: string[] = [];
  const screenshots: Record<string, Buffer> = {};
  const fail = (m: string) => failures.push(m);
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      fail(`${name}: ${(e as Error).message}`);
    }
  };
  const setSelect = (id: string, value: string) =>
    page.eval(`(() => { const s = document.getElementById(${JSON.stringify(id)}); s.value = ${JSON.stringify(value)}; if (s.value !== ${JSON.stringify(value)}) throw new Error('no option ' + ${JSON.stringify(value)}); s.dispatchEvent(new Event('change')); })()`);
  /** Waits for the list to settle on a status other than "Loading…" and returns the rows. */
  const listed = async (what: string) => {
    await page.waitFor(`!${listStatus}.startsWith('Loading') && ${listStatus} !== ''`, what, 30_000);
    return page.eval<string[]>(rowNames);
  };

  await page.goto(`${base}/explorer`);
  const expected = standardNamespaces();

  await step('token and list', async () => {
    await page.eval(`document.getElementById('token').value = ${JSON.stringify(token)}; document.getElementById('use-token').click();`);
    await page.waitFor(`/^\\d+ namespaces?$/.test(${listStatus}) || document.getElementById('list-status').classList.contains('error')`, 'the namespace list', 30_000);
    const names = await page.eval<string[]>(rowNames);
    const status = await page.eval<string>(listStatus);
    notes.push(`listed: ${status}`);
    if (names.length !== expected.length || names.some((n, i) => n !== expected[i])) {
      fail(`the explorer lists ${names.length} namespaces (${status}), expected the ${expected.length} standard ones: missing [${expected.filter((n) => !names.includes(n)).join(', ')}]`);
    }
    if (expected.length !== 33) fail(`etc/metadefs holds ${expected.length} namespaces, not the 33 standard ones`);
    const stored = await page.eval<number>('sessionStorage.length');
    if (stored !== 0) fail('the token was stored although "keep for this tab" was not ticked');
    screenshots['explorer-list.png'] = await page.screenshot();
  });

  await step('resource type filter', async () => {
    const wanted = ((await api(base, token, 'GET', '/v2/metadefs/namespaces?resource_types=OS::Nova::Flavor&limit=1000')).namespaces as { namespace: string }[]).map((n) => n.namespace).sort();
    await setSelect('rt-filter', 'OS::Nova::Flavor');
    await page.waitFor(`${listStatus} === '${wanted.length} namespace${wanted.length === 1 ? '' : 's'}'`, 'the filtered list', 30_000);
    const names = await page.eval<string[]>(rowNames);
    if (names.join() !== wanted.join()) fail(`filtered by OS::Nova::Flavor the explorer lists [${names.join(', ')}], the API [${wanted.join(', ')}]`);
    notes.push(`OS::Nova::Flavor: ${names.length} namespaces`);
    if (names.length === 0 || names.length === expected.length) fail(`the OS::Nova::Flavor filter leaves ${names.length} namespaces, which does not tell whether it filters`);
  });

  await step('open OS::Compute::CPUPinning', async () => {
    await page.eval(`document.querySelector('#namespaces tr[data-namespace="OS::Compute::CPUPinning"] button').click()`);
    await page.waitFor(`document.querySelector('#detail-body table.properties')`, 'the namespace detail', 30_000);
    const detail = await page.eval<{ title: string; props: Record<string, string[]>; types: string[] }>(`(() => ({
      title: document.getElementById('detail-title').textContent,
      props: Object.fromEntries([...document.querySelectorAll('#detail-body table.properties tbody tr')].map((r) => [r.getAttribute('data-property'), [...r.cells].map((c) => c.textContent)])),
      types: [...document.querySelectorAll('#detail-body table:not(.properties) tbody tr')].map((r) => r.cells[0].textContent + ' ' + r.cells[1].textContent),
    }))()`);
    const source = JSON.parse(readFileSync(join(PROJECT_ROOT, 'etc', 'metadefs', 'compute-cpu-pinning.json'), 'utf8'));
    if (detail.title !== 'OS::Compute::CPUPinning') fail(`the detail shows "${detail.title}"`);
    for (const [name, def] of Object.entries(source.properties as Record<string, { title: string; type: string; enum: string[] }>)) {
      const row = detail.props[name];
      if (!row) fail(`OS::Compute::CPUPinning: property ${name} is not shown`);
      else if (row[1] !== def.title || row[2] !== def.type || row[3] !== def.enum.join(', ')) fail(`OS::Compute::CPUPinning: ${name} shows ${JSON.stringify(row)}`);
    }
    const assoc = (source.resource_type_associations as { name: string; prefix: string }[]).map((a) => `${a.name} ${a.prefix}`).sort();
    if (detail.types.slice().sort().join() !== assoc.join()) fail(`OS::Compute::CPUPinning: resource types shown [${detail.types.join(', ')}], expected [${assoc.join(', ')}]`);
    screenshots['explorer-namespace.png'] = await page.screenshot({ selector: '#detail' });
  });

  await step('validate', async () => {
    await setSelect('rt-validate', 'OS::Nova::Flavor');
    await page.eval(`document.getElementById('props').value = 'hw:cpu_policy=bogus\\nhw:cpu_thread_policy=prefer\\nx-unrelated=1'; document.getElementById('run-validate').click();`);
    await page.waitFor(`document.querySelectorAll('#verdicts tbody tr').length === 3 || document.getElementById('validate-status').classList.contains('error')`, 'the verdicts', 30_000);
    const v = await page.eval<{ rows: Record<string, { status: string; cls: string; shown: string; bg: string; detail: string }>; summary: string }>(`(() => ({
      summary: document.getElementById('validate-status').textContent,
      rows: Object.fromEntries([...document.querySelectorAll('#verdicts tbody tr')].map((r) => [r.getAttribute('data-property'), {
        status: r.getAttribute('data-status'), cls: r.className, shown: r.cells[2].textContent, detail: r.cells[4].textContent,
        bg: getComputedStyle(r.cells[0]).backgroundColor,
      }])),
    }))()`);
    const bad = v.rows['hw:cpu_policy'];
    if (!bad || bad.status !== 'invalid' || bad.shown !== 'invalid' || bad.cls !== 'verdict-invalid') fail(`hw:cpu_policy=bogus against OS::Nova::Flavor shows ${JSON.stringify(bad)} (${v.summary})`);
    else if (!bad.detail.includes('bogus')) fail(`the invalid verdict does not say why: "${bad.detail}"`);
    const good = v.rows['hw:cpu_thread_policy'];
    if (!good || good.status !== 'valid') fail(`hw:cpu_thread_policy=prefer shows ${JSON.stringify(good)}`);
    const unknown = v.rows['x-unrelated'];
    if (!unknown || unknown.status !== 'unknown') fail(`x-unrelated=1 shows ${JSON.stringify(unknown)}`);
    // Highlighted: each verdict has its own colour.
    if (bad && good && unknown && new Set([bad.bg, good.bg, unknown.bg]).size !== 3) fail(`verdicts are not told apart by colour: ${bad.bg}, ${good.bg}, ${unknown.bg}`);
    if (!v.summary.startsWith('invalid')) fail(`the summary says "${v.summary}"`);
    notes.push(`verdicts: ${Object.entries(v.rows).map(([k, r]) => `${k} ${r.status}`).join(', ')}`);
    screenshots['explorer-validate.png'] = await page.screenshot({ selector: '#validate' });
    // The README's picture: the namespace just opened and the verdicts below it.
    screenshots['explorer.png'] = await page.screenshot({ selector: '#detail, #validate' });
  });

  await step('validate a JSON map, and refuse a malformed one before any call', async () => {
    await setSelect('rt-validate', 'OS::Glance::Image');
    await page.eval(`document.getElementById('props').value = '{"hw_cpu_policy": "dedicated", "hw_cpu_thread_policy": "sometimes"}'; document.getElementById('run-validate').click();`);
    await page.waitFor(`document.querySelectorAll('#verdicts tbody tr').length === 2 || document.getElementById('validate-status').classList.contains('error')`, 'the JSON verdicts', 30_000);
    const statuses = await page.eval<Record<string, string>>(`Object.fromEntries([...document.querySelectorAll('#verdicts tbody tr')].map((r) => [r.getAttribute('data-property'), r.getAttribute('data-status')]))`);
    if (statuses['hw_cpu_policy'] !== 'valid' || statuses['hw_cpu_thread_policy'] !== 'invalid') fail(`a JSON map against OS::Glance::Image shows ${JSON.stringify(statuses)}`);
    const calls = page.requests.length;
    await page.eval(`document.getElementById('props').value = 'hw_cpu_policy dedicated'; document.getElementById('run-validate').click();`);
    const message = await page.waitFor<string>(`document.getElementById('validate-status').classList.contains('error') && document.getElementById('validate-status').textContent`, 'the input error', 10_000);
    if (!/key=value/.test(message)) fail(`a line without "=" says "${message}"`);
    if (page.requests.length !== calls) fail('malformed input was sent to the API');
    if (await page.eval<number>(`document.querySelectorAll('#verdicts tbody tr').length`)) fail('verdicts of the previous map are still shown after malformed input');
  });

  await step('markup renders as text', async () => {
    await api(base, token, 'POST', '/v2/metadefs/namespaces', {
      namespace: MARKUP_NS,
      display_name: MARKUP,
      description: MARKUP,
      visibility: 'private',
      resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'x_' }],
      properties: { shown: { title: MARKUP, type: 'string', description: MARKUP, enum: [MARKUP, 'plain'] } },
      tags: [{ name: MARKUP }],
    });
    // Some standard namespaces are private too: the page must list what the API lists.
    const privates = ((await api(base, token, 'GET', '/v2/metadefs/namespaces?visibility=private&limit=1000')).namespaces as { namespace: string }[]).map((n) => n.namespace).sort();
    await setSelect('rt-filter', '');
    await setSelect('vis-filter', 'private');
    await page.waitFor(`${listStatus} === '${privates.length} namespace${privates.length === 1 ? '' : 's'}'`, 'the private namespaces', 30_000);
    const names = await page.eval<string[]>(rowNames);
    if (names.join() !== privates.join()) fail(`filtered by private the explorer lists [${names.join(', ')}], the API [${privates.join(', ')}]`);
    const row = await page.eval<{ cells: string[]; elements: number }>(`(() => {
      const r = document.querySelector('#namespaces tr[data-namespace="${MARKUP_NS}"]');
      return { cells: [...r.cells].map((c) => c.textContent), elements: document.querySelectorAll('#namespaces img, #namespaces b, #injected').length };
    })()`);
    if (row.cells[1] !== MARKUP || row.cells[4] !== MARKUP) fail(`the markup namespace's row shows ${JSON.stringify(row.cells)}`);
    if (row.elements) fail(`the markup namespace's row created ${row.elements} element(s) from its text`);
    await page.eval(`document.querySelector('#namespaces tr[data-namespace="${MARKUP_NS}"] button').click()`);
    await page.waitFor(`document.getElementById('detail-title').textContent === ${JSON.stringify(MARKUP_NS)} && document.querySelector('#detail-body table.properties')`, 'the markup namespace detail', 30_000);
    const detail = await page.eval<{ text: string; elements: number }>(`(() => ({ text: document.getElementById('detail-body').textContent, elements: document.querySelectorAll('#detail-body img, #detail-body b, #injected, img').length }))()`);
    const occurrences = detail.text.split(MARKUP).length - 1;
    // display name, description, property title, description, enum (with ", plain"), tag
    if (occurrences < 6) fail(`the markup namespace's detail shows its markup as text ${occurrences} times, expected 6`);
    if (detail.elements) fail(`the markup namespace's detail created ${detail.elements} element(s) from its text`);
    if (await page.eval<boolean>('window.__injected !== undefined')) fail('a handler in the markup ran');
    screenshots['explorer-markup.png'] = await page.screenshot({ selector: '#detail' });
  });

  // The token went only in the header: not in any URL, and in the header of every API call.
  if (page.requests.some((r) => r.url.includes(token))) fail('the token appeared in a URL');
  const apiCalls = page.requests.filter((r) => new URL(r.url).pathname.startsWith('/v2/'));
  if (!apiCalls.length) fail('the explorer made no API call');
  if (apiCalls.some((r) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === 'x-auth-token')?.[1] !== token)) fail('an API call went without the X-Auth-Token header');
  notes.push(`${apiCalls.length} API calls, each with X-Auth-Token, none with the token in its URL`);
  if (await page.eval<boolean>(`location.href.includes(${JSON.stringify(token)})`)) fail('the token is in the page URL');
  if (page.problems.length) fail(`/explorer reported problems: ${page.problems.join(' | ')}`);
  return { failures, screenshots, notes };
}

/**
 * The pages' security over HTTP, before any browser: each page and every file it loads comes
 * with `nosniff` and its own type; the pages' Content-Security-Policy allows scripts and
 * styles from the service only (no 'unsafe-inline', no 'unsafe-eval'), and their HTML holds
 * no inline script, handler or style that such a policy would have to allow.
 */
const FILES: Record<'docs' | 'explorer', { page: string; assets: Record<string, string> }> = {
  docs: { page: '/docs', assets: { '/docs/docs.js': 'text/javascript', '/docs/docs.css': 'text/css', '/docs/assets/swagger-ui-bundle.js': 'text/javascript', '/docs/assets/swagger-ui.css': 'text/css' } },
  explorer: { page: '/explorer', assets: { '/explorer/explorer.js': 'text/javascript', '/explorer/explorer.css': 'text/css' } },
};

export function cspDirectives(csp: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) m.set(name.toLowerCase(), values);
  }
  return m;
}

async function checkPage(base: string, which: 'docs' | 'explorer'): Promise<string[]> {
  const failures: string[] = [];
  const { page, assets } = FILES[which];
  const res = await fetch(base + page);
  const html = await res.text();
  if (res.status !== 200 || !res.headers.get('content-type')?.startsWith('text/html')) failures.push(`${page}: HTTP ${res.status} ${res.headers.get('content-type')}`);
  if (res.headers.get('x-content-type-options') !== 'nosniff') failures.push(`${page}: no X-Content-Type-Options: nosniff`);
  const csp = cspDirectives(res.headers.get('content-security-policy') ?? '');
  if (csp.get('default-src')?.join(' ') !== "'self'") failures.push(`${page}: default-src is ${csp.get('default-src')?.join(' ')}`);
  for (const d of ['script-src', 'style-src']) {
    const v = csp.get(d) ?? csp.get('default-src') ?? [];
    if (v.join(' ') !== "'self'") failures.push(`${page}: ${d} is "${v.join(' ')}", not 'self' alone`);
  }
  if (csp.get('object-src')?.join(' ') !== "'none'") failures.push(`${page}: object-src is not 'none'`);
  if (csp.get('frame-ancestors')?.join(' ') !== "'none'") failures.push(`${page}: frame-ancestors is not 'none'`);
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc=/.test(m[1]) || m[2].trim()) failures.push(`${page}: an inline script`);
  }
  if (/<style\b|\sstyle=|\son[a-z]+=/i.test(html)) failures.push(`${page}: inline style or event handler in the HTML`);
  for (const [path, type] of Object.entries(assets)) {
    const r = await fetch(base + path);
    await r.arrayBuffer();
    if (r.status !== 200) failures.push(`${path}: HTTP ${r.status}`);
    if (!r.headers.get('content-type')?.startsWith(type)) failures.push(`${path}: Content-Type ${r.headers.get('content-type')}, expected ${type}`);
    if (r.headers.get('x-content-type-options') !== 'nosniff') failures.push(`${path}: no X-Content-Type-Options: nosniff`);
  }
  return failures;
}

export async function checkHeaders(base: string): Promise<{ docs: string[]; explorer: string[] }> {
  return { docs: await checkPage(base, 'docs'), explorer: await checkPage(base, 'explorer') };
}

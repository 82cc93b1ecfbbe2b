import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { startServer, call, type TestServer } from '../helpers/server.js';
import { loadOpenApiDocument } from '../../src/openapi.js';
import { cspDirectives } from '../browser/headers.js';

/**
 * The pages outside the API (src/http/pages.ts) over HTTP: the document as the service reads
 * it, the pages and their files without a token, the security headers, and nothing else of
 * pages/ or swagger-ui-dist reachable. The browser lane (test/browser) checks what they render.
 */
let s: TestServer;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.close();
});

test('/openapi.json and /openapi.yaml serve the document the API validates against, without a token', async () => {
  const expected = loadOpenApiDocument();
  const json = await call(s.url, 'GET', '/openapi.json');
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(json.body, expected);
  const yaml = await call(s.url, 'GET', '/openapi.yaml');
  assert.equal(yaml.status, 200);
  assert.match(yaml.headers.get('content-type') ?? '', /^application\/yaml/);
  assert.deepEqual(parseYaml(yaml.text), expected);
  for (const r of [json, yaml]) {
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(cspDirectives(r.headers.get('content-security-policy') ?? '').get('default-src')?.join(' '), "'none'");
  }
});

test('/docs and /explorer are HTML under a CSP that allows no inline script or style', async () => {
  for (const page of ['/docs', '/explorer']) {
    const r = await call(s.url, 'GET', page, { headers: { Accept: 'text/html' } });
    assert.equal(r.status, 200, page);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const csp = cspDirectives(r.headers.get('content-security-policy') ?? '');
    assert.deepEqual(csp.get('script-src'), ["'self'"], page);
    assert.deepEqual(csp.get('style-src'), ["'self'"], page);
    assert.deepEqual(csp.get('default-src'), ["'self'"], page);
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], page);
    assert.doesNotMatch(r.text, /<script(?![^>]*\bsrc=)[^>]*>/i, `${page} has an inline script`);
    assert.doesNotMatch(r.text, /\sstyle=|<style\b|\son[a-z]+=/i, `${page} has inline style or handlers`);
    // Every file the page links to is served, with nosniff.
    for (const m of r.text.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const url = new URL(m[1], s.url + page);
      if (url.origin !== s.url) continue;
      const asset = await call(s.url, 'GET', url.pathname);
      assert.equal(asset.status, 200, `${page} links to ${url.pathname}`);
      assert.equal(asset.headers.get('x-content-type-options'), 'nosniff', url.pathname);
    }
  }
});

test('HEAD answers the pages as GET does, without a body', async () => {
  const r = await call(s.url, 'HEAD', '/explorer/explorer.js');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal(r.text, '');
});

test('nothing but the named files is reachable', async () => {
  for (const path of [
    '/docs/assets/index.html', // swagger-ui-dist's demo page, which loads the petstore
    '/docs/assets/swagger-initializer.js',
    '/docs/assets/package.json',
    '/docs/assets/swagger-ui-bundle.js.map',
    '/docs/assets/%2e%2e/%2e%2e/package.json',
    '/docs/index.html',
    '/explorer/index.html',
    '/explorer/..%2f..%2fpackage.json',
    '/DOCS',
  ]) {
    const r = await call(s.url, 'GET', path);
    assert.notEqual(r.status, 200, path);
    assert.ok(r.status >= 300 && r.status < 500, `${path}: ${r.status}`);
  }
});

test('/docs/ and /explorer/ redirect to the page, whose relative links assume no trailing slash', async () => {
  for (const page of ['/docs', '/explorer']) {
    const r = await fetch(`${s.url}${page}/`, { redirect: 'manual' });
    assert.equal(r.status, 301, page);
    assert.equal(r.headers.get('location'), page);
    assert.equal((await fetch(`${s.url}${page}/`)).url, `${s.url}${page}`);
  }
  // only the bare slash: anything after it is still not a page
  assert.equal((await fetch(`${s.url}/docs//`, { redirect: 'manual' })).status, 404);
});

test('the pages are not API operations: other methods get the API\'s answer', async () => {
  const r = await call(s.url, 'POST', '/docs', { body: {} });
  assert.ok(r.status === 404 || r.status === 405, String(r.status));
  const doc = loadOpenApiDocument();
  for (const p of ['/docs', '/explorer', '/openapi.json', '/openapi.yaml']) assert.equal(doc.paths[p], undefined, p);
});

test('the API still needs a token next to the pages', async () => {
  const r = await call(s.url, 'GET', '/v2/metadefs/namespaces');
  assert.equal(r.status, 401);
  const ok = await call(s.url, 'GET', '/v2/metadefs/namespaces', { token: await s.token({ roles: ['reader'] }) });
  assert.equal(ok.status, 200);
});

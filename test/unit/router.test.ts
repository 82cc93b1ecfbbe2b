import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { loadOpenApiDocument } from '../../src/openapi.js';
import { compileRouter } from '../../src/http/api.js';

async function backend(): Promise<OpenAPIBackend> {
  const api = new OpenAPIBackend({ definition: loadOpenApiDocument() as unknown as Document, strict: false, validate: false, quick: true, ignoreTrailingSlashes: false });
  await api.init();
  return api;
}

/** The library's decision: the operation, or 404 / 405 (which its strict mode tells apart). */
function libraryOutcome(api: OpenAPIBackend, method: string, path: string): string {
  try {
    const op = api.router.matchOperation({ method, path, headers: {} }, true);
    return `${op.operationId} ${op.method} ${op.path}`;
  } catch (e) {
    return (e as Error).message.slice(0, 3);
  }
}

test('the compiled router matches exactly as openapi-backend does (200/404/405 and which operation)', async () => {
  const library = await backend();
  const compiled = compileRouter((await backend()).router);
  const doc = loadOpenApiDocument() as { paths: Record<string, unknown> };
  const paths = new Set<string>(['/', '/v2', '/v2/', '/nope', '//v2/images', '/v2/images/', '/v2/images/a/b/c/d/e', '/v2/images/a.b', '/v2/metadefs/namespaces/OS::Compute::Libvirt']);
  for (const p of Object.keys(doc.paths)) {
    paths.add(p);
    paths.add(p.replace(/\{[^}]+\}/g, 'some-id'));
    paths.add(p.replace(/\{[^}]+\}/g, 'some-id') + '/');
    paths.add(p.replace(/\{[^}]+\}/g, 'some-id') + '/extra');
    paths.add(p.replace(/\{[^}]+\}/g, 'tags'));
    paths.add(p.replace(/\{[^}]+\}/g, 'members'));
  }
  let compared = 0;
  let routed = 0;
  for (const path of paths) {
    for (const method of ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
      const want = libraryOutcome(library, method, path);
      const m = compiled.match(method, path);
      const got = typeof m === 'number' ? String(m) : `${m.op.operationId} ${m.op.method} ${m.op.path}`;
      assert.equal(got, want, `${method} ${path}`);
      if (typeof m !== 'number') {
        // the captured path parameters are the ones the library parses (which it also decodes)
        const names = [...m.op.path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
        const parsed = library.router.parseRequest({ method, path, headers: {} }, m.op).params;
        assert.deepEqual(Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m.params[i])])), parsed, `${method} ${path} params`);
        routed++;
      }
      compared++;
    }
  }
  assert.ok(compared > 100 && routed > 10, `compared ${compared} requests, ${routed} routed`);
  // the operation list is built once
  assert.equal(compiled.operations.length, library.router.getOperations().length);
});
